"""Shared pieces of the fault battery: the CLI in this process or a subprocess, tiny runs per domain,
tmpfs mounts for read-only and full disks."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path
from types import SimpleNamespace

import pytest

from genforge import cli

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


def run_cli(*args) -> SimpleNamespace:
    """``genforge ARGS`` in this process (fast: imports are shared); any exception that escapes
    ``main`` is a traceback a user would see, so it fails the test."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = cli.main([str(a) for a in args])
    return SimpleNamespace(returncode=status, stdout=out.getvalue(), stderr=err.getvalue())


def one_clear_line(done, *fragments: str) -> None:
    """Exit status 2, an ``error:`` line naming every fragment, and no traceback."""
    assert done.returncode == 2, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, done.stderr
    for fragment in fragments:
        assert fragment in errors[0], (fragment, errors[0])


def tiny_args(domain: str, out: Path, *extra: str, config: str = TINY_CONFIG) -> list[str]:
    cfg = Path(tempfile.mkdtemp(prefix="genforge-faults-")) / "tiny.toml"  # never in --out's folder
    cfg.write_text(config)
    return ["train", domain, *TINY[domain][0], "--config", str(cfg), *extra, "--out", str(out)]


def tiny_train(domain: str, out: Path, *extra: str, config: str = TINY_CONFIG, subprocess: bool = False):
    args = tiny_args(domain, out, *extra, config=config)
    return genforge(*args) if subprocess else run_cli(*args)


@contextmanager
def tmpfs(folder: Path, options: str):
    """A tmpfs mounted on ``folder`` (root only); skips the test where mounting is not allowed."""
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({(done.stderr or 'not root').strip()}): "
                    "the read-only / full-disk cases need one")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


