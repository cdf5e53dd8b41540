import os
import pickle

import pytest
import torch

from genforge.engine import checkpoint
from genforge.errors import CheckpointError
from genforge.runs import Run
from genforge.training import train


class CreatesFile:
    """A pickle payload that would create a file if unpickled."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_save_is_atomic_and_roundtrips(tmp_path):
    path = checkpoint.save_atomic({"step": 3, "w": torch.arange(4.0)}, tmp_path / "c" / "step-00000003.pt")
    assert [p.name for p in path.parent.iterdir()] == ["step-00000003.pt"]  # no temp file left
    state = checkpoint.load_safe(path)
    assert state["step"] == 3 and torch.equal(state["w"], torch.arange(4.0))


def test_pickle_payload_is_refused_without_running_it(tmp_path):
    victim = tmp_path / "pwned"
    path = tmp_path / "step-00000001.pt"
    torch.save({"format": checkpoint.FORMAT, "version": 1, "evil": CreatesFile(str(victim))}, path)
    with pytest.raises(CheckpointError, match="refused") as err:
        checkpoint.load_safe(path)
    assert str(path) in str(err.value)
    assert not victim.exists()


def test_truncated_and_foreign_files_name_the_file(tmp_path):
    path = checkpoint.save_atomic({"step": 1, "w": torch.randn(1000)}, tmp_path / "step-00000001.pt")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated or corrupted") as err:
        checkpoint.load_safe(path)
    assert str(path) in str(err.value)
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(1)}, other)
    with pytest.raises(CheckpointError, match="not a genforge checkpoint"):
        checkpoint.load_safe(other)


def test_resume_falls_back_to_the_previous_good_checkpoint(tiny_config, tmp_path):
    run = tmp_path / "run"
    train(tiny_config(steps=30, checkpoint_every=10), run)
    newest = run / "checkpoints" / "step-00000030.pt"
    newest.write_bytes(newest.read_bytes()[:100])
    warnings = []
    state, path = checkpoint.load_latest_good(run / "checkpoints", warn=warnings.append)
    assert path.name == "step-00000020.pt" and state["step"] == 20
    assert "step-00000030.pt" in warnings[0]
    resumed = train(tiny_config(steps=30, checkpoint_every=10), run, resume=True)
    straight = train(tiny_config(steps=30), tmp_path / "straight")
    w = lambda m: torch.cat([p.flatten() for p in m.parameters()])
    assert torch.equal(w(resumed.trainer.model), w(straight.trainer.model))


def test_run_reloads_ema_weights_and_samples_reproducibly(tiny_config, tmp_path):
    result = train(tiny_config(steps=20, ema_decay=0.9), tmp_path / "run")
    run = Run(tmp_path / "run")
    assert torch.equal(run.sample(50, seed=5), run.sample(50, seed=5))
    assert torch.equal(run.sample(50, seed=5), result.trainer.sample(50, seed=5))
    assert not torch.equal(run.sample(50, seed=5), run.sample(50, seed=6))


def test_prune_keeps_the_newest(tmp_path):
    for step in (1, 2, 3, 4):
        checkpoint.save_atomic({"step": step}, checkpoint.step_path(tmp_path, step))
    checkpoint.prune(tmp_path, keep=2)
    assert [s for s, _ in checkpoint.list_checkpoints(tmp_path)] == [4, 3]
