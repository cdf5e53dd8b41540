"""``ImageGAN``: the scikit-learn-style Python API of the image domain.

>>> gan = ImageGAN(steps=2000).fit(images, labels)       # uint8 N x H x W [x C]
>>> fakes = gan.generate(100, labels=3)                   # uint8 100 x H x W x C
>>> gan.save("digits.pt"); ImageGAN.load("digits.pt").generate(10)

A thin adapter of :class:`genforge.GANEstimator`: training runs through
:func:`genforge.train`, ``save``/``load`` use genforge's one model-file format.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch

from genforge import GANEstimator, UserInputError

from genforge_image.loading import ImageSet, as_uint8_images, encode_labels, fit_size
from genforge_image.samples import ImageSchema, to_uint8


class ImageGAN(GANEstimator):
    """Class-conditional DCGAN (hinge loss, spectral norm, projection D, DiffAugment, EMA)."""

    domain = "image"

    def __init__(self, steps: int = 3000, batch_size: int = 64, loss: str = "hinge", lr_g: float = 5e-4,
                 lr_d: float = 5e-4, ema_decay: float = 0.995, latent_dim: int = 64, g_width: int = 32,
                 d_width: int = 32, spectral_norm: bool = True, augment: str = "auto",
                 size: int | None = None, seed: int = 0, device: str = "auto"):
        self.steps, self.batch_size, self.loss, self.lr_g, self.lr_d = steps, batch_size, loss, lr_g, lr_d
        self.ema_decay, self.latent_dim, self.g_width, self.d_width = ema_decay, latent_dim, g_width, d_width
        self.spectral_norm, self.augment, self.size, self.seed, self.device = (
            spectral_norm, augment, size, seed, device)

    def _overrides(self, data: Any) -> dict[str, Any]:
        return {"steps": self.steps, "batch_size": self.batch_size, "loss": self.loss,
                "lr_g": self.lr_g, "lr_d": self.lr_d, "ema_decay": self.ema_decay, "seed": self.seed,
                "device": self.device,
                "model_options": {"latent_dim": self.latent_dim, "g_width": self.g_width,
                                  "d_width": self.d_width, "spectral_norm": self.spectral_norm,
                                  "augment": self.augment}}

    def _training_data(self, images: np.ndarray, labels: Sequence[Any] | None, registry: Any) -> Any:
        arr = fit_size(as_uint8_images(images, "images"), self.size)
        index, names = (None, []) if labels is None else encode_labels(labels, len(arr), "labels")
        raw = ImageSet(arr, index, names, source="images")
        data = registry.domain("image").prepare(raw, {"test_fraction": 0}, self.seed)  # learn from every image
        data.reference = None  # no metrics while fitting (they train a classifier)
        return data

    def generate(self, n: int, labels: Any = None, seed: int | None = None) -> np.ndarray:
        """``n`` uint8 images N x H x W x C; ``labels``: one class (name or index) or one per image.
        Without labels a conditional model draws every class equally often."""
        trained = self._check_fitted()
        rng = torch.Generator().manual_seed(self.seed if seed is None else seed)
        cond = self._labels(n, labels, rng)
        return to_uint8(trained.generate(n, cond, rng)).numpy()

    def _labels(self, n: int, labels: Any, rng: torch.Generator) -> torch.Tensor | None:
        schema: ImageSchema = self.schema_
        if labels is None:
            return self.trained_.domain.condition({}, n, schema, rng)
        values = [labels] * n if np.ndim(labels) == 0 else list(labels)
        if len(values) != n:
            raise UserInputError(f"generate: {len(values)} labels for n={n} images")
        return torch.tensor([schema.label_index(str(v)) for v in values], dtype=torch.long)
