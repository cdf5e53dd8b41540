"""Poisson-sampled critic batches of a fixed physical size, for DP-SGD.

The RDP accountant's guarantee is for Poisson sampling: every row joins a batch
independently with probability ``q``. The engine wants batches of ``batch_size`` rows, so a
batch holds the ``~Binomial(n, q)`` sampled rows followed by padding rows; the last column of
the condition is a *mask* (1 for a sampled row, 0 for padding) that the private model
multiplies into the critic's output, so a padding row (and its fake partner) contributes an
exactly zero per-sample gradient. A batch that would overflow is truncated; ``q`` is chosen so
that this happens with probability at most ``truncation_delta / ((1 + e^eps) steps)`` per step,
which (a union bound) adds at most ``truncation_delta`` to the run's delta.

Conditions: a sampled row is conditioned on its own level of a discrete column chosen by the
(data-independent) column weights; padding rows and generator steps draw conditions from the
schema's private level frequencies. Training-by-sampling's per-level row lookup is not used
(it picks rows by their values, which Poisson sampling forbids).
"""
from __future__ import annotations

import math

import torch

from genforge.domain import Batch, TrainingData


def poisson_rate(rows: int, batch_size: int, steps: int, epsilon: float, truncation_delta: float) -> float:
    """The largest Poisson rate whose batches overflow ``batch_size`` with probability at most
    ``truncation_delta / ((1 + e^epsilon) * steps)`` per step (bisection on the binomial tail)."""
    from scipy.stats import binom

    if batch_size >= rows:
        return 1.0
    bound = truncation_delta / ((1.0 + math.exp(min(epsilon, 700.0))) * max(1, steps))
    lo, hi = 0.0, batch_size / rows
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if binom.sf(batch_size, rows, mid) <= bound:
            lo = mid
        else:
            hi = mid
    return lo


def own_conditions(draws, codes: torch.Tensor, rng: torch.Generator, cond: torch.Tensor) -> torch.Tensor:
    """Each row conditioned on its own level (``codes``) of a discrete column drawn by the
    (data-independent) column weights; ``cond`` unchanged when there is no discrete column."""
    if draws is None:
        return cond
    column = torch.multinomial(draws.column_weights, len(codes), replacement=True, generator=rng)
    return draws.layout.one_hot(column, codes[torch.arange(len(codes)), column])


class PoissonTrainingData(TrainingData):
    """Encoded rows; ``batch`` draws a Poisson batch at ``sample_rate`` (set by the private model
    once it knows the planned steps), padded to the engine's batch size."""

    def __init__(self, encoded: torch.Tensor, codes: torch.Tensor, schema, *, reference=None,
                 real_samples=None, report=None):
        self.encoded, self.codes, self.schema = encoded, codes, schema
        self.reference, self.real_samples, self.report = reference, real_samples, report
        self.size = len(encoded)
        #: the DP proxy table's mean encoded row (its block frequencies), for the marginal loss
        self.proxy_means: torch.Tensor | None = None
        self.sample_rate: float | None = None
        self.truncated_batches = 0
        self.sampled_rows = 0

    def _conditions(self, n: int, rng: torch.Generator) -> torch.Tensor:
        draws = self.schema.draws
        if draws is None:
            return torch.zeros(n, 0)
        return draws.conditions(n, rng)

    def batch(self, batch_size: int, rng: torch.Generator) -> Batch:
        if self.sample_rate is None:
            raise RuntimeError("PoissonTrainingData: the private model has not set the sample rate")
        picked = torch.nonzero(torch.rand(self.size, generator=rng) < self.sample_rate).squeeze(1)
        if len(picked) > batch_size:  # accounted in the ledger's truncation delta
            self.truncated_batches += 1
            picked = picked[torch.randperm(len(picked), generator=rng)[:batch_size]]
        k = len(picked)
        self.sampled_rows += k
        real = torch.zeros(batch_size, self.encoded.shape[1])
        real[:k] = self.encoded[picked]
        cond = self._conditions(batch_size, rng)
        if k:
            cond[:k] = own_conditions(self.schema.draws, self.codes[picked], rng, cond[:k])
        mask = torch.zeros(batch_size, 1)
        mask[:k] = 1.0
        return Batch(real=real, condition=torch.cat([cond, mask], dim=1))

    def conditions(self, batch_size: int, rng: torch.Generator) -> Batch:
        return Batch(condition=torch.cat([self._conditions(batch_size, rng), torch.ones(batch_size, 1)], dim=1))
