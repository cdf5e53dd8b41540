"""Optional AC-GAN term (Odena et al. 2017) beside the projection discriminator.

With model option ``ac_weight > 0`` a class head on the discriminator's
features is trained on (augmented) real images with cross-entropy, through the
engine's ``auxiliary_step`` hook and its own optimizer, and the generator gets
``ac_weight x`` the head's cross-entropy on its images for the labels it was
asked for (``generator_extra_loss``). It speeds up class conditioning on small
images; the training loop itself is the engine's.
"""
from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

from genforge.domain import Batch
from genforge.model import GANModel

from genforge_image.augment import AugmentedDiscriminator, diff_augment


class ConditionalImageGAN(GANModel):
    """GANModel whose discriminator also classifies (when ``ac_weight`` > 0)."""

    def __init__(self, generator: nn.Module, discriminator: AugmentedDiscriminator, latent_dim: int,
                 num_classes: int, ac_weight: float, lr: float = 2e-4):
        super().__init__(generator, discriminator, latent_dim)
        self.ac_weight = float(ac_weight)
        inner = discriminator.inner
        self.class_head = nn.Linear(inner.head.in_features, num_classes)
        self._lr, self._optimizer = lr, None

    @property
    def optimizer(self) -> torch.optim.Optimizer:
        """The head's Adam, made on first use: building an optimizer imports ``torch._dynamo``
        (~1.5 s), which loading a model to sample from does not need."""
        if self._optimizer is None:
            params = list(self.discriminator.inner.features.parameters()) + list(self.class_head.parameters())
            self._optimizer = torch.optim.Adam(params, lr=self._lr, betas=(0.0, 0.9))
        return self._optimizer

    def _class_logits(self, x: torch.Tensor) -> torch.Tensor:
        disc: AugmentedDiscriminator = self.discriminator
        if disc.policy:
            x = diff_augment(x, disc.policy)
        return self.class_head(disc.inner.features(x).flatten(1))

    def auxiliary_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"class_head": self.optimizer}

    def auxiliary_step(self, real: Batch, fake, step: int) -> dict[str, float]:
        loss = F.cross_entropy(self._class_logits(real.real), real.condition.long())
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return {"loss_ac_real": loss.item()}

    def generator_extra_loss(self, fake: torch.Tensor, batch: Batch,
                             extras: dict[str, torch.Tensor]) -> torch.Tensor | None:
        return self.ac_weight * F.cross_entropy(self._class_logits(fake), batch.condition.long())
