"""Bundled data ships inside each plugin: a plain (non-editable) install of genforge-molecule
trains on its `qm9-sample` dataset from another folder."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from genforge.testing import scratch_environment

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_a_plain_install_of_the_molecule_plugin_trains_on_its_bundled_sample(tmp_path):
    python = scratch_environment(tmp_path / "venv")
    build = tmp_path / "build"
    pip = subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                          "--no-index", str(ROOT / "plugins" / "genforge-molecule")],
                         capture_output=True, text=True, cwd=build.parent, timeout=300,
                         env={**os.environ, "PIP_NO_INDEX": "1", "TMPDIR": str(tmp_path)})
    assert pip.returncode == 0, pip.stderr[-2000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "tiny.toml").write_text("eval_samples = 64\nbatch_size = 16\n"
                                         "[model]\nhidden = [16]\nconv = [8]\naggregate = 8\nmlp = [8]\n")
    env = {**os.environ, "GENFORGE_LOAD_PLUGINS": "molecule", "GENFORGE_PROGRESS": "0"}
    where = subprocess.run([python, "-c", "import genforge_molecule.datasets as d; print(d.QM9_SAMPLE)"],
                           capture_output=True, text=True, cwd=elsewhere, env=env, timeout=120)
    assert where.returncode == 0, where.stderr
    sample = Path(where.stdout.strip())
    assert str(tmp_path / "venv") in str(sample) and sample.is_file()  # the installed copy, not the checkout
    out = subprocess.run([python, "-m", "genforge.cli", "train", "molecule", "--dataset", "qm9-sample",
                          "--steps", "2", "--config", "tiny.toml", "--out", "run"],
                         capture_output=True, text=True, cwd=elsewhere, env=env, timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert list((elsewhere / "run" / "checkpoints").glob("step-*.pt"))
