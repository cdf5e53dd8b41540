"""The tabular GAN under DP-SGD: the critic (the only network that sees real rows) is trained
with Opacus's per-sample clipping and Gaussian noise; the generator only ever sees the critic,
so it is post-processing.

What differs from :class:`~genforge_tabular.networks.TabularGANModel`:

* the condition's last column is the Poisson batch's mask (``poisson_batches.py``): the critic's
  output is multiplied by it, so padding rows contribute exactly zero per-sample gradient;
* in the critic's own step the engine's joint batch ``[real; fake]`` goes through the critic as
  ``(rows, 2, width)``: row ``i``'s real and fake parts form a length-2 sequence, so Opacus's
  per-sample gradient of row ``i`` is their sum (the fake row carries the real row's condition,
  so both depend on that row) before clipping: sensitivity = the clip norm. One pass, one
  per-sample gradient tensor per layer (two passes accumulated cost 2-3x more time on wide
  one-hot inputs);
* with the privacy key ``classifier``, the target classifier (CTAB-GAN's) trains by DP-SGD on the
  critic's last Poisson batch of each step. The two noisy gradients of one batch form one
  Gaussian mechanism: each at noise multiplier ``sigma * sqrt(2)`` (same clip norm) is, whitened,
  a mechanism of multiplier ``sigma`` (sensitivity ``sqrt(1/2 + 1/2)``), so the accountant
  charges the batch once at ``sigma``; the generator's use of the classifier is post-processing;
* the engine features that per-sample gradients rule out are refused with a clear error
  (:func:`check_engine_config`): gradient penalties (WGAN-GP, R1), PacGAN packing, reusing the
  critic's fake batch (its conditions come from real rows) for the generator step, early
  stopping on real-data metrics, DDP. EMA works (post-processing). The objective is the
  non-saturating loss (no Lipschitz constraint needed).
"""
from __future__ import annotations

import math
import sys
from typing import Any

import torch

from genforge.domain import Batch
from genforge.errors import UserInputError
from genforge_tabular.networks import TabularGANModel, TargetClassifier
from genforge_tabular.privacy.budget import MAX_NOISE_MULTIPLIER, TRUNCATION_DELTA_SHARE, PrivacyLedger
from genforge_tabular.privacy.poisson_batches import poisson_rate

#: the engine settings private training needs (``TabularGAN(epsilon=...)`` and a ``--privacy``
#: CLI flag apply them; ``genforge train`` users pass them as flags)
PRIVATE_TRAINING_CONFIG = {"loss": "non-saturating", "reuse_fake": False, "gp_weight": None,
                           "r1_weight": 0.0, "early_stop_metric": "", "precision": "fp32"}
#: the losses whose discriminator term is a plain mean over rows (no penalty)
PRIVATE_LOSSES = ("non-saturating", "minimax", "hinge", "least-squares")


