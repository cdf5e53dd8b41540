"""The conditional generator and packed critic, and the model that adds the condition loss.

Generator: residual blocks ``h <- [h, ReLU(BN(Linear(h)))]`` on ``[z, c]``, then
per block of the encoding ``tanh`` (mode-specific alphas) or Gumbel-softmax
(modes and categories; optionally straight-through "hard", so the critic sees
exact one-hot codes as in the real data). Critic: PacGAN-packed MLP with LeakyReLU and dropout on
``[x, c]``. The condition cross-entropy (on the generator's
log-probabilities, as in CTGAN) enters through
:meth:`TabularGANModel.generator_extra_loss`, and so does the target
classifier's (CTAB-GAN, Zhao et al. 2021): a classifier trained on real rows to
predict the target from the other columns, whose cross-entropy on generated rows
(against the target they carry) teaches the generator the features that go with
each class. It is what train-on-synthetic F1 measures.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from genforge.domain import Batch
from genforge.nn import PackedDiscriminator
from genforge.nn import Dropout, gumbel_noise_like, gumbel_softmax
from genforge.model import GANModel


class Residual(nn.Module):
    def __init__(self, in_dim: int, out_dim: int):
        super().__init__()
        self.fc, self.bn = nn.Linear(in_dim, out_dim), nn.BatchNorm1d(out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([torch.relu(self.bn(self.fc(x))), x], dim=1)


class ConditionalGenerator(nn.Module):
    def __init__(self, latent_dim: int, cond_dim: int, spans: list[tuple[int, int, str]],
                 hidden: tuple[int, ...]):
        super().__init__()
        dim, blocks = latent_dim + cond_dim, []
        for width in hidden:
            blocks.append(Residual(dim, width))
            dim += width
        self.body = nn.Sequential(*blocks)
        self.head = nn.Linear(dim, spans[-1][1] if spans else 0)
        self.register_buffer("tanh_idx", torch.tensor([a for a, b, act in spans if act == "tanh"],
                                                      dtype=torch.long), persistent=False)
        # softmax blocks grouped by width: one Gumbel-softmax call per distinct width
        blocks = [(a, b) for a, b, act in spans if act == "softmax"]
        self.widths = sorted({b - a for a, b in blocks})
        for w in self.widths:
            idx = torch.tensor([list(range(a, b)) for a, b in blocks if b - a == w], dtype=torch.long)
            self.register_buffer(f"blocks_{w}", idx, persistent=False)
        self.tau, self.hard = 0.2, False

    def forward(self, z: torch.Tensor, condition: torch.Tensor | None = None, *,
                with_log_probs: bool = False) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """The encoded rows; with ``with_log_probs`` also the blocks' log-probabilities before
        Gumbel noise (for the condition loss), as ``(rows, log_probs)``."""
        sampling = self.hard and not with_log_probs and not torch.is_grad_enabled()
        if sampling and condition is not None and not self.training and z.dtype == torch.float32:
            raw = self._sparse_condition_forward(z, condition)
        else:
            h = z if condition is None else torch.cat([z, condition], dim=1)
            raw = self.head(self.body(h)).float()  # activations in fp32 under bf16 autocast
        out = torch.zeros_like(raw) if sampling else torch.empty_like(raw)
        out[:, self.tanh_idx] = torch.tanh(raw[:, self.tanh_idx])
        log_probs = torch.zeros_like(raw) if with_log_probs else None
        for w in self.widths:
            idx = getattr(self, f"blocks_{w}")
            logits = raw[:, idx]  # (batch, blocks of width w, w)
            if sampling:  # hard samples, no gradient: the one-hot of argmax(logits + Gumbel noise),
                # which is the argmax of the softmax below, from the same noise (no exp, no division)
                pick = (logits + gumbel_noise_like(logits)).argmax(-1)
                out.scatter_(1, idx[torch.arange(len(idx)), pick], 1.0)
                continue
            soft = gumbel_softmax(logits, tau=self.tau, hard=self.hard, dim=-1)
            out[:, idx.reshape(-1)] = soft.reshape(len(raw), -1)
            if log_probs is not None:
                log_probs[:, idx.reshape(-1)] = torch.log_softmax(logits, dim=-1).reshape(len(raw), -1)
        return out if log_probs is None else (out, log_probs)


    def _sparse_condition_forward(self, z: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        """``head(body([z, condition]))`` with the condition's few non-zero entries added as rows
        of the weights instead of multiplied in (every layer's input ends with the condition, a
        one-hot of a level or two per row: two thirds of the generator's multiply-adds on a table
        with a 50,000-level column). The same function, summed in another order (float rounding)."""
        rows, cols = condition.nonzero(as_tuple=True)
        values = condition[rows, cols, None]
        width = condition.shape[1]

        def linear(layer: nn.Linear, dense: torch.Tensor) -> torch.Tensor:
            out = torch.addmm(layer.bias, dense, layer.weight[:, :-width].t())
            return out.index_add_(0, rows, layer.weight[:, -width:].t()[cols] * values)

        dense = z
        for block in self.body:
            dense = torch.cat([torch.relu(block.bn(linear(block.fc, dense))), dense], dim=1)
        return linear(self.head, dense)


class ConditionalCritic(nn.Module):
    def __init__(self, in_dim: int, hidden: tuple[int, ...], dropout: float):
        super().__init__()
        layers: list[nn.Module] = []
        for width in hidden:
            layers += [nn.Linear(in_dim, width), nn.LeakyReLU(0.2), Dropout(dropout)]
            in_dim = width
        self.net = nn.Sequential(*layers, nn.Linear(in_dim, 1))

    def forward(self, x: torch.Tensor, condition: torch.Tensor | None = None) -> torch.Tensor:
        h = x if condition is None else torch.cat([x, condition], dim=1)
        return self.net(h).squeeze(1)


class TargetClassifier(nn.Module):
    """Predicts the target's level from an encoded row whose target block is masked out."""

    def __init__(self, width: int, target_block: tuple[int, int], hidden: tuple[int, ...] = (128,)):
        super().__init__()
        mask = torch.ones(width)
        mask[target_block[0]:target_block[1]] = 0.0
        self.register_buffer("mask", mask)
        self.block = target_block
        layers: list[nn.Module] = []
        dim = width
        for h in hidden:
            layers += [nn.Linear(dim, h), nn.LeakyReLU(0.2), Dropout(0.5)]
            dim = h
        self.net = nn.Sequential(*layers, nn.Linear(dim, target_block[1] - target_block[0]))

    def loss(self, rows: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of the predicted level against the level each row carries; in fp32
        even under bf16 autocast (in bf16 it cost ~0.02 train-on-synthetic F1 on two tables)."""
        a, b = self.block
        with torch.autocast(rows.device.type, enabled=False):
            return nn.functional.cross_entropy(self.net(rows.float() * self.mask), rows[:, a:b].detach().argmax(1))


class TabularGANModel(GANModel):
    """G and packed D, plus CTGAN's condition loss (the generated row must carry its
    condition) and, with a target, the target classifier's loss."""

    def __init__(self, generator: nn.Module, discriminator: nn.Module, latent_dim: int,
                 cond_to_output: torch.Tensor, cond_weight: float = 1.0,
                 classifier: TargetClassifier | None = None, classifier_weight: float = 0.0):
        super().__init__(generator, discriminator, latent_dim)
        self.register_buffer("cond_to_output", cond_to_output)
        self.cond_weight = cond_weight
        self.classifier, self.classifier_weight = classifier, classifier_weight
        self._classifier_optimizer: torch.optim.Optimizer | None = None

    @property
    def classifier_optimizer(self) -> torch.optim.Optimizer | None:
        """Made on first use: a model loaded only to sample never builds an optimizer (the
        first ``torch.optim`` optimizer imports ``torch._dynamo``, seconds of a cold start)."""
        if self._classifier_optimizer is None and self.classifier is not None:
            self._classifier_optimizer = torch.optim.Adam(self.classifier.parameters(), lr=1e-3, betas=(0.5, 0.9),
                                                          fused=True)
        return self._classifier_optimizer

    def auxiliary_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {} if self.classifier is None else {"classifier": self.classifier_optimizer}

    def auxiliary_step(self, real: Batch, fake: Any, step: int) -> dict[str, float]:
        """One step of the target classifier on the real rows."""
        if self.classifier is None:
            return {}
        loss = self.classifier.loss(real.real)
        self.classifier_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.classifier_optimizer.step()
        return {"loss_classifier": loss.item()}

    def generate_with_extras(self, z: torch.Tensor, condition: torch.Tensor | None = None
                             ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """The rows G learns from and their log-probabilities (the condition loss reads them)."""
        rows, log_probs = self.generator(z, condition, with_log_probs=True)
        return rows, {"log_probs": log_probs}

    def generator_extra_loss(self, fake: Any, batch: Batch,
                             extras: dict[str, torch.Tensor]) -> torch.Tensor | None:
        terms = []
        if batch.condition is not None and self.cond_to_output.numel():
            log_probs = extras["log_probs"]
            nll = -(batch.condition * log_probs[:, self.cond_to_output]).sum(1)
            terms.append(self.cond_weight * nll.mean())
        if self.classifier is not None and self.classifier_weight > 0:
            terms.append(self.classifier_weight * self.classifier.loss(fake))
        return sum(terms) if terms else None


def build_tabular_gan(schema: Any, options: dict[str, Any]) -> TabularGANModel:
    """Build from the schema's output spans and condition layout (under the privacy dataset
    option with DP-SGD: the model of ``privacy/private_model.py``; the hybrid's GAN sees DP rows only)."""
    model_class = TabularGANModel
    if getattr(getattr(schema, "privacy", None), "dp_sgd", False):
        from genforge_tabular.plugin import MODEL_DEFAULTS
        from genforge_tabular.privacy.private_model import PrivateTabularGANModel, private_options
        options, model_class = private_options(options, MODEL_DEFAULTS), PrivateTabularGANModel
    spans = schema.transformer.spans()
    cond_dim = schema.cond_dim
    out_dim = schema.transformer.width
    gen = ConditionalGenerator(options["latent_dim"], cond_dim, spans, tuple(options["generator_dims"]))
    gen.tau, gen.hard = float(options["gumbel_tau"]), bool(options["gumbel_hard"])
    pac = int(options.get("pac", 1))
    critic = ConditionalCritic(pac * (out_dim + cond_dim), tuple(options["critic_dims"]), options["dropout"])
    disc = PackedDiscriminator(critic, pac) if pac > 1 else critic
    weight = float(options.get("classifier_weight", 0.0))
    block = schema.target_block()
    classifier = TargetClassifier(out_dim, block) if weight > 0 and block is not None else None
    model = model_class(gen, disc, options["latent_dim"], schema.cond_to_output(),
                        float(options["condition_weight"]), classifier, weight)
    return model.attach(schema) if model_class is not TabularGANModel else model
