"""Zero masses tied to another column (``numeric_relations.py`` finds and applies them).

A numeric column that is 0 whenever a condition holds — a numeric parent is 0, or a
categorical parent (or a numeric one with few values) takes one of a set of levels — on at least
:data:`MIN_HOLD` of those rows, beyond chance (``P(zero) ** rows < MAX_CHANCE``, each level of a
set tested on its own, corrected for the levels tried): :class:`ZeroRule`. At decode the child is
set to 0 there; when the tie goes both ways (the child is 0 *only* then: at least
:data:`MIN_HOLD` of its zeros fall under the condition, which is 0 on at least
:data:`MIN_ZERO_WHEN` of its rows), a generated 0 outside the condition is replaced by a
non-zero training value (drawn from :data:`NONZERO_QUANTILES` quantiles, seeded, on the grid).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from genforge_tabular.encoders.value_grid import MAX_LEVELS, on_grid, snap, tolerance
from genforge_tabular.encoders.values import to_numbers

#: share of a condition's rows (or of a relation's support) on which a rule must hold
MIN_HOLD = 0.99
#: a zero rule whose zeros all fall under its condition: the share of the condition's rows
#: that must be 0 (the condition's few non-zero rows are set to 0)
MIN_ZERO_WHEN = 0.95
#: largest chance probability (under independence) of a zero rule
MAX_CHANCE = 1e-9
#: quantiles kept of a two-sided zero rule's non-zero values
NONZERO_QUANTILES = 101


def write_on_grid(values: np.ndarray, grid: dict[str, Any]) -> np.ndarray:
    """``values`` written as the column writes its numbers: its levels, or step and decimals. Where
    the levels are only the values its rows repeat (``repeated``), a value a rule computes takes
    the level it falls on (``exp`` of a level of ``logwage`` is a level of ``wage``), else its step
    and decimals (a new sum of two levels is no level)."""
    levels = grid.get("levels") or grid.get("codes")
    if not levels:
        return on_grid(values, grid)
    snapped = snap(values, levels)
    if not grid.get("repeated"):
        return snapped
    return np.where(np.abs(snapped - values) <= tolerance(grid, values), snapped, on_grid(values, grid))


class ZeroRule:
    """``child == 0`` when ``parent`` is in ``levels`` (numbers for a numeric parent, texts for
    a categorical one), and — when ``nonzero_quantiles`` is set — only then."""

    def __init__(self, state: dict[str, Any]):
        self.state = state
        self.child, self.parents = state["child"], [state["parent"]]

    def condition(self, df: pd.DataFrame, kinds: dict[str, str]) -> np.ndarray:
        parent = df[self.state["parent"]]
        if self.state["numeric"]:
            return np.isin(to_numbers(parent, kinds[self.state["parent"]]), self.state["levels"])
        return parent.astype(object).map(str).isin(self.state["levels"]).to_numpy()

    def apply(self, df: pd.DataFrame, grid: dict[str, Any], kinds: dict[str, str], seed: int) -> None:
        cond = self.condition(df, kinds)
        child = to_numbers(df[self.child], kinds[self.child]).copy()
        child[cond & ~np.isnan(child)] = 0.0
        quantiles = self.state["nonzero_quantiles"]
        stray = ~cond & (child == 0)
        if quantiles and stray.any():  # the child is 0 only under the condition: draw a non-zero value
            u = np.random.default_rng(seed).random(int(stray.sum())) * (len(quantiles) - 1)
            drawn = np.interp(u, np.arange(len(quantiles)), quantiles)
            child[stray] = write_on_grid(drawn, grid)
        df[self.child] = as_column(child, df[self.child])

    def describe(self) -> str:
        s = self.state
        levels = ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in s["levels"])
        when = f"{s['parent']} == {levels}" if len(s["levels"]) == 1 else f"{s['parent']} in {{{levels}}}"
        only = f", and only then ({s['only_when']:.1%} of its zeros)" if s["nonzero_quantiles"] else ""
        return (f"column {s['child']!r} is 0 when {when} (on {s['zero_when']:.1%} of those rows){only}: "
                "set at sampling")


def as_column(values: np.ndarray, like: pd.Series) -> pd.Series:
    """``values`` in the dtype of the column they replace (an integer column stays integer)."""
    if pd.api.types.is_integer_dtype(like.dtype) and not np.isnan(values).any():
        return pd.Series(np.round(values).astype(like.dtype), index=like.index, name=like.name)
    return pd.Series(values, index=like.index, name=like.name)


def find_zero_rule(child: str, sub: pd.DataFrame, x: dict[str, np.ndarray], kinds: dict[str, str],
                    parents: list[str], grids: dict[str, dict]) -> ZeroRule | None:
    """The zero rule of ``child`` whose condition covers the most rows, or None."""
    zero = x[child] == 0
    if not 0.01 <= zero.mean() <= 0.99:
        return None
    best = None
    for parent in parents:
        for numeric, levels in _conditions(parent, zero, sub, x, grids):
            cond = _condition_of(parent, numeric, levels, sub, x)
            found = _zero_tie(zero, cond)
            if found is not None and (best is None or (found[1], cond.sum()) > best[0]):
                best = ((found[1], int(cond.sum())), {"rule": "zero", "child": child, "parent": parent,
                                                      "numeric": numeric, "levels": levels, "zero_when": found[0],
                                                      "only_when": found[1], "nonzero_quantiles": None})
    return None if best is None else ZeroRule(best[1])


def _conditions(parent: str, zero: np.ndarray, sub: pd.DataFrame, x: dict[str, np.ndarray],
                grids: dict[str, dict]) -> list[tuple[bool, list]]:
    """Candidate conditions on ``parent``: ``== 0`` for a numeric one; the levels on which the
    child is mostly 0, for a categorical one or a numeric one with few values."""
    out = []
    if parent in x:
        out.append((True, [0.0]))
        if len(grids[parent].get("levels") or range(MAX_LEVELS + 1)) > MAX_LEVELS:
            return out
        values = x[parent]
    else:
        values = sub[parent].astype(object).map(str).to_numpy()
    rate = pd.Series(zero).groupby(values).agg(["mean", "size"])
    # each level chosen must pass the chance test itself, corrected for the levels tried
    chance = np.log(max(zero.mean(), 1e-300)) * rate["size"] < np.log(MAX_CHANCE / len(rate))
    levels = sorted(rate.index[(rate["mean"] >= MIN_ZERO_WHEN) & chance].tolist())
    if levels:
        out.append((parent in x, [float(v) for v in levels] if parent in x else [str(v) for v in levels]))
    return out


def _condition_of(parent: str, numeric: bool, levels: list, sub: pd.DataFrame, x: dict[str, np.ndarray]) -> np.ndarray:
    if numeric:
        return np.isin(x[parent], levels)
    return sub[parent].astype(object).map(str).isin(levels).to_numpy()


def _zero_tie(zero: np.ndarray, cond: np.ndarray) -> tuple[float, float] | None:
    """``(share of the condition's rows that are 0, share of the zeros under the condition)``
    when the two are tied beyond chance, else None: the condition implies 0 on :data:`MIN_HOLD`
    of its rows, or 0 implies the condition on :data:`MIN_HOLD` of the zeros and the condition
    implies 0 on :data:`MIN_ZERO_WHEN` of its rows."""
    n, zeros = int(cond.sum()), int(zero.sum())
    if n == 0 or n == len(cond) or zeros == 0:
        return None
    zero_when, only_when = float(zero[cond].mean()), float(cond[zero].mean())
    when_chance = n * np.log(zero.mean())  # log P(the condition's rows all 0 by chance)
    only_chance = zeros * np.log(cond.mean())  # log P(the zeros all under the condition)
    if zero_when >= MIN_HOLD and when_chance < np.log(MAX_CHANCE):
        return zero_when, only_when
    if only_when >= MIN_HOLD and zero_when >= MIN_ZERO_WHEN and only_chance < np.log(MAX_CHANCE):
        return zero_when, only_when
    return None


def zero_rule_holds(rule: ZeroRule, df: pd.DataFrame, kinds: dict[str, str]) -> bool:
    """Checked on all rows; a rule whose zeros are (nearly) all under the condition keeps its
    child's non-zero quantiles (to replace a zero generated elsewhere)."""
    y = to_numbers(df[rule.child], kinds[rule.child])
    found = _zero_tie(y == 0, rule.condition(df, kinds))
    if found is None:
        return False
    rule.state["zero_when"], rule.state["only_when"] = found
    nonzero = y[(y != 0) & ~np.isnan(y)]
    if found[1] >= MIN_HOLD and len(nonzero):
        rule.state["nonzero_quantiles"] = np.quantile(nonzero, np.linspace(0, 1, NONZERO_QUANTILES)).tolist()
    return True
