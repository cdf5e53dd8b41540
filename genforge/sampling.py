"""Raw generator output for sampling (eval mode, reproducible); decoding and chunking live in
:class:`genforge.trained.TrainedGAN`, the one sampling path."""
from __future__ import annotations

from typing import Any

import torch

from genforge.engine.tensor_tree import tree_map
from genforge.model import GANModel


@torch.no_grad()
def generate_raw(model: GANModel, n: int, condition: torch.Tensor | None, rng: torch.Generator,
                 device: torch.device) -> Any:
    """``n`` generator outputs in eval mode, on the CPU, reproducible from ``rng``.

    Noise comes from ``rng``; randomness inside G (Gumbel noise, dropout) from a
    forked global RNG seeded from ``rng``, so training RNG streams are untouched.
    """
    was_training = model.training
    model.eval()
    devices = [device] if device.type == "cuda" else []
    try:
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(int(torch.randint(0, 2**62, (1,), generator=rng)))
            z = model.noise(n, rng).to(device)
            cond = None if condition is None else condition.to(device)
            out = model.generate(z, cond)
    finally:
        model.train(was_training)
    return tree_map(lambda t: t.detach().cpu(), out)
