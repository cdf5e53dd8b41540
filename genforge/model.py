"""The model contract: one ``nn.Module`` holding a generator and a discriminator.

The engine drives a :class:`GANModel`; domain-specific training signals enter
through its documented methods instead of a fork of the loop:

* :meth:`generator_extra_loss` — CTGAN's condition cross-entropy, MolGAN's
  reward term, a diversity term; what G computed beside its samples for it (e.g. CTGAN's
  log-probabilities) comes from :meth:`generate_with_extras` and is passed to it explicitly;
* :meth:`auxiliary_step` plus :meth:`auxiliary_optimizers` — a network with its
  own optimizer (MolGAN's reward network), updated once per training step;
* :meth:`set_temperature` — the Gumbel-softmax temperature the engine schedules;
* :meth:`discriminator_optimizer` — the model supplies (wraps) D's optimizer, e.g. a
  differentially private one, and refuses the engine features it cannot train with.

Capabilities the engine reads are declared attributes
(:attr:`GANModel.joint_discriminator_batch`, :attr:`GANModel.samples_per_score`).
``generator`` and ``discriminator`` are always the plain modules in every hook: under
``torchrun`` the DDP wrappers stay private to the Trainer.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from genforge.domain import Batch


#: training-log entries computed on real samples (see :attr:`GANModel.logs_real_statistics`)
REAL_SAMPLE_LOGS = ("loss_d", "d_real_acc", "penalty")


class GANModel(nn.Module):
    """A generator ``G(z[, condition])`` and a discriminator ``D(x[, condition])``.

    ``G`` may return a tensor or a tuple/dict of tensors; ``D`` receives the same
    structure and returns one score per (packed) sample.
    """

    #: capability: D may judge real, fake (and interpolated) samples in one joint pass (faster);
    #: ``False`` for a discriminator whose output for a sample depends on the rest of its batch
    #: (batch statistics), which then sees each part in a pass of its own
    joint_discriminator_batch: bool = True
    #: whether the training logs (console, metrics log, plots, checkpoints) may show figures computed
    #: on real samples: the discriminator's loss, its accuracy on real samples and the penalty;
    #: ``False`` for a differentially private critic, whose guarantee covers its weights, not those
    logs_real_statistics: bool = True

    def __init__(self, generator: nn.Module, discriminator: nn.Module, latent_dim: int):
        super().__init__()
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.temperature = 1.0
        #: capability: D gives one score per this many samples (PacGAN packing, a model option:
        #: ``pac``), so a training batch must be a multiple of it. Read from the discriminator's
        #: ``pac`` attribute (:class:`genforge.nn.PackedDiscriminator` has one); 1 otherwise.
        self.samples_per_score = int(getattr(discriminator, "pac", 1))

    # -- the adversarial pair ----------------------------------------------------
    def noise(self, n: int, rng: torch.Generator) -> torch.Tensor:
        """Latent noise, drawn on the CPU from ``rng`` so every device agrees."""
        return torch.randn(n, self.latent_dim, generator=rng)

    def generate(self, z: torch.Tensor, condition: torch.Tensor | None = None) -> Any:
        return self.generator(z) if condition is None else self.generator(z, condition)

    def discriminate(self, x: Any, condition: torch.Tensor | None = None) -> torch.Tensor:
        return self.discriminator(x) if condition is None else self.discriminator(x, condition)

    def generate_with_extras(self, z: torch.Tensor, condition: torch.Tensor | None = None
                             ) -> tuple[Any, dict[str, torch.Tensor]]:
        """The samples the generator loss is computed on, and what G computed beside them for
        :meth:`generator_extra_loss` (e.g. log-probabilities before Gumbel noise). The engine
        calls it for every fake batch that G learns from (either phase, see ``reuse_fake``)
        and hands the extras on unchanged. Default: :meth:`generate`, no extras."""
        return self.generate(z, condition), {}

    # -- hooks for domain-specific training signals -------------------------------
    def generator_extra_loss(self, fake: Any, batch: Batch,
                             extras: dict[str, torch.Tensor]) -> torch.Tensor | None:
        """An extra term added to the generator loss (``None`` for none). ``fake``: the samples
        G learns from; ``batch``: their conditions; ``extras``: what
        :meth:`generate_with_extras` returned beside ``fake``."""
        return None

    def auxiliary_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        """Optimizers of auxiliary networks, checkpointed by the engine."""
        return {}

    def auxiliary_step(self, real: Batch, fake: Any, step: int) -> dict[str, float]:
        """Update auxiliary networks (after D's update, before G's); return logs."""
        return {}

    def discriminator_optimizer(self, optimizer: torch.optim.Optimizer, config: Any,
                                steps: int) -> torch.optim.Optimizer:
        """The optimizer the engine steps for D. Called once by the Trainer (after DDP wrapping)
        with the default ``optimizer`` over D's parameters, the run's ``TrainConfig`` and the
        planned number of training steps (each does ``config.n_critic`` D updates). Return it
        unchanged (the default) or a wrapper/replacement with the same interface — e.g. Opacus's
        ``DPOptimizer`` (per-sample clipping and noise, see genforge-tabular's ``privacy``
        package). Raise :class:`genforge.errors.UserInputError` naming any ``config`` setting the
        model cannot train with (it is called before the first step)."""
        return optimizer

    def set_temperature(self, tau: float) -> None:
        """Receive the engine's scheduled Gumbel-softmax temperature."""
        self.temperature = tau
