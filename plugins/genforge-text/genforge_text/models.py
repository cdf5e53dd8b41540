r"""Character-level generator and discriminator for short texts.

The generator is a GRU that writes one character per step and feeds its own
choice back in. Each choice is a straight-through Gumbel-softmax sample: a hard
one-hot in the forward pass (so the discriminator sees the same kind of input as
real one-hot texts) with the gradient of the relaxed softmax at the temperature
the engine schedules (:meth:`TextGAN.set_temperature`). Positions after the first
END are forced to END, as in real sequences:

.. math:: y'_t = a_t\,y_t + (1 - a_t)\,e_{END},\qquad a_t = \prod_{s<t} (1 - y_s[END])

The discriminator embeds the one-hot sequence, runs 1-D convolutions of widths
2..5 and max-pools over time; with categories it is a projection discriminator
(score += <embed(category), features>).
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from genforge import Batch, GANModel

from genforge_text.encoding import END, CharSchema


class CharGenerator(nn.Module):
    def __init__(self, latent_dim: int, hidden: int, vocab: int, length: int, num_classes: int, embed: int,
                 dropout: float = 0.0, input_dropout: float = 0.0):
        super().__init__()
        self.vocab, self.length, self.dropout, self.input_dropout = vocab, length, dropout, input_dropout
        self.sample_temperature = 1.0  # softmax temperature when sampling (eval mode)
        self.embed = nn.Embedding(num_classes, embed) if num_classes else None
        context = latent_dim + (embed if num_classes else 0)
        self.init = nn.Linear(context, hidden)
        self.cell = nn.GRUCell(vocab + context, hidden)
        self.out = nn.Linear(hidden, vocab)
        self.tau = 1.0

    def forward(self, z: torch.Tensor, condition: torch.Tensor | None = None) -> torch.Tensor:
        context = z if self.embed is None else torch.cat([z, self.embed(condition)], 1)
        h = torch.tanh(self.init(context))
        x = z.new_zeros(len(z), self.vocab)
        alive = z.new_ones(len(z), 1)
        end = F.one_hot(torch.tensor(END, device=z.device), self.vocab).float()
        steps = []
        for _ in range(self.length):
            h = self.cell(torch.cat([x, context], 1), h)
            logits = self.out(self._drop(h))
            if not self.training and self.sample_temperature != 1.0:
                logits = logits / self.sample_temperature
            y = F.gumbel_softmax(logits, tau=self.tau, hard=True)
            y = alive * y + (1 - alive) * end
            alive = alive * (1 - y[:, END:END + 1])
            steps.append(y)
            x = y
        return torch.stack(steps, 1)

    def _drop(self, h: torch.Tensor) -> torch.Tensor:
        return F.dropout(h, self.dropout, self.training) if self.dropout else h

    def nll(self, z: torch.Tensor, condition: torch.Tensor | None, target: torch.Tensor) -> torch.Tensor:
        """Teacher-forced cross-entropy of one-hot ``target`` texts, up to and including END."""
        context = z if self.embed is None else torch.cat([z, self.embed(condition)], 1)
        h = torch.tanh(self.init(context))
        inputs = torch.cat([target.new_zeros(len(z), 1, self.vocab), target[:, :-1]], 1)
        if self.training and self.input_dropout:  # blank whole previous characters
            keep = torch.rand(inputs.shape[:2], device=inputs.device) >= self.input_dropout
            inputs = inputs * keep.unsqueeze(-1)
        logits = []
        for t in range(self.length):
            h = self.cell(torch.cat([inputs[:, t], context], 1), h)
            logits.append(self.out(self._drop(h)))
        labels = target.argmax(-1)
        ended_before = torch.cumsum((labels == END).long(), 1) - (labels == END).long()
        mask = (ended_before == 0).float()
        loss = F.cross_entropy(torch.stack(logits, 1).transpose(1, 2), labels, reduction="none")
        return (loss * mask).sum() / mask.sum()


class CharDiscriminator(nn.Module):
    def __init__(self, vocab: int, embed: int, filters: int, num_classes: int, widths=(2, 3, 4, 5)):
        super().__init__()
        self.embed = nn.Linear(vocab, embed, bias=False)  # works on one-hots and soft vectors alike
        self.convs = nn.ModuleList(nn.Conv1d(embed, filters, w, padding=w - 1) for w in widths)
        features = filters * len(widths)
        self.hidden = nn.Sequential(nn.Linear(features, features), nn.LeakyReLU(0.2))
        self.score = nn.Linear(features, 1)
        self.project = nn.Embedding(num_classes, features) if num_classes else None

    def forward(self, x: torch.Tensor, condition: torch.Tensor | None = None) -> torch.Tensor:
        e = self.embed(x).transpose(1, 2)  # (n, embed, length)
        h = torch.cat([F.leaky_relu(conv(e), 0.2).amax(-1) for conv in self.convs], 1)
        h = self.hidden(h)
        out = self.score(h).squeeze(1)
        if self.project is not None and condition is not None:
            out = out + (self.project(condition) * h).sum(1)
        return out


class TextGAN(GANModel):
    """Passes the engine's Gumbel-softmax temperature to the generator and, with
    ``mle_weight`` > 0, adds a maximum-likelihood step on each real batch (as in
    RelGAN's pre-training, kept on during adversarial training): an auxiliary
    update of G with its own optimizer, through the engine's ``auxiliary_step``."""

    def __init__(self, generator: CharGenerator, discriminator: nn.Module, latent_dim: int,
                 mle_weight: float = 0.0, mle_lr: float = 1e-3):
        super().__init__(generator, discriminator, latent_dim)
        self.mle_weight, self._mle_lr, self._mle_optimizer = mle_weight, mle_lr, None

    @property
    def mle_optimizer(self) -> torch.optim.Optimizer | None:
        """G's maximum-likelihood Adam (``None`` without ``mle_weight``), made on first use:
        building an optimizer imports ``torch._dynamo`` (~1.5 s), which sampling does not need."""
        if self._mle_optimizer is None and self.mle_weight > 0:
            self._mle_optimizer = torch.optim.Adam(self.generator.parameters(), lr=self._mle_lr)
        return self._mle_optimizer

    def set_temperature(self, tau: float) -> None:
        super().set_temperature(tau)
        self.generator.tau = tau

    def auxiliary_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"mle": self.mle_optimizer} if self.mle_optimizer is not None else {}

    def auxiliary_step(self, real: Batch, fake: Any, step: int) -> dict[str, float]:
        if self.mle_optimizer is None:
            return {}
        z = torch.randn(len(real.real), self.latent_dim, device=real.real.device)  # engine-seeded global RNG
        nll = self.generator.nll(z, real.condition, real.real)
        self.mle_optimizer.zero_grad(set_to_none=True)
        (self.mle_weight * nll).backward()
        self.mle_optimizer.step()
        return {"nll": nll.item()}


def build_char_gan(schema: CharSchema, options: dict[str, Any]) -> TextGAN:
    classes = len(schema.categories) if options["conditional"] else 0
    gen = CharGenerator(options["latent_dim"], options["hidden"], schema.vocab_size, schema.max_len,
                        classes, options["embed"], float(options["dropout"]), float(options["input_dropout"]))
    gen.sample_temperature = float(options["sample_temperature"])
    disc = CharDiscriminator(schema.vocab_size, options["embed"], options["filters"], classes)
    return TextGAN(gen, disc, options["latent_dim"], float(options["mle_weight"]), float(options["mle_lr"]))


DEFAULTS = {"latent_dim": 32, "hidden": 160, "embed": 16, "filters": 48, "conditional": True,
            "mle_weight": 1.0, "mle_lr": 3e-3, "dropout": 0.5, "input_dropout": 0.2, "sample_temperature": 1.0}
