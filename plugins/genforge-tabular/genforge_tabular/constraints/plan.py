"""A table's rules: which hold by construction, in which order they are undone, which by
rejection; the columns generated instead of learned (PII fakes, primary keys); all as
plain data saved with the model."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from genforge.errors import UserInputError
from genforge_tabular.constraints.base import Constraint, date_constant_seconds
from genforge_tabular.constraints.loading import read_constraints, rule_where
from genforge_tabular.pii import GeneratedColumn
from genforge_tabular.sdv_metadata import format_datetimes

STATE_VERSION = 1
#: column kinds whose values a numeric rule may re-parametrize (categorical ones keep their levels)
NUMERIC_KINDS = ("continuous", "integer", "datetime")


class TableRules:
    """Constraints with their fitted state, the inverse order of those applied by
    construction, the generated columns, and the original column order."""

    def __init__(self, rules: list[Constraint], states: list[dict[str, Any] | None], order: list[int],
                 generated: list[GeneratedColumn], columns: list[str], source: str = "constraints",
                 datetime_formats: dict[str, str] | None = None):
        self.rules, self.states, self.order = rules, states, order
        self.generated, self.columns, self.source = generated, columns, source
        self.datetime_formats = dict(datetime_formats or {})
        self.last_sampling: dict[str, Any] = {}

    # -- fitting ----------------------------------------------------------------------------------
    @classmethod
    def fit(cls, df: pd.DataFrame, constraints: Any, kinds: dict[str, str], target: str | None,
            generated: list[GeneratedColumn] = (), datetime_formats: dict[str, str] | None = None
            ) -> tuple["TableRules", pd.DataFrame, dict[str, int]]:
        """The rules for ``df`` (``kinds``: the original columns' kinds), the rows that obey
        all of them, and report lines (rows left out per rule, how each rule holds)."""
        rules, source = read_constraints(constraints)
        states, masks = [], []
        for i, rule in enumerate(rules):
            where = rule_where(source, i, rule.kind)
            rule.check(where)
            _check_columns(rule, df, where)
            state = rule.fit(df, where)
            mask = rule.valid(df, where, state)
            if not mask.any():
                raise UserInputError(f"{where}: no row of the table satisfies {rule.describe()} "
                                     f"(e.g. row 1: {_row_text(df, rule, 0)}); check the rule or the data")
            states.append(state)
            masks.append(mask)
        report: dict[str, int] = {}
        keep = np.logical_and.reduce(masks) if masks else np.ones(len(df), dtype=bool)
        if masks and not keep.any():
            i, j = _contradicting_pair(masks)
            raise UserInputError(f"{rule_where(source, i, rules[i].kind)} and constraint #{j + 1} "
                                 f"({rules[j].kind}) contradict each other: no row of the table satisfies both "
                                 f"({rules[i].describe()}; {rules[j].describe()})")
        for i, mask in enumerate(masks):
            if not mask.all():
                report[f"rows that break constraint #{i + 1} ({rules[i].describe()}): left out of "
                       "training"] = int((~mask).sum())
        generated_names = {g.column for g in generated}
        order = _construction_order(rules, states, kinds, target, generated_names)
        for i, rule in enumerate(rules):
            how = "by construction" if i in order else "by rejection of sampled rows"
            report[f"constraint #{i + 1} ({rule.describe()}) holds {how}"] = 1
        clean = df[keep].reset_index(drop=True) if not keep.all() else df
        return cls(rules, states, order, list(generated), list(map(str, df.columns)), source,
                   datetime_formats), clean, report

    # -- original <-> learned columns ----------------------------------------------------------
    def learned_kinds(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for i in self.order:
            out.update(self.rules[i].learned(self.states[i]))
        return out

    def dropped(self) -> set[str]:
        out = {g.column for g in self.generated}
        for i in self.order:
            out.update(self.rules[i].replaces(self.states[i]))
        return out

    def transform(self, df: pd.DataFrame) -> pd.DataFrame:
        """Original columns -> the columns the GAN learns."""
        new: dict[str, pd.Series] = {}
        for i in self.order:
            new.update(self.rules[i].transform(df, self.states[i]))
        kept = [c for c in df.columns if c not in self.dropped() or c in new]
        out = df[kept].copy()
        for name, series in new.items():
            out[name] = series.to_numpy()
        return out

    def inverse(self, df: pd.DataFrame, seed: int = 0, offset: int = 0) -> pd.DataFrame:
        """Learned columns -> original ones: generated columns made, constructions undone."""
        out = df.copy()
        for k, column in enumerate(self.generated):
            out[column.column] = column.values(len(out), seed + k, offset).set_axis(out.index)
        for i in self.order:
            for name, series in self.rules[i].inverse(out, self.states[i]).items():
                out[name] = series
        return out[self.columns]

    def finish(self, df: pd.DataFrame, offset: int) -> pd.DataFrame:
        """Accepted rows as written: primary keys numbered from ``offset``, datetimes formatted."""
        for column in self.generated:
            if column.primary_key:
                df[column.column] = column.values(len(df), 0, offset).set_axis(df.index)
        return format_datetimes(df, self.datetime_formats)

    def valid(self, df: pd.DataFrame) -> tuple[np.ndarray, list[int]]:
        """Rows obeying every rule, and for each rule how many rows break it."""
        ok = np.ones(len(df), dtype=bool)
        broken = []
        for i, rule in enumerate(self.rules):
            mask = rule.valid(df, rule_where(self.source, i, rule.kind), self.states[i])
            broken.append(int((~mask).sum()))
            ok &= mask
        return ok, broken

    def where(self, i: int) -> str:
        return rule_where(self.source, i, self.rules[i].kind)

    # -- plain data --------------------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        return {"version": STATE_VERSION, "rules": [r.to_dict() for r in self.rules], "states": self.states,
                "order": self.order, "generated": [g.to_state() for g in self.generated],
                "columns": self.columns, "source": self.source, "datetime_formats": self.datetime_formats}

    @classmethod
    def from_state(cls, state: dict[str, Any] | None) -> "TableRules | None":
        if not state:
            return None
        if state.get("version") != STATE_VERSION:
            raise UserInputError(f"saved constraints version {state.get('version')!r} is not supported "
                                 f"(this plugin reads version {STATE_VERSION})")
        rules, _ = read_constraints(state["rules"])
        return cls(rules, state["states"], list(state["order"]),
                   [GeneratedColumn.from_state(g) for g in state["generated"]], list(state["columns"]),
                   state.get("source", "constraints"), state.get("datetime_formats"))


def _check_columns(rule: Constraint, df: pd.DataFrame, where: str) -> None:
    for column in rule.columns():
        if column in df.columns:
            continue
        if column in (getattr(rule, "low", None), getattr(rule, "high", None)) \
                and date_constant_seconds(column) is not None:
            continue  # a date constant as a bound
        shown = ", ".join(map(str, df.columns[:20])) + (" ..." if len(df.columns) > 20 else "")
        raise UserInputError(f"{where}: column {column!r} is not in the table; columns: {shown}")


def _row_text(df: pd.DataFrame, rule: Constraint, row: int) -> str:
    names = [c for c in rule.columns() if c in df.columns][:4]
    return ", ".join(f"{c}={df[c].iloc[row]!r}" for c in names)


def _contradicting_pair(masks: list[np.ndarray]) -> tuple[int, int]:
    for i in range(len(masks)):
        for j in range(i + 1, len(masks)):
            if not (masks[i] & masks[j]).any():
                return i, j
    return 0, len(masks) - 1


def _construction_order(rules, states, kinds: dict[str, str], target: str | None,
                        generated: set[str]) -> list[int]:
    """Rules applied by construction, in the order their inverses run: each after the rules
    that recreate a column it reads. A rule falls back to rejection when its column is kept
    as categorical, is the target, is generated, is already rebuilt by an earlier rule, or
    when rules depend on each other in a cycle."""
    chosen, replaced = [], set()
    for i, (rule, state) in enumerate(zip(rules, states)):
        if state is None:
            continue
        cols = set(rule.replaces(state))
        numeric = "continuous" in rule.learned(state).values()
        categorical = numeric and any(kinds.get(c) not in NUMERIC_KINDS for c in cols)
        if categorical or target in cols or cols & (replaced | generated) or set(rule.reads(state)) & generated:
            continue
        chosen.append(i)
        replaced |= cols
    order, pending = [], list(chosen)
    while pending:
        ready = [i for i in pending if not any(set(rules[j].replaces(states[j])) & set(rules[i].reads(states[i]))
                                               for j in pending if j != i)]
        if not ready:
            break  # a cycle: what is left is applied by rejection
        order.extend(ready)
        pending = [i for i in pending if i not in ready]
    return order
