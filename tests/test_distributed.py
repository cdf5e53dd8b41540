"""Two CPU processes under torchrun (gloo): DDP keeps G and D replicas identical."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

WORKER = Path(__file__).with_name("distributed_worker.py")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("loss", ["non-saturating", "wgan-gp"])
def test_two_ranks_agree_and_only_rank_0_writes(tmp_path, loss):
    env = {**os.environ, "GENFORGE_PROGRESS": "0", "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--nnodes=1",
           f"--master_addr=127.0.0.1", f"--master_port={free_port()}", str(WORKER), str(tmp_path), loss]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((tmp_path / "replicas.json").read_text())
    assert result["world"] == 2
    assert result["max_param_diff"] == 0.0
    assert result["max_ema_diff"] == 0.0
    assert result["loss_d"][0] != result["loss_d"][1]  # each rank trained on its own batches
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir())[-1] == "step-00000030.pt"
    lines = (tmp_path / "metrics.jsonl").read_text().splitlines()
    assert len([l for l in lines if '"loss_d"' in l]) == 30  # one writer, not two
