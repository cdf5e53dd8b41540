"""Exponential moving average of the generator's weights (Karras et al., Yazici et al.)."""
from __future__ import annotations

import copy

import torch
from torch import nn


class GeneratorEMA:
    """``ema = decay * ema + (1 - decay) * weights`` after every generator step.

    Buffers (batch-norm statistics) are copied, not averaged.
    """

    def __init__(self, generator: nn.Module, decay: float):
        self.decay = decay
        self.module = copy.deepcopy(generator).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, generator: nn.Module) -> None:
        ema_params = list(self.module.parameters())
        params = [p.detach() for p in generator.parameters()]
        torch._foreach_lerp_(ema_params, params, 1.0 - self.decay)
        for b_ema, b in zip(self.module.buffers(), generator.buffers()):
            b_ema.copy_(b)

    def state_dict(self) -> dict:
        return self.module.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.module.load_state_dict(state)
