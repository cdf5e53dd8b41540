"""Training-by-sampling (CTGAN): draw a condition first, then real rows that satisfy it.

A batch row picks a discrete column (uniformly, or the target column with
probability ``target_share``), then a level of it, then a real row having that
level. Everything is vectorized with torch and driven by the engine's
``torch.Generator``.

CTGAN draws the level with probability proportional to log(1 + frequency). That
makes the real rows the critic sees a biased sample of the table (rare levels of
every column over-represented), and a generator that follows its condition only
loosely inherits the bias: on ACTG 175 a 13 % class came out at 27-48 %. So the
level is drawn from ``(1 - log_frequency) * frequency + log_frequency *
log-frequency``; the default 0 keeps the critic's real rows an unbiased sample
of the table (the mixture over conditions is exactly the data distribution),
while rare levels are still learned through the condition loss and sampled
exactly on request.

With a target column, a condition also carries the target's partner
(:class:`TargetPairs`): a row conditioned on the target gets a second discrete
column's level too, and a row conditioned on another column gets the target's
level, both from the same real row. The generator then learns the rest of the
row given the pair, instead of having to learn the pair's association itself
(a 200-level country column against a 6-class target: 1,200 cells from 1,446
rows). Sampling draws the pairs from the training rows' contingency tables.
"""
from __future__ import annotations

from typing import Any

import torch

from genforge.domain import Batch, TrainingData


class ConditionLayout:
    """Where each discrete column's levels sit in the condition vector."""

    def __init__(self, widths: list[int]):
        self.widths = widths
        self.offsets = torch.tensor([0] + widths[:-1], dtype=torch.long).cumsum(0) if widths else torch.zeros(0, dtype=torch.long)
        self.dim = int(sum(widths))

    def one_hot(self, column: torch.Tensor, level: torch.Tensor) -> torch.Tensor:
        return self.add(torch.zeros(len(column), self.dim), column, level)

    def add(self, cond: torch.Tensor, column: torch.Tensor, level: torch.Tensor) -> torch.Tensor:
        """Also set ``level`` of ``column`` in each row of ``cond`` (in place)."""
        cond[torch.arange(len(column)), self.offsets[column] + level] = 1.0
        return cond


