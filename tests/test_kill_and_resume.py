"""A training killed with SIGKILL loses only the steps since its last checkpoint."""
import os
import signal
import subprocess
import sys
import time

import torch

from genforge.engine import checkpoint

ARGS = ["--dataset", "ring-8", "--batch-size", "64", "--seed", "1"]
CONFIG = """
eval_samples = 300
checkpoint_every = 25
keep_checkpoints = 10
log_every = 5
[model]
hidden = 32
d_hidden = 32
[dataset]
points = 2000
"""


def genforge(*args, **kwargs):
    return [sys.executable, "-m", "genforge.cli", *args]


def test_sigkill_then_resume_matches_an_uninterrupted_run(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(CONFIG)
    env = {**os.environ, "GENFORGE_PROGRESS": "0", "GENFORGE_LOAD_PLUGINS": ""}
    run = tmp_path / "killed"
    proc = subprocess.Popen(genforge("train", "mixture", *ARGS, "--steps", "100000", "--config", str(cfg),
                                     "--out", str(run)), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(checkpoint.list_checkpoints(run / "checkpoints")) < 2:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    saved = checkpoint.list_checkpoints(run / "checkpoints")
    assert saved, "no checkpoint was written before the kill"
    last_step = saved[0][0]
    assert last_step % 25 == 0
    target = last_step + 25
    done = subprocess.run(genforge("train", "mixture", "--steps", str(target), "--resume", "--out", str(run)),
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"resumed from" in done.stdout and f"at step {last_step}" in done.stdout
    straight = tmp_path / "straight"
    done = subprocess.run(genforge("train", "mixture", *ARGS, "--steps", str(target), "--config", str(cfg),
                                   "--out", str(straight)), env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    a = checkpoint.load_safe(checkpoint.step_path(run / "checkpoints", target))["model"]
    b = checkpoint.load_safe(checkpoint.step_path(straight / "checkpoints", target))["model"]
    assert all(torch.equal(a[k], b[k]) for k in b)
