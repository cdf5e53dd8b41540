"""Fault cases whose fix belongs to the engine / core branch (issue 17) or a domain branch, written
against the intended behaviour. They FAIL on a branch without those fixes, on purpose: the lead
runs them after merging. Each test names the branch it needs."""
from __future__ import annotations

import dataclasses
import json
import resource
import shutil
import subprocess
import sys

import pytest
import torch

from genforge.config import TrainConfig
from genforge.engine import checkpoint

from fault_kit import TINY, cli_env, one_clear_line, run_cli, tiny_args, tiny_train

RESUMABLE = "eval_samples = 64\ncheckpoint_every = 2\nkeep_checkpoints = 20\n"


def test_periodic_checkpoints_are_on_by_default():
    """core: a killed run must not lose everything with default settings (step- or time-based)."""
    defaults = TrainConfig()
    periodic = [f.name for f in dataclasses.fields(TrainConfig) if f.name.startswith("checkpoint")
                and isinstance(getattr(defaults, f.name), (int, float)) and getattr(defaults, f.name) > 0]
    assert periodic, "every TrainConfig checkpoint_* cadence defaults to 0 (final checkpoint only)"


def test_resume_without_a_checkpoint_says_so(tmp_path):
    """core: `--resume` on a folder with no checkpoint says that it starts from step 0."""
    done = run_cli(*tiny_args("mixture", tmp_path / "run", "--resume", "--quiet"))
    assert done.returncode == 0, done.stderr
    assert "no checkpoint" in (done.stdout + done.stderr).lower()


def test_checkpoint_of_another_domain_is_refused(tiny_runs, tmp_path):
    """core: checkpoints record their domain; a mismatch is one clear line, not rows of garbage."""
    run = tmp_path / "tabular"
    shutil.copytree(tiny_runs["tabular"], run)
    for old in (run / "checkpoints").glob("step-*.pt"):
        old.unlink()
    (foreign,) = sorted((tiny_runs["mixture"] / "checkpoints").glob("step-*.pt"))[-1:]
    shutil.copy(foreign, run / "checkpoints" / foreign.name)
    one_clear_line(run_cli("sample", run, "-n", 5, "--out", tmp_path / "s.csv"), "mixture")
    done = run_cli("train", "tabular", "--resume", "--steps", 8, "--quiet", "--out", run)
    assert "Traceback" not in done.stderr and (done.returncode == 2 or "mixture" in done.stdout + done.stderr)


def test_pickle_refusal_does_not_advise_the_unsafe_fix(tiny_runs, tmp_path):
    """core: the refusal must not quote PyTorch's advice to load with weights_only=False."""
    run = tmp_path / "mixture"
    shutil.copytree(tiny_runs["mixture"], run)
    for path in (run / "checkpoints").glob("step-*.pt"):
        torch.save({"format": "genforge", "payload": TrainConfig}, path)
    done = run_cli("sample", run, "-n", 5, "--out", tmp_path / "s.csv")
    one_clear_line(done, "refused")
    assert "weights_only=False" not in done.stderr


def test_failing_metric_keeps_the_model_and_the_other_metrics(tmp_path, monkeypatch):
    """core: the final checkpoint is written before the final evaluation; a metric that raises is
    reported by name and the others still run."""
    from genforge import plugins

    original = plugins.Registry.metrics_for

    def one_broken(self, domain):
        specs = original(self, domain)
        return [dataclasses.replace(s, compute=_raise) if s.name == "reverse_kl" else s for s in specs]

    monkeypatch.setattr(plugins.Registry, "metrics_for", one_broken)
    done = tiny_train("mixture", tmp_path / "run", "--quiet")
    assert checkpoint.list_checkpoints(tmp_path / "run" / "checkpoints"), "the trained model was lost"
    said = done.stdout + done.stderr
    assert "reverse_kl" in said and "modes" in said and "Traceback" not in said


def _raise(samples, reference):
    raise ValueError("Input contains NaN")


def test_outlier_molecules_do_not_set_the_graph_size(tmp_path):
    """molecule branch: two 200-atom molecules among small ones are counted and left out; the
    graph size comes from a high percentile, not the maximum."""
    small = ["CCO", "CC(=O)O", "c1ccccc1", "CCN", "CCCC", "OCCO", "CC(C)O", "C1CC1", "CCOC", "NCC(=O)O"] * 30
    data = tmp_path / "mols.smi"
    data.write_text("\n".join(small + ["C" * 200, "C" * 199 + "O"]) + "\n")
    # a subprocess with a 4 GB address-space cap and a time limit: without the fix it never finishes
    try:
        done = subprocess.run([sys.executable, "-m", "genforge.cli", "train", "molecule", "--dataset", str(data),
                               *TINY["molecule"][0][2:], "--quiet", "--out", str(tmp_path / "run")],
                              env=cli_env(), capture_output=True, text=True, timeout=180,
                              preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30)))
    except subprocess.TimeoutExpired:
        pytest.fail("training on two 200-atom outliers did not finish in 180 s")
    assert done.returncode == 0, done.stderr[-2000:]
    said = done.stdout + done.stderr
    assert "2" in said and ("outlier" in said or "atoms" in said)


def test_text_resume_is_bit_exact(tmp_path):
    """text: a 6-step run resumed from its step-4 checkpoint ends with the weights of 6 straight
    steps. (Resuming a 4-step run with --steps 6 is a different run: the Gumbel temperature
    anneals over the planned steps.)"""
    torch.set_num_threads(1)
    for name in ("straight", "resumed"):
        assert tiny_train("text", tmp_path / name, "--steps", "6", "--quiet", config=RESUMABLE).returncode == 0
    folder = tmp_path / "resumed" / "checkpoints"
    for path in folder.glob("step-*.pt"):
        if path != checkpoint.step_path(folder, 4):
            path.unlink()
    assert run_cli("train", "text", "--steps", 6, "--resume", "--quiet", "--out", tmp_path / "resumed").returncode == 0
    a, b = (checkpoint.load_safe(checkpoint.step_path(tmp_path / n / "checkpoints", 6))["model"]
            for n in ("straight", "resumed"))
    assert not [k for k in a if not torch.equal(a[k], b[k])]
