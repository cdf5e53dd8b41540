"""Exponential moving average of the generator's weights (Karras et al., Yazici et al.)."""
from __future__ import annotations

import copy

import torch
from torch import nn


class GeneratorEMA:
    """``ema = d_t * ema + (1 - d_t) * weights`` after every generator step, with the warm-up
    ``d_t = decay * (1 - decay^(t-1)) / (1 - decay^t)`` at update ``t``: the bias-corrected
    average (as Adam corrects its moments), so the initial weights carry no weight and a short
    run samples from its trained weights, not from ~``decay^t`` of its initialisation. For
    ``t >> 1 / (1 - decay)``, ``d_t`` is ``decay``.

    Buffers (batch-norm statistics) are copied, not averaged.
    """

    def __init__(self, generator: nn.Module, decay: float):
        self.decay = decay
        self.updates = 0
        self.module = copy.deepcopy(generator).eval().requires_grad_(False)

    def current_decay(self) -> float:
        """The decay of the next update (0 for the first: the EMA starts at the trained weights)."""
        t, d = self.updates + 1, self.decay
        return d * (1.0 - d ** (t - 1)) / (1.0 - d ** t)

    @torch.no_grad()
    def update(self, generator: nn.Module) -> None:
        ema_params = list(self.module.parameters())
        params = [p.detach() for p in generator.parameters()]
        torch._foreach_lerp_(ema_params, params, 1.0 - self.current_decay())
        self.updates += 1
        for b_ema, b in zip(self.module.buffers(), generator.buffers()):
            b_ema.copy_(b)

    def state_dict(self) -> dict:
        return self.module.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.module.load_state_dict(state)
