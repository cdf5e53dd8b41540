"""Drawing samples from a trained model: raw generator output, then decoded chunks."""
from __future__ import annotations

from typing import Any, Iterator

import torch

from genforge.domain import Domain
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


def decoded_chunks(domain: Domain, model: GANModel, schema: Any, n: int, conditions: dict[str, str],
                   rng: torch.Generator, device: torch.device, chunk_size: int = 10_000) -> Iterator[Any]:
    """Decoded samples in chunks of at most ``chunk_size`` (bounded memory)."""
    return domain.sample_chunks(lambda k, c: generate_raw(model, k, c, rng, device),
                                schema, n, conditions, rng, chunk_size=chunk_size)
