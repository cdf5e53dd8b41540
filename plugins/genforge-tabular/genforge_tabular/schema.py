"""What a trained tabular model knows about its table: columns, encoders, condition layout."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

from genforge import did_you_mean
from genforge.errors import UserInputError
from genforge_tabular.columns import ColumnInfo
from genforge_tabular.copy_guard import CopyGuard
from genforge_tabular.sampler import ConditionDraws, TargetPairs
from genforge_tabular.encoders import DiscreteEncoder, plain, restore_dtype
from genforge_tabular.level_combinations import apply_combinations
from genforge_tabular.resampling import DensityRatioResampler
from genforge_tabular.transformer import TableTransformer

SCHEMA_VERSION = 1
#: how often a batch is conditioned on the target column (the rest: the other discrete
#: columns evenly). Measured on the bundled tables (benchmarks/tabular_vs_ctgan.py), 0.9
#: against 0.5: train-on-synthetic macro-F1 0.930 / 0.531 / 0.578 against 0.927 / 0.520 /
#: 0.464, overall quality within 0.006.
TARGET_SHARE = 0.9


class TableSchema:
    """Columns, the fitted transformer, the target, the frequency of each condition level,
    how often the target is the conditioned column (``target_share``) and the target's
    contingency tables with the other condition columns (``pairs``, see ``sampler.py``)."""

    def __init__(self, infos: list[ColumnInfo], transformer: TableTransformer, target: str | None,
                 slot_counts: list[list[int]], target_share: float = TARGET_SHARE,
                 pairs: TargetPairs | None = None):
        self.infos, self.transformer, self.target = infos, transformer, target
        self.slot_counts, self.target_share = slot_counts, float(target_share)
        self.discrete = [transformer.encoders[i] for i in transformer.discrete]
        self.discrete_names = [e.state["name"] for e in self.discrete]
        self.cond_widths = [e.width for e in self.discrete]
        self.cond_dim = int(sum(self.cond_widths))
        self.cond_offsets = np.cumsum([0] + self.cond_widths[:-1]).tolist() if self.discrete else []
        self.pairs = pairs
        #: the discriminator-driven resampling step of ``sample`` (``resampling.py``), fitted
        #: after training; None: rows are sampled as generated
        self.resampler: DensityRatioResampler | None = None
        #: the training rows' hashes, so that ``sample`` replaces exact copies (``copy_guard.py``)
        self.copy_guard: CopyGuard | None = None
        #: the condition draws of training batches and unconditional sampling (None: no discrete column)
        self.draws = ConditionDraws.of_counts(slot_counts, self.column_weights(), pairs) if self.discrete else None
        self.privacy = None  # a privacy.budget.PrivacyLedger under differentially private training

    @property
    def kinds(self) -> dict[str, str]:
        return {i.name: i.kind for i in self.infos}

    @property
    def columns(self) -> list[str]:
        return [i.name for i in self.infos]

    def cond_to_output(self) -> torch.Tensor:
        """For each condition dimension, the generator output dimension of the same level."""
        index = []
        for col, enc in zip(self.transformer.discrete, self.discrete):
            start = self.transformer.blocks[col][0]
            index.extend(range(start, start + enc.width))
        return torch.tensor(index, dtype=torch.long)

    def target_block(self) -> tuple[int, int] | None:
        """The generator-output columns of the target's one-hot block (None without a
        categorical target)."""
        if self.target not in self.discrete_names:
            return None
        return self.transformer.blocks[self.transformer.columns.index(self.target)]

    def to_state(self) -> dict[str, Any]:
        return {"version": SCHEMA_VERSION, "columns": [i.to_state() for i in self.infos],
                "transformer": self.transformer.to_state(), "relations": self.transformer.rules_state(),
                "target": self.target,
                "slot_counts": self.slot_counts, "target_share": self.target_share,
                "pairs": None if self.pairs is None else self.pairs.to_state(),
                "resampler": None if self.resampler is None else self.resampler.state,
                "copy_guard": None if self.copy_guard is None else self.copy_guard.state,
                "privacy": None if self.privacy is None else self.privacy.to_state()}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "TableSchema":
        if state.get("version") != SCHEMA_VERSION:
            raise UserInputError(f"tabular schema version {state.get('version')!r} is not supported "
                                 f"(this plugin reads version {SCHEMA_VERSION})")
        pairs = state.get("pairs")  # files written before the key: none
        transformer = TableTransformer.from_state(state["transformer"], state.get("relations"))  # None: older files
        schema = cls([ColumnInfo(**c) for c in state["columns"]], transformer,
                     state["target"], [list(map(int, c)) for c in state["slot_counts"]],
                     state.get("target_share", 0.5),  # files written before the key: 0.5
                     None if pairs is None else TargetPairs.from_state(pairs))
        if state.get("resampler"):
            schema.resampler = DensityRatioResampler(state["resampler"])
        if state.get("copy_guard"):  # files written before the key: none
            schema.copy_guard = CopyGuard(state["copy_guard"])
        if state.get("privacy") is not None:
            from genforge_tabular.privacy.budget import PrivacyLedger
            schema.privacy = PrivacyLedger.from_state(state["privacy"])
        return schema

    # -- conditions ------------------------------------------------------------------------------
    def condition_slots(self, conditions: dict[str, Any]) -> dict[int, tuple[int, ...]]:
        """``{discrete column index: allowed slots}`` for user conditions; clear errors for bad
        ones. A condition on a derived column (``dependencies.py``) becomes one on its parent:
        the parent levels the training rows map to that value."""
        out: dict[int, tuple[int, ...]] = {}
        for column, value in conditions.items():
            if column not in self.kinds:
                raise UserInputError(f"condition on column {column!r}: no such column"
                                     f"{did_you_mean(column, self.columns) or ';'} columns: "
                                     f"{', '.join(self.columns)}")
            derived = self.transformer.derived.get(column)
            bound = next((r for r in self.transformer.rules if r.child == column and r.state["rule"] == "bound"), None)
            if bound is not None:
                raise UserInputError(f"condition on column {column!r}: it is set from column "
                                     f"{bound.parents[0]!r} and its gap to it ({bound.describe()}), not "
                                     "conditioned on; filter the sampled rows instead")
            if derived is not None:
                j, allowed = self._parent_slots(derived, value, column)
            elif column in self.discrete_names:
                j = self.discrete_names.index(column)
                allowed = (level_slot(self.discrete[j], value, column),)
            else:
                raise UserInputError(f"condition on column {column!r}: it is {self.kinds[column]}, but conditions "
                                     f"take categorical columns: {', '.join(self.discrete_names)}")
            if j in out:
                allowed = tuple(s for s in out[j] if s in allowed)
                if not allowed:
                    raise UserInputError(f"conditions {conditions}: no training row satisfies them together "
                                         f"(they constrain column {self.discrete_names[j]!r} to disjoint values)")
            out[j] = allowed
        return out

    def _parent_slots(self, derived: Any, value: Any, column: str) -> tuple[int, tuple[int, ...]]:
        parent = derived.state["parent"]
        if not derived.exact:
            raise UserInputError(f"condition on column {column!r}: it is drawn from the values that go with "
                                 f"column {parent!r} (nearly determined by it), not conditioned on; "
                                 f"condition on {parent!r} instead")
        j = self.discrete_names.index(parent)
        enc = self.discrete[j]
        distinct = list(dict.fromkeys(derived.values))
        kept = [v for v in distinct if v is not None]
        slot = value_index(kept, len(kept) if None in distinct else -1, value, column)
        wanted = kept[slot] if slot < len(kept) else None
        levels = [p for p, c in zip(derived.state["parent_values"], derived.values) if c == wanted]
        slots = tuple(level_slot(enc, p, parent) for p in levels if p in enc.categories or p is None)
        if not slots:
            raise UserInputError(f"condition {column}={value!r}: the {parent!r} levels it comes with are all "
                                 "rare levels the model does not condition on; condition on "
                                 f"{parent!r} itself or refit with a larger max_categories")
        return j, slots

    def one_hot(self, slots: dict[int, tuple[int, ...]], n: int,
                rng: torch.Generator | None = None) -> torch.Tensor:
        """Condition vectors; a column with several allowed slots gets one per row, drawn by
        level frequency. A condition on one column also gets the target's partner, drawn as
        in training (``sampler.TargetPairs``)."""
        cond = torch.zeros(n, self.cond_dim)
        for j, allowed in slots.items():
            level = self._draw_slots(j, allowed, n, rng)
            cond[torch.arange(n), self.cond_offsets[j] + level] = 1.0
        if self.pairs is not None and len(slots) == 1:  # j, level: the one conditioned column
            column = torch.full((n,), j, dtype=torch.long)
            self.pairs.add_partners(cond, self.draws.layout, column, level, rng)
        return cond

    def _draw_slots(self, j: int, allowed: tuple[int, ...], n: int, rng: torch.Generator | None) -> torch.Tensor:
        if len(allowed) == 1:
            return torch.full((n,), allowed[0], dtype=torch.long)
        counts = torch.tensor([self.slot_counts[j][s] for s in allowed], dtype=torch.double) + 1e-9
        return torch.tensor(allowed)[torch.multinomial(counts, n, replacement=True, generator=rng)]

    def condition_count(self, j: int, allowed: tuple[int, ...]) -> int:
        """Training rows in the allowed slots of discrete column ``j``."""
        return sum(self.slot_counts[j][s] for s in allowed)

    def column_weights(self) -> torch.Tensor:
        """How often each discrete column is the conditioned one: the target ``target_share``
        of the time, the others evenly (all evenly without a target)."""
        n = len(self.discrete)
        weights = torch.ones(n, dtype=torch.double) / max(n, 1)
        if self.target in self.discrete_names and n > 1:
            weights[:] = (1 - self.target_share) / (n - 1)
            weights[self.discrete_names.index(self.target)] = self.target_share
        return weights

    def condition_draws(self, log_frequency: float = 0.0) -> ConditionDraws:
        """The training batches' condition draws: :attr:`draws`, or with levels drawn partly by
        log-frequency (dataset option ``log_frequency``, CTGAN's rule at 1)."""
        if not log_frequency or self.draws is None:
            return self.draws if self.draws is not None else ConditionDraws.of_counts([], torch.ones(0), None)
        return ConditionDraws.of_counts(self.slot_counts, self.column_weights(), self.pairs, log_frequency)

    def empirical_conditions(self, n: int, rng: torch.Generator) -> torch.Tensor | None:
        """Conditions for unconditional sampling, drawn as in training: a column by
        :meth:`column_weights`, a level by its real frequency. (Drawing the column
        uniformly instead put the generator in a mixture it was not trained on:
        train-on-synthetic macro-F1 0.03-0.06 lower, measured on the bundled tables.)"""
        return None if self.draws is None else self.draws.conditions(n, rng)

    def matches(self, df: pd.DataFrame, slots: dict[int, tuple[int, ...]]) -> np.ndarray:
        ok = np.ones(len(df), dtype=bool)
        for j, allowed in slots.items():
            ok &= np.isin(self.discrete[j].codes(df[self.discrete_names[j]]), allowed)
        return ok

    def force(self, df: pd.DataFrame, slots: dict[int, tuple[int, ...]],
              rng: torch.Generator | None = None) -> pd.DataFrame:
        """Set every conditioned column outside its allowed levels to one of them (by
        frequency), then re-derive the derived columns."""
        for j, allowed in slots.items():
            enc, name = self.discrete[j], self.discrete_names[j]
            bad = ~np.isin(enc.codes(df[name]), allowed)
            if bad.any():
                column = df[name].astype(object)
                drawn = enc.decode_codes(self._draw_slots(j, allowed, int(bad.sum()), rng).numpy())
                column[bad] = drawn.to_numpy(dtype=object)
                df[name] = restore_dtype(column, enc.state["dtype"])
        if any(r.state["rule"] == "combination" for r in self.transformer.rules):  # a forced level may
            seed = int(torch.randint(2**31, (1,), generator=rng)) if rng is not None else 0  # sit in an empty cell
            apply_combinations(df, self.transformer.rules, seed, frozenset(self.discrete_names[j] for j in slots))
        return self.transformer.derive(df)


def level_slot(enc: DiscreteEncoder, value: Any, column: str) -> int:
    """The slot of ``value`` (a value or its text, as from ``--condition COL=VALUE``)."""
    return value_index(enc.categories, enc.missing_slot, value, column)


def value_index(categories: list[Any], missing_slot: int, value: Any, column: str) -> int:
    """The index of ``value`` (or of its text) in ``categories``; ``missing_slot`` for a
    missing value (-1: none); a clear error for a value the column never had."""
    given = plain(value)
    if given in categories:
        return categories.index(given)
    text = str(value)
    for i, cat in enumerate(categories):
        if str(cat) == text or (isinstance(cat, (int, float)) and not isinstance(cat, bool)
                                and _number(text) == cat):
            return i
    if given is None or text.lower() in ("nan", "none", "<na>", ""):
        if missing_slot >= 0:
            return missing_slot
    shown = ", ".join(map(str, categories[:10])) + (" ..." if len(categories) > 10 else "")
    raise UserInputError(f"condition {column}={value!r}: this value never occurs in column {column!r} of the "
                         f"training data{did_you_mean(text, map(str, categories))} (values: {shown})")


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
