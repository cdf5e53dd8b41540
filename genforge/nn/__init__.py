"""Reusable layers for plugin models (part of genforge's public API).

* :class:`PackedDiscriminator` — PacGAN packing (Lin et al. 2018): D judges ``pac``
  samples at once; wrap a discriminator built for ``pac * features`` inputs.
* :func:`softmax`, :func:`gumbel_softmax`, :func:`gumbel_noise_like`,
  :func:`straight_through`, :class:`Dropout` — the same values and gradients as
  torch's own, cheaper on CPU for the narrow dimensions of small GANs
  (measurements in :mod:`genforge.fast_ops`).
"""
from genforge.engine.packing import PackedDiscriminator
from genforge.fast_ops import Dropout, gumbel_noise_like, gumbel_softmax, softmax, straight_through

__all__ = ["Dropout", "PackedDiscriminator", "gumbel_noise_like", "gumbel_softmax", "softmax", "straight_through"]