def private_options(options: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """Model options under DP: no packing (one per-sample gradient per row); no target classifier
    (it trains on real rows without noise): each off when left at its default, an error when
    asked for. (A smaller critic or no dropout measured worse: ``benchmarks/tabular_privacy.py
    --ablation``.)"""
    pac = int(options.get("pac", 1))
    if pac > 1 and pac != defaults.get("pac"):
        raise UserInputError(f"privacy: PacGAN packing (pac={options['pac']}) mixes rows inside one per-sample "
                             "gradient; set pac=1 (--option pac=1) for private training")
    weight = float(options.get("classifier_weight", 0.0))
    if weight > 0 and weight != defaults.get("classifier_weight"):
        raise UserInputError(f"privacy: classifier_weight={weight:g} trains the target classifier on real rows "
                             "without privacy; set classifier_weight=0 for private training")
    return {**options, "classifier_weight": 0.0, "pac": 1}


def check_engine_config(config: Any) -> None:
    """Refuse the engine features DP-SGD cannot train with, naming the setting to change."""
    problems = []
    if config.loss not in PRIVATE_LOSSES:
        problems.append(f"loss {config.loss!r} (use --loss non-saturating; a gradient penalty has no "
                        "per-sample gradient)")
    if config.gp_weight or config.r1_weight:
        problems.append("gp_weight / r1_weight > 0 (gradient penalties have no per-sample gradient)")
    if config.reuse_fake:
        problems.append("reuse_fake=true (the generator step would see real rows' conditions; set it false)")
    if config.early_stop_metric:
        problems.append(f"early_stop_metric={config.early_stop_metric!r} (early stopping on real-data metrics "
                        "is not private)")
    if config.precision == "bf16":
        problems.append("precision=bf16 (per-sample gradients are computed in fp32; use fp32)")
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        problems.append("distributed (DDP) training (Opacus needs its own DPDDP wrapper)")
    if problems:
        raise UserInputError("privacy: these settings do not work with differentially private training: "
                             + "; ".join(problems))


class PrivateTabularGANModel(TabularGANModel):
    """:class:`TabularGANModel` whose critic trains under DP-SGD (see the module docstring)."""

    joint_discriminator_batch = True  # [real; fake] in one pass, paired per row (see discriminate)
    logs_real_statistics = False  # the critic's loss and real accuracy are not private: not logged
    ledger: PrivacyLedger | None = None
    batches: Any = None  # the PoissonTrainingData whose rate this model sets

    def attach(self, schema: Any) -> "PrivateTabularGANModel":
        """Bind the ledger and batches; unless ``critic_condition``, drop the condition from the
        critic's input (a real row's condition is a copy of its own one-hot level; the condition
        loss holds the generator to it): fewer weights, less noise, fewer per-sample gradients."""
        self.ledger, self.batches = schema.privacy, getattr(schema.privacy, "batches", None)
        self.cond_dim = schema.cond_dim
        self.critic_condition = bool(self.ledger.spec.get("critic_condition", False)) or not self.cond_dim
        block = schema.target_block()
        if self.ledger.spec.get("classifier") and block is not None:
            from genforge_tabular.plugin import MODEL_DEFAULTS

            self.classifier = TargetClassifier(schema.transformer.width, block)
            self.classifier_weight = float(MODEL_DEFAULTS["classifier_weight"])
        self.marginal_weight = float(self.ledger.spec.get("marginal_weight", 0.0))
        means = getattr(self.batches, "proxy_means", None)
        if self.marginal_weight > 0 and means is not None:
            soft = torch.tensor([j for a, b, act in schema.transformer.spans() if act == "softmax"
                                 for j in range(a, b)], dtype=torch.long)
            self._marginal_slots, self._marginal_target = soft, means[soft].clamp_min(1e-6)
        if not self.critic_condition:
            net = self.discriminator.net
            first = next(i for i, layer in enumerate(net) if isinstance(layer, torch.nn.Linear))
            net[first] = torch.nn.Linear(net[first].in_features - self.cond_dim, net[first].out_features)
        return self

    def _split(self, condition: torch.Tensor | None) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        if condition is None or condition.shape[1] != self.cond_dim + 1:
            return condition, None
        cond = condition[:, :-1]
        return (cond if self.cond_dim else None), condition[:, -1]

    def generate(self, z: torch.Tensor, condition: torch.Tensor | None = None) -> Any:
        return super().generate(z, self._split(condition)[0])

    def generate_with_extras(self, z: torch.Tensor, condition: torch.Tensor | None = None) -> Any:
        return super().generate_with_extras(z, self._split(condition)[0])

    def discriminate(self, x: Any, condition: torch.Tensor | None = None) -> torch.Tensor:
        cond, mask = self._split(condition)
        hooks = getattr(self, "_grad_sample_hooks", None)
        learning = any(p.requires_grad for p in self.discriminator.parameters()) and torch.is_grad_enabled()
        if hooks is not None:  # per-sample gradients only in the critic's own step
            hooks.enable_hooks() if learning else hooks.disable_hooks()
        if not self.critic_condition:
            cond = None
        if hooks is not None and learning:
            return self._paired(x, cond, mask)
        out = super().discriminate(x, cond)
        return out if mask is None else out * mask.to(out.dtype)

    def _paired(self, x: torch.Tensor, cond: torch.Tensor | None, mask: torch.Tensor) -> torch.Tensor:
        """The critic's step: the joint batch ``[real; fake]`` (``2n`` rows) scored as ``(n, 2)``
        pairs, so that each per-sample gradient is row ``i``'s real plus fake part."""
        if len(x) % 2:
            raise RuntimeError("private critic step: expected the joint [real; fake] batch")
        n = len(x) // 2
        h = x if cond is None else torch.cat([x, cond], dim=1)
        pairs = h.reshape(2, n, h.shape[1]).transpose(0, 1)  # (n, 2, width): [real_i, fake_i]
        out = self.discriminator(pairs).reshape(n, 2) * mask[:n].to(h.dtype).unsqueeze(1)
        return out.transpose(0, 1).reshape(-1)

    def auxiliary_step(self, real: Batch, fake: Any, step: int) -> dict[str, float]:
        """One DP-SGD step of the target classifier on the critic's Poisson batch: padding rows
        are masked out of the per-row cross-entropy, so their per-sample gradient is zero."""
        hooks = getattr(self, "_classifier_hooks", None)
        if self.classifier is None or hooks is None:
            return {}
        mask = self._split(real.condition)[1]
        a, b = self.classifier.block
        rows = real.real.float()
        hooks.enable_hooks()
        per_row = torch.nn.functional.cross_entropy(self.classifier.net(rows * self.classifier.mask),
                                                    rows[:, a:b].argmax(1), reduction="none")
        loss = (per_row if mask is None else per_row * mask.to(per_row.dtype)).mean()
        self.classifier_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.classifier_optimizer.step()
        hooks.disable_hooks()
        return {"loss_classifier": loss.item()}

    def generator_extra_loss(self, fake: Any, batch: Batch, extras: dict[str, torch.Tensor]) -> torch.Tensor | None:
        """The condition (and classifier) losses; with ``marginal_weight``, plus the KL divergence
        of each softmax block's batch frequencies from the DP proxy's (summed over the blocks)."""
        loss = super().generator_extra_loss(fake, Batch(batch.real, self._split(batch.condition)[0], batch.extras),
                                            extras)
        target = getattr(self, "_marginal_target", None)
        if target is None:
            return loss
        slots = self._marginal_slots.to(extras["log_probs"].device)
        frequencies = extras["log_probs"][:, slots].exp().mean(0).clamp_min(1e-6)
        kl = (target.to(frequencies.device) * (target.to(frequencies.device) / frequencies).log()).sum()
        return self.marginal_weight * kl + (0.0 if loss is None else loss)

    def discriminator_optimizer(self, optimizer: torch.optim.Optimizer, config: Any,
                                steps: int) -> torch.optim.Optimizer:
        """Wrap the critic's optimizer in Opacus's DPOptimizer, with the noise multiplier calibrated
        to the ledger's remaining budget for ``steps * n_critic`` Poisson-sampled steps."""
        from opacus.accountants.utils import get_noise_multiplier
        from opacus.grad_sample import GradSampleHooks
        from opacus.optimizers import DPOptimizer

        check_engine_config(config)
        ledger, data = self.ledger, self.batches
        if ledger is None or data is None:
            raise UserInputError("privacy: this model was not prepared for private training (load the data "
                                 "with the privacy dataset option)")
        epsilon, delta = ledger.remaining()
        spec = ledger.spec
        dp_steps = int(steps) * int(config.n_critic)
        truncation_delta = ledger.delta * TRUNCATION_DELTA_SHARE
        rate = poisson_rate(data.size, config.batch_size, dp_steps, epsilon, truncation_delta)
        sgd_delta = delta - truncation_delta
        try:
            sigma = get_noise_multiplier(target_epsilon=epsilon, target_delta=sgd_delta, sample_rate=rate,
                                         steps=dp_steps, accountant=spec.get("accountant", "rdp"),
                                         epsilon_tolerance=0.005 * epsilon)
        except ValueError as exc:
            raise UserInputError(f"privacy: no noise level reaches epsilon {epsilon:.3g} in {dp_steps} steps "
                                 f"at rate {rate:.3g} ({exc}); raise epsilon or train fewer steps") from None
        if sigma > MAX_NOISE_MULTIPLIER:
            raise UserInputError(f"privacy: the budget is too small to train: epsilon {epsilon:.3g} for {dp_steps} "
                                 f"critic steps at Poisson rate {rate:.3g} needs noise multiplier {sigma:.1f} "
                                 f"(> {MAX_NOISE_MULTIPLIER:g}: the gradients would be noise); raise epsilon, "
                                 "train fewer epochs, or use a larger batch")
        data.sample_rate = rate
        clip = float(spec.get("max_grad_norm", 1.0))
        each = sigma * math.sqrt(2.0) if self.classifier is not None else sigma  # see the module docstring
        ledger.sgd = {"noise_multiplier": float(sigma), "sample_rate": float(rate), "planned_steps": dp_steps,
                      "classifier_noise_multiplier": float(each) if self.classifier is not None else 0.0,
                      "steps": 0, "delta": float(sgd_delta), "truncation_delta": float(truncation_delta),
                      "accountant": spec.get("accountant", "rdp"), "budget": float(epsilon),
                      "max_grad_norm": clip, "physical_batch": int(config.batch_size)}
        self._grad_sample_hooks = GradSampleHooks(self.discriminator, loss_reduction="mean")
        noise_rng = torch.Generator().manual_seed(int(config.seed) + 104_729)
        expected = max(1, round(rate * data.size))
        dp = DPOptimizer(optimizer, noise_multiplier=each, max_grad_norm=clip, expected_batch_size=expected,
                         generator=noise_rng)
        if self.classifier is not None:
            self._classifier_hooks = GradSampleHooks(self.classifier, loss_reduction="mean")
            self._classifier_hooks.disable_hooks()
            self._classifier_optimizer = DPOptimizer(
                self.classifier_optimizer, noise_multiplier=each, max_grad_norm=clip, expected_batch_size=expected,
                generator=torch.Generator().manual_seed(int(config.seed) + 130_363))
        dp.attach_step_hook(lambda _opt: ledger.sgd.__setitem__("steps", ledger.sgd["steps"] + 1))
        print("\n".join(ledger.lines()), file=sys.stderr)
        return dp
