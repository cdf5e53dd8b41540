"""``ImageGAN``: the scikit-learn-style Python API of the image domain.

>>> gan = ImageGAN(steps=2000).fit(images, labels)       # uint8 N x H x W [x C]
>>> fakes = gan.generate(100, labels=3)                   # uint8 100 x H x W x C
>>> gan.save("digits.pt"); ImageGAN.load("digits.pt").generate(10)

Training runs the engine's Trainer (no separate loop); ``save`` writes the
engine's weights-only checkpoint format, atomically.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from sklearn.base import BaseEstimator

from genforge.config import TrainConfig
from genforge.engine import checkpoint
from genforge.engine.trainer import Trainer
from genforge.errors import UserInputError
from genforge.plugins import get_registry
from genforge.sampling import generate_raw
from genforge.training import build_model, fill_names

from genforge_image.loading import ImageSet, as_uint8_images, encode_labels, fit_size
from genforge_image.samples import ImageSchema, to_uint8


class ImageGAN(BaseEstimator):
    """Class-conditional DCGAN (hinge loss, spectral norm, projection D, DiffAugment, EMA)."""

    def __init__(self, steps: int = 3000, batch_size: int = 64, loss: str = "hinge", lr_g: float = 5e-4,
                 lr_d: float = 5e-4, ema_decay: float = 0.995, latent_dim: int = 64, g_width: int = 32,
                 d_width: int = 32, spectral_norm: bool = True, augment: str = "auto",
                 size: int | None = None, seed: int = 0, device: str = "auto"):
        self.steps, self.batch_size, self.loss, self.lr_g, self.lr_d = steps, batch_size, loss, lr_g, lr_d
        self.ema_decay, self.latent_dim, self.g_width, self.d_width = ema_decay, latent_dim, g_width, d_width
        self.spectral_norm, self.augment, self.size, self.seed, self.device = (
            spectral_norm, augment, size, seed, device)

    def _config(self) -> TrainConfig:
        from genforge.training import make_config

        overrides = {"steps": self.steps, "batch_size": self.batch_size, "loss": self.loss,
                     "lr_g": self.lr_g, "lr_d": self.lr_d, "ema_decay": self.ema_decay, "seed": self.seed,
                     "device": self.device,
                     "model_options": {"latent_dim": self.latent_dim, "g_width": self.g_width,
                                       "d_width": self.d_width, "spectral_norm": self.spectral_norm,
                                       "augment": self.augment}}
        return make_config("image", overrides)

    def fit(self, images: np.ndarray, labels: Sequence[Any] | None = None) -> "ImageGAN":
        registry = get_registry()
        domain = registry.domain("image")
        arr = fit_size(as_uint8_images(images, "images"), self.size)
        index, names = (None, []) if labels is None else encode_labels(labels, len(arr), "labels")
        raw = ImageSet(arr, index, names, source="images")
        config = fill_names(self._config(), domain)
        data = domain.prepare(raw, {"test_fraction": 0}, config.seed)  # learn from every image
        model = build_model(config, data.schema, registry)
        self.trainer_ = Trainer(model, data, config, loss=registry.loss(config.loss), domain=domain)
        self.trainer_.fit()
        self.schema_, self.config_ = data.schema, config
        self.model_ = model
        with self.trainer_.sampling_model() as sampling:
            self.generator_ = sampling.generator
        return self

    def generate(self, n: int, labels: Any = None, seed: int | None = None) -> np.ndarray:
        """``n`` uint8 images N x H x W x C; ``labels``: one class (name or index) or one per image.
        Without labels a conditional model draws every class equally often."""
        if not hasattr(self, "schema_"):
            raise UserInputError("ImageGAN: call fit() or ImageGAN.load() before generate()")
        rng = torch.Generator().manual_seed(self.seed if seed is None else seed)
        cond = self._labels(n, labels, rng)
        live = self.model_.generator
        self.model_.generator = self.generator_
        try:
            out = generate_raw(self.model_, n, cond, rng, torch.device("cpu"))
        finally:
            self.model_.generator = live
        return to_uint8(out).numpy()

    def _labels(self, n: int, labels: Any, rng: torch.Generator) -> torch.Tensor | None:
        schema: ImageSchema = self.schema_
        if labels is None:
            from genforge_image.plugin import DOMAIN
            return DOMAIN.condition({}, n, schema, rng)
        values = [labels] * n if np.ndim(labels) == 0 else list(labels)
        if len(values) != n:
            raise UserInputError(f"generate: {len(values)} labels for n={n} images")
        return torch.tensor([schema.label_index(str(v)) for v in values], dtype=torch.long)

    # -- persistence: the engine's checkpoint format --------------------------------------
    def save(self, path: str | Path) -> Path:
        if not hasattr(self, "trainer_"):
            raise UserInputError("ImageGAN: nothing to save; call fit() first")
        state = self.trainer_.state_dict()
        state["estimator_params"] = {k: v for k, v in self.get_params().items()}
        return checkpoint.save_atomic(state, Path(path))

    @classmethod
    def load(cls, path: str | Path) -> "ImageGAN":
        state = checkpoint.load_safe(Path(path))
        gan = cls(**state.get("estimator_params", {}))
        registry = get_registry()
        domain = registry.domain("image")
        gan.config_ = TrainConfig.from_dict(state["config"], source=str(path))
        gan.schema_ = domain.schema_from_state(state["schema"])
        gan.model_ = build_model(gan.config_, gan.schema_, registry)
        gan.model_.load_state_dict(state["model"])
        if state.get("ema") is not None:
            gan.model_.generator.load_state_dict(state["ema"])
        gan.model_.eval()
        gan.generator_ = gan.model_.generator
        return gan
