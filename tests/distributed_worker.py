"""Run by test_distributed.py under torchrun: train, then compare replicas across ranks."""
import json
import sys
from pathlib import Path

import torch
import torch.distributed as dist

from genforge.engine.distributed import shutdown

from genforge.plugins import build_registry
from genforge.training import make_config, train

out, loss = Path(sys.argv[1]), sys.argv[2]
registry = build_registry(include_entry_points=False)
config = make_config("mixture", {"dataset": "ring-8", "steps": 30, "batch_size": 64, "loss": loss,
                                 "eval_samples": 200, "checkpoint_every": 10, "log_every": 1,
                                 "ema_decay": 0.9, "model_options": {"hidden": 32, "d_hidden": 32},
                                 "dataset_options": {"points": 2000}}, registry=registry)
result = train(config, out, registry=registry)
trainer = result.trainer
params = torch.cat([p.detach().flatten() for p in trainer.model.parameters()])
ema = torch.cat([p.detach().flatten() for p in trainer.ema.module.parameters()])
world = dist.get_world_size()
gathered = [torch.zeros_like(params) for _ in range(world)]
dist.all_gather(gathered, params)
gathered_ema = [torch.zeros_like(ema) for _ in range(world)]
dist.all_gather(gathered_ema, ema)
losses = [torch.zeros(1) for _ in range(world)]
dist.all_gather(losses, torch.tensor([trainer.logs["loss_d"]]))
if dist.get_rank() == 0:
    (out / "replicas.json").write_text(json.dumps({
        "world": world,
        "max_param_diff": max((g - gathered[0]).abs().max().item() for g in gathered),
        "max_ema_diff": max((g - gathered_ema[0]).abs().max().item() for g in gathered_ema),
        "loss_d": [t.item() for t in losses],
    }))
trainer.unwrap_distributed()
shutdown()