class TargetPairs:
    """The target's partner of each condition: for a row conditioned on the target, a
    companion column (chosen with probability proportional to its number of levels: the
    wide columns are the ones a generator learns worst) and its level; for a row conditioned
    on another column, the target's level. ``counts[j]`` is the ``[target levels, levels of
    j]`` contingency table of the training rows."""

    def __init__(self, target: int, counts: dict[int, torch.Tensor]):
        self.target, self.counts = target, counts
        self.companions = torch.tensor(sorted(counts), dtype=torch.long)
        self.companion_weights = torch.tensor([float(counts[j].shape[1]) for j in sorted(counts)],
                                              dtype=torch.double)
        # a level never seen with any partner: uniform
        self._probs = {j: table.double() + 1e-9 for j, table in counts.items()}

    def add_partners(self, cond: torch.Tensor, layout: "ConditionLayout", column: torch.Tensor,
                     level: torch.Tensor, rng: torch.Generator, codes: torch.Tensor | None = None) -> torch.Tensor:
        """Set each row's partner in ``cond`` (in place): its level from ``codes`` (the real
        rows' slot codes, in training) or drawn from the contingency tables (in sampling)."""
        partner = self.partner_columns(column, rng)
        levels = codes[torch.arange(len(column)), partner] if codes is not None \
            else self.partner_levels(column, level, partner, rng)
        return layout.add(cond, partner, levels)

    def partner_columns(self, column: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        pick = torch.multinomial(self.companion_weights, len(column), replacement=True, generator=rng)
        return torch.where(column == self.target, self.companions[pick], torch.full_like(column, self.target))

    def partner_levels(self, column: torch.Tensor, level: torch.Tensor, partner: torch.Tensor,
                       rng: torch.Generator) -> torch.Tensor:
        """Partner levels drawn from the contingency tables given each row's condition."""
        out = torch.zeros_like(level)
        for j, probs in self._probs.items():
            given_target = (column == self.target) & (partner == j)
            if given_target.any():
                out[given_target] = torch.multinomial(probs[level[given_target]], 1, generator=rng).squeeze(1)
            given_j = column == j
            if given_j.any():
                out[given_j] = torch.multinomial(probs[:, level[given_j]].T, 1, generator=rng).squeeze(1)
        return out

    def to_state(self) -> dict[str, Any]:
        return {"target": self.target, "counts": {str(j): t.tolist() for j, t in self.counts.items()}}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "TargetPairs":
        return cls(int(state["target"]), {int(j): torch.tensor(t, dtype=torch.long) for j, t in state["counts"].items()})

    @classmethod
    def of_codes(cls, codes: torch.Tensor, target: int, widths: list[int]) -> "TargetPairs":
        counts = {}
        for j in range(len(widths)):
            if j != target:
                flat = codes[:, target] * widths[j] + codes[:, j]
                counts[j] = torch.bincount(flat, minlength=widths[target] * widths[j]).view(widths[target], widths[j])
        return cls(target, counts)


class ConditionDraws:
    """Random conditions: a discrete column by ``column_weights``, then a level of it by
    ``level_probs`` (``[columns, max width]``, rows summing to 1), plus the target's partner
    when ``pairs`` is given. Built once per table by :meth:`of_counts` (``TableSchema.draws``);
    training batches and unconditional sampling both draw through it."""

    def __init__(self, widths: list[int], level_probs: torch.Tensor, column_weights: torch.Tensor,
                 pairs: TargetPairs | None = None):
        self.layout = ConditionLayout(widths)
        self.pairs = pairs
        self.column_weights = column_weights
        self.level_probs = level_probs
        # inverse-CDF draws: torch.multinomial over a few hundred levels costs ~3 ms a batch on CPU
        self.level_cdf = level_probs.cumsum(1)
        self.last_level = torch.tensor(widths, dtype=torch.long).clamp_min(1) - 1

    @classmethod
    def of_counts(cls, slot_counts: list[list[int]], column_weights: torch.Tensor, pairs: TargetPairs | None = None,
                  log_frequency: float = 0.0) -> "ConditionDraws":
        """Levels drawn by ``(1 - log_frequency) * frequency + log_frequency * log-frequency``
        of the training rows' ``slot_counts`` (one list per discrete column)."""
        widths = [len(c) for c in slot_counts]
        counts = torch.zeros(len(widths), max(widths, default=0), dtype=torch.double)
        for j, c in enumerate(slot_counts):
            counts[j, :len(c)] = torch.tensor(c, dtype=torch.double)
        probs = counts / counts.sum(1, keepdim=True).clamp_min(1)
        if log_frequency:
            logf = torch.log1p(counts)
            probs = (1 - log_frequency) * probs + log_frequency * logf / logf.sum(1, keepdim=True).clamp_min(1e-12)
        return cls(widths, probs, column_weights, pairs)

    def draw(self, n: int, rng: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        column = torch.multinomial(self.column_weights, n, replacement=True, generator=rng)
        cdf = self.level_cdf[column]
        u = torch.rand(n, 1, generator=rng, dtype=torch.double) * cdf[:, -1:]
        level = torch.searchsorted(cdf, u, right=True).squeeze(1)
        return column, torch.minimum(level, self.last_level[column])

    def conditions(self, n: int, rng: torch.Generator) -> torch.Tensor:
        column, level = self.draw(n, rng)
        cond = self.layout.one_hot(column, level)
        return cond if self.pairs is None else self.pairs.add_partners(cond, self.layout, column, level, rng)


class TabularTrainingData(TrainingData):
    """Encoded rows plus the per-level row index that conditional batches draw from; the
    conditions come from ``draws`` (the schema's, built once)."""

    def __init__(self, encoded: torch.Tensor, codes: torch.Tensor, draws: ConditionDraws, *,
                 schema: Any = None, reference: Any = None, real_samples: Any = None, report=None,
                 table: Any = None, options: dict[str, Any] | None = None):
        self.encoded, self.codes, self.draws = encoded, codes, draws
        #: the training rows (a DataFrame) and the dataset options, for the steps after training
        self.table, self.options = table, dict(options or {})
        #: what ``table``'s rows are, for the progress lines ("real"; the privacy hybrid's are drawn by MST)
        self.table_source = "real"
        self.layout = draws.layout
        self.schema, self.reference, self.real_samples, self.report = schema, reference, real_samples, report
        self.size = len(encoded)
        widths = self.layout.widths
        n_disc, max_w = len(widths), max(widths, default=0)
        self.counts = torch.zeros(n_disc, max_w, dtype=torch.long)
        self.starts = torch.zeros(n_disc, max_w, dtype=torch.long)
        # int32 row numbers (half of int64's memory: 10^7 rows x 30 columns is 1.2 GB, not 2.4)
        self.order = torch.zeros(n_disc, self.size, dtype=torch.int32 if self.size < 2**31 else torch.long)
        for j in range(n_disc):
            self.counts[j, :widths[j]] = torch.bincount(codes[:, j].long(), minlength=widths[j])
            self.starts[j, 1:] = self.counts[j].cumsum(0)[:-1]
            self.order[j] = torch.argsort(codes[:, j], stable=True).to(self.order.dtype)

    def rows_with(self, column: torch.Tensor, level: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        """A random real row index having ``level`` in discrete ``column``, per entry."""
        u = torch.rand(len(column), generator=rng, dtype=torch.double)
        pos = self.starts[column, level] + (u * self.counts[column, level]).long()
        return self.order[column, pos].long()

    def batch(self, batch_size: int, rng: torch.Generator) -> Batch:
        if self.layout.dim == 0:
            idx = torch.randint(0, self.size, (batch_size,), generator=rng)
            return Batch(real=self.encoded[idx])
        column, level = self.draws.draw(batch_size, rng)
        rows = self.rows_with(column, level, rng)
        cond = self.layout.one_hot(column, level)
        if self.draws.pairs is not None:  # the partner's level of the same real row
            self.draws.pairs.add_partners(cond, self.layout, column, level, rng, self.codes[rows].long())
        return Batch(real=self.encoded[rows], condition=cond)

    def conditions(self, batch_size: int, rng: torch.Generator) -> Batch:
        if self.layout.dim == 0:
            return Batch()
        return Batch(condition=self.draws.conditions(batch_size, rng))
