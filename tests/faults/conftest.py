"""Shared pieces of the fault battery: the CLI in a subprocess, a tiny run per domain."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

DOMAINS = ("mixture", "tabular", "molecule", "image", "text")
#: per domain: ``train`` arguments for a run of a few seconds, and the sample file suffix
TINY = {
    "mixture": (["--dataset", "ring-8", "--steps", "6", "--batch-size", "32",
                 "--option", "hidden=16", "--dataset-option", "points=400"], ".csv"),
    "tabular": (["--dataset", "penguins", "--steps", "4", "--batch-size", "40", "--dataset-option", "rows=120",
                 "--option", "latent_dim=8", "--option", "generator_dims=[16]", "--option", "critic_dims=[16]"],
                ".csv"),
    "molecule": (["--dataset", "qm9-sample", "--steps", "4", "--batch-size", "16",
                  "--option", "hidden=[32, 64]", "--option", "conv=[16]", "--option", "aggregate=16",
                  "--option", "mlp=[16]"], ".smi"),
    "image": (["--dataset", "digits", "--steps", "4", "--batch-size", "16", "--dataset-option", "classifier_steps=20",
               "--option", "g_width=8", "--option", "d_width=8", "--option", "latent_dim=16"], ".npz"),
    "text": (["--dataset", "names", "--steps", "4", "--batch-size", "16", "--dataset-option", "limit=300"], ".txt"),
}
#: a few evaluation samples keep the final evaluation fast
TINY_CONFIG = "eval_samples = 64\n"


def cli_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "GENFORGE_PROGRESS": "0", "OMP_NUM_THREADS": "1", **extra}


def genforge(*args: str, timeout: float = 300, **extra_env: str) -> subprocess.CompletedProcess:
    """``genforge ARGS`` in a fresh interpreter; stdout and stderr captured as text."""
    return subprocess.run([sys.executable, "-m", "genforge.cli", *map(str, args)], env=cli_env(**extra_env),
                          capture_output=True, text=True, timeout=timeout)


def one_clear_line(done: subprocess.CompletedProcess, *fragments: str) -> None:
    """Exit status 2, an ``error:`` line naming every fragment, and no traceback."""
    assert done.returncode == 2, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, done.stderr
    for fragment in fragments:
        assert fragment in errors[0], (fragment, errors[0])


def tiny_train(domain: str, out: Path, *extra: str, config: str = TINY_CONFIG, **env: str):
    cfg = Path(out).parent / f"{Path(out).name}.toml"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text(config)
    return genforge("train", domain, *TINY[domain][0], "--config", str(cfg), *extra, "--out", str(out), **env)


@pytest.fixture(scope="session")
def tiny_runs(tmp_path_factory) -> dict[str, Path]:
    """One trained tiny run folder per domain, shared by the read-only fault tests."""
    root = tmp_path_factory.mktemp("tiny-runs")
    runs = {}
    for domain in DOMAINS:
        done = tiny_train(domain, root / domain)
        assert done.returncode == 0, (domain, done.stderr[-3000:])
        runs[domain] = root / domain
    return runs
