"""Differentiable augmentation (DiffAugment, Zhao et al. 2020) inside the discriminator path.

:class:`AugmentedDiscriminator` wraps any discriminator and, in training mode,
augments every image it sees -- real and fake alike, in D's and G's steps --
with the same differentiable transforms, so gradients flow back to G and the
generator is not taught to produce augmented images. Policies (comma-separated):

* ``color``: random brightness (+-0.5), saturation (x0..2), contrast (x0.5..1.5);
* ``translation``: shift by up to 1/8 of the side, zero-filled;
* ``cutout``: zero a random square of half the side.

Randomness comes from torch's global generator, which the engine seeds and
checkpoints.
"""
from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

POLICIES = ("color", "translation", "cutout")


def color(x: torch.Tensor) -> torch.Tensor:
    n = len(x)
    x = x + (torch.rand(n, 1, 1, 1, device=x.device, dtype=x.dtype) - 0.5)
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * (torch.rand(n, 1, 1, 1, device=x.device, dtype=x.dtype) * 2) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (torch.rand(n, 1, 1, 1, device=x.device, dtype=x.dtype) + 0.5) + mean


def _pixel_grid(n: int, h: int, w: int, device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return torch.meshgrid(torch.arange(n, device=device), torch.arange(h, device=device),
                          torch.arange(w, device=device), indexing="ij")


def translation(x: torch.Tensor, ratio: float = 0.125) -> torch.Tensor:
    n, _, h, w = x.shape
    sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy = torch.randint(-sh, sh + 1, (n, 1, 1), device=x.device)
    dx = torch.randint(-sw, sw + 1, (n, 1, 1), device=x.device)
    b, gy, gx = _pixel_grid(n, h, w, x.device)
    padded = F.pad(x, [sw, sw, sh, sh]).permute(0, 2, 3, 1)  # zeros beyond the border
    return padded[b, gy + dy + sh, gx + dx + sw].permute(0, 3, 1, 2)


def cutout(x: torch.Tensor, ratio: float = 0.5) -> torch.Tensor:
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    top = torch.randint(0, h + 1 - ch % 2, (n, 1, 1), device=x.device) - ch // 2
    left = torch.randint(0, w + 1 - cw % 2, (n, 1, 1), device=x.device) - cw // 2
    _, gy, gx = _pixel_grid(n, h, w, x.device)
    inside = (gy >= top) & (gy < top + ch) & (gx >= left) & (gx < left + cw)
    return x * (~inside).unsqueeze(1).to(x.dtype)


_TRANSFORMS = {"color": color, "translation": translation, "cutout": cutout}


def parse_policy(policy: str) -> tuple[str, ...]:
    names = tuple(p.strip() for p in (policy or "").split(",") if p.strip())
    unknown = [p for p in names if p not in _TRANSFORMS]
    if unknown:
        from genforge.errors import UserInputError
        raise UserInputError(f"model option augment: unknown policy {unknown[0]!r}; "
                             f"choose from {', '.join(POLICIES)} (comma-separated) or ''")
    return names


def diff_augment(x: torch.Tensor, policy: tuple[str, ...]) -> torch.Tensor:
    for name in policy:
        x = _TRANSFORMS[name](x)
    return x.contiguous()


class AugmentedDiscriminator(nn.Module):
    """``D(augment(x) [, y])`` while training; plain ``D`` in eval mode."""

    def __init__(self, discriminator: nn.Module, policy: str = "color,translation,cutout"):
        super().__init__()
        self.inner = discriminator
        self.policy = parse_policy(policy)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        if self.training and self.policy:
            x = diff_augment(x, self.policy)
        return self.inner(x) if y is None else self.inner(x, y)
