"""PacGAN packing (Lin et al. 2018): the discriminator judges ``pac`` samples at once."""
from __future__ import annotations

import torch
from torch import nn


class PackedDiscriminator(nn.Module):
    """Wraps a discriminator built for ``pac * features`` inputs.

    Rows ``[0..pac)`` form the first packed sample, and so on; a condition is
    packed the same way. The batch size must be a multiple of ``pac``.
    """

    def __init__(self, inner: nn.Module, pac: int):
        super().__init__()
        self.inner, self.pac = inner, pac

    def forward(self, x: torch.Tensor, condition: torch.Tensor | None = None) -> torch.Tensor:
        if x.shape[0] % self.pac:
            raise ValueError(f"batch of {x.shape[0]} is not a multiple of pac={self.pac}")
        packed = x.reshape(x.shape[0] // self.pac, -1)
        if condition is None:
            return self.inner(packed)
        cond = condition.reshape(condition.shape[0] // self.pac, -1)
        return self.inner(packed, cond)
