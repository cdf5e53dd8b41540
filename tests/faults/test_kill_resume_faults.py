"""kill -9 in the middle of a run, then ``--resume``, on every domain: the resumed run reaches the
same weights as a straight run (bit-exact on CPU)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from genforge.engine import checkpoint

from fault_kit import DOMAINS, cli_env, run_cli, tiny_args, tiny_train

CONFIG = "eval_samples = 64\ncheckpoint_every = 2\nkeep_checkpoints = 20\n"


def model_at(run, step):
    return checkpoint.load_safe(checkpoint.step_path(run / "checkpoints", step))["model"]


#: text resumes, but not bit-exactly yet: test_engine_faults.py::test_text_resume_is_bit_exact
EXACT_DOMAINS = tuple(d for d in DOMAINS if d != "text")


@pytest.mark.slow
@pytest.mark.parametrize("domain", EXACT_DOMAINS)
def test_kill_9_then_resume_is_bit_exact(domain, tmp_path):
    torch.set_num_threads(1)
    killed = tmp_path / "killed"
    args = tiny_args(domain, killed, "--steps", "100000", config=CONFIG)
    proc = subprocess.Popen([sys.executable, "-m", "genforge.cli", *args], env=cli_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while time.time() < deadline and len(checkpoint.list_checkpoints(killed / "checkpoints")) < 2:
        assert proc.poll() is None, f"{domain}: the run ended before it was killed"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    saved = checkpoint.list_checkpoints(killed / "checkpoints")
    assert saved, f"{domain}: no checkpoint before the kill"
    target = saved[0][0] + 2
    done = run_cli("train", domain, "--steps", target, "--resume", "--quiet", "--out", killed)
    assert done.returncode == 0, done.stderr
    assert f"at step {saved[0][0]}" in done.stdout
    straight = tmp_path / "straight"
    done = run_cli(*tiny_args(domain, straight, "--steps", str(target), "--quiet", config=CONFIG))
    assert done.returncode == 0, done.stderr
    a, b = model_at(killed, target), model_at(straight, target)
    assert a.keys() == b.keys()
    different = [k for k in b if not torch.equal(a[k], b[k])]
    assert not different, f"{domain}: resumed weights differ from the straight run in {different[:3]}"


def test_metrics_log_has_no_repeated_steps_after_resume(tmp_path):
    """Resuming from step 4 of a run that logged to step 6 does not log steps 5-6 twice."""
    run = tmp_path / "run"
    assert tiny_train("mixture", run, "--steps", "6", "--quiet", config=CONFIG + "log_every = 1\n").returncode == 0
    checkpoint.step_path(run / "checkpoints", 6).unlink()
    assert run_cli("train", "mixture", "--steps", 8, "--resume", "--quiet", "--out", run).returncode == 0
    steps = [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()
             if "loss_d" in json.loads(line)]
    assert len(steps) == len(set(steps)), f"repeated steps in metrics.jsonl: {steps}"
