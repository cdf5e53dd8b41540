# genforge: `make demo` and `make test` work from a fresh clone with only Python 3.11.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PLUGINS := $(sort $(wildcard plugins/genforge-*))
STAMP  := $(VENV)/.installed

.PHONY: install demo test bench-deps benchmarks clean

install: $(STAMP)

# torch goes first and on its own, pinned: it is the CPU build on local disk.
# Everything after it only accepts the torch that is already installed.
$(STAMP): pyproject.toml $(wildcard plugins/genforge-*/pyproject.toml) Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test]' $(foreach p,$(PLUGINS),-e '$(p)[test]')
	$(BIN)/python -c "import torch; assert torch.__version__.startswith('2.13.0'), torch.__version__"
	touch $@

demo: install
	$(BIN)/genforge demo

test: install
	$(BIN)/python -m pytest tests $(foreach p,$(PLUGINS),$(p)/tests)

# Peers the benchmarks compare with, and the MOSES data (the molsets wheel, data only).
bench-deps: install
	$(BIN)/python -m pip install --quiet ctgan imbalanced-learn
	$(BIN)/python -m pip install --quiet --no-deps molsets

benchmarks: bench-deps
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done
	$(BIN)/python benchmarks/molecule_qm9.py --reward qed --lambda-gan 0.5   # property-steered run

clean:
	rm -rf $(VENV) demo-output
