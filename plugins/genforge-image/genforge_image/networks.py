"""DCGAN-style generator and discriminator whose depth follows the image size.

A side ``S`` (a power of two, 8..128) gives ``log2(S / 4)`` up-sampling blocks in
G (4x4 -> S x S) and as many down-sampling blocks in D; channel widths halve on
the way up and double on the way down (capped at 8 x ``width``).

Class conditioning (Miyato & Koyama 2018): G uses conditional batch norm, a
per-class gain and bias after a parameter-free batch norm; D is a *projection*
discriminator, ``D(x, y) = w . h(x) + embed(y) . h(x)``. ``spectral_norm`` puts
spectral normalization (Miyato et al. 2018) on every D layer (and on G's when
``g_spectral_norm``).
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as _sn


def depth_for(size: int) -> int:
    """Number of 2x resampling blocks between 4x4 and ``size`` x ``size``."""
    blocks = int(math.log2(size)) - 2
    if size < 8 or size > 128 or 2 ** (blocks + 2) != size:
        raise ValueError(f"image side must be a power of two from 8 to 128, got {size}")
    return blocks


def _maybe_sn(module: nn.Module, on: bool) -> nn.Module:
    return _sn(module) if on else module


class ConditionalBatchNorm2d(nn.Module):
    """Batch norm whose gain and bias come from the class label (plain affine BN without classes)."""

    def __init__(self, channels: int, num_classes: int):
        super().__init__()
        self.num_classes = num_classes
        self.norm = nn.BatchNorm2d(channels, affine=num_classes == 0)
        if num_classes:
            self.gain = nn.Embedding(num_classes, channels)
            self.bias = nn.Embedding(num_classes, channels)
            nn.init.ones_(self.gain.weight)
            nn.init.zeros_(self.bias.weight)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        h = self.norm(x)
        if not self.num_classes:
            return h
        return h * self.gain(y)[:, :, None, None] + self.bias(y)[:, :, None, None]


class ImageGenerator(nn.Module):
    """``z [, y] -> image in [-1, 1]``, shape N x C x S x S."""

    def __init__(self, latent_dim: int, size: int, channels: int, num_classes: int = 0,
                 width: int = 64, spectral_norm: bool = False):
        super().__init__()
        blocks = depth_for(size)
        widths = [width * min(8, 2 ** (blocks - i)) for i in range(blocks + 1)]
        self.num_classes, self.start = num_classes, widths[0]
        self.project = _maybe_sn(nn.Linear(latent_dim, widths[0] * 16), spectral_norm)
        self.norms = nn.ModuleList([ConditionalBatchNorm2d(widths[0], num_classes)])
        self.ups = nn.ModuleList()
        for a, b in zip(widths, widths[1:]):
            self.ups.append(_maybe_sn(nn.ConvTranspose2d(a, b, 4, 2, 1), spectral_norm))
            self.norms.append(ConditionalBatchNorm2d(b, num_classes))
        self.to_image = _maybe_sn(nn.Conv2d(widths[-1], channels, 3, 1, 1), spectral_norm)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        y = y.long() if y is not None else None
        h = self.project(z).view(len(z), self.start, 4, 4)
        h = torch.relu(self.norms[0](h, y))
        for up, norm in zip(self.ups, self.norms[1:]):
            h = torch.relu(norm(up(h), y))
        return torch.tanh(self.to_image(h))


class ImageDiscriminator(nn.Module):
    """``image [, y] -> score``; a projection discriminator when ``num_classes`` > 0."""

    def __init__(self, size: int, channels: int, num_classes: int = 0, width: int = 64,
                 spectral_norm: bool = True):
        super().__init__()
        blocks = depth_for(size)
        widths = [width * min(8, 2 ** i) for i in range(blocks + 1)]
        layers: list[nn.Module] = [_maybe_sn(nn.Conv2d(channels, widths[0], 3, 1, 1), spectral_norm),
                                   nn.LeakyReLU(0.2)]
        for a, b in zip(widths, widths[1:]):
            layers += [_maybe_sn(nn.Conv2d(a, b, 4, 2, 1), spectral_norm), nn.LeakyReLU(0.2)]
        layers += [_maybe_sn(nn.Conv2d(widths[-1], widths[-1], 3, 1, 1), spectral_norm), nn.LeakyReLU(0.2)]
        self.features = nn.Sequential(*layers)
        self.head = _maybe_sn(nn.Linear(widths[-1] * 16, 1), spectral_norm)
        self.num_classes = num_classes
        if num_classes:
            self.embed = _maybe_sn(nn.Embedding(num_classes, widths[-1] * 16), spectral_norm)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        h = self.features(x).flatten(1)
        out = self.head(h).squeeze(1)
        if self.num_classes and y is not None:
            out = out + (self.embed(y.long()) * h).sum(1)
        return out
