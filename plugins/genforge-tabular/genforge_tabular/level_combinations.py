"""Combinations of two categorical columns' levels that real rows never show, kept out.

Job roles belong to departments (a sales executive is never in research; IBM attrition), single
employees hold no stock options: the contingency table of the two columns has cells that are
empty although, were the columns independent, they would hold dozens of rows. A GAN that does
not learn the dependence fills them (measured on attrition: 45 % of synthetic rows had a role
outside its department) — which a detector sees at once.

:class:`LevelCombinations` — for a *parent* and a *child* categorical column, the cells with no
training row whose count expected under independence, ``E = n_parent * n_child / n``, makes an
empty cell a chance below :data:`MAX_CHANCE` per cell tried (``exp(-E)``); found when the
independent share of rows such cells would hold is at least :data:`MIN_FORBIDDEN_SHARE`. At
decode a row in a forbidden cell gets its child redrawn from the training rows' child levels for
its parent level (seeded). Of the two columns the child is the one the other determines most
(lower conditional entropy), never the target (it is conditioned on); a column is the child of
one rule at most, rules never loop, and they are applied parents first, before anything that
reads a categorical column (derived columns, zero rules, level ranges).
"""
from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from genforge_tabular.encoders.values import as_texts
from genforge_tabular.numeric_bounds import parents_first, reaches

#: largest chance probability of one empty cell, divided by the cells tried
MAX_CHANCE = 1e-9
#: smallest share of rows that the forbidden cells would hold under independence
MIN_FORBIDDEN_SHARE = 0.02
#: columns with more levels than this are not paired
MAX_LEVELS = 50


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


class LevelCombinations:
    """No row in ``forbidden[parent level]`` cells; such rows' child redrawn from ``draws``."""

    def __init__(self, state: dict[str, Any]):
        self.state = state
        self.child, self.parents = state["child"], [state["parent"]]

    def apply(self, df: pd.DataFrame, seed: int, fixed: frozenset = frozenset()) -> None:
        """Redraw the child of rows in a forbidden cell; the parent instead where the child is
        ``fixed`` (a condition of the sampling call), nothing where both are."""
        parent, child = self.state["parent"], self.child
        if child in fixed:
            if parent not in fixed:
                self._redraw(df, parent, child, self.state["parent_draws"], seed)
            return
        self._redraw(df, child, parent, self.state["draws"], seed)

    def _redraw(self, df: pd.DataFrame, column: str, given: str, draws: dict, seed: int) -> None:
        parent, child = as_texts(df[self.state["parent"]]), as_texts(df[self.child])
        banned = np.zeros(len(df), dtype=bool)
        for level, cells in self.state["forbidden"].items():
            banned |= (parent == level) & np.isin(child, cells)
        if not banned.any():
            return
        rng = np.random.default_rng(seed)
        values = df[column].astype(object).to_numpy().copy()
        by = as_texts(df[given])
        for level in np.unique(by[banned]):
            rows = np.flatnonzero(banned & (by == level))
            options, cdf = draws[level]
            picks = np.searchsorted(np.asarray(cdf), rng.random(len(rows)), side="right")
            values[rows] = np.asarray(options, dtype=object)[np.clip(picks, 0, len(options) - 1)]
        df[column] = pd.Series(values, index=df.index, name=column).astype(df[column].dtype)

    def describe(self) -> str:
        s = self.state
        cells = sum(len(v) for v in s["forbidden"].values())
        return (f"column {s['child']!r} never takes {cells} of its levels with some levels of {s['parent']!r} "
                f"(empty in the training rows; independent columns would put {s['forbidden_share']:.1%} of rows "
                "there): redrawn for its level at sampling")


def apply_combinations(df: pd.DataFrame, rules: list, seed: int = 0, fixed: frozenset = frozenset()) -> pd.DataFrame:
    """Every combination rule applied to ``df`` (in place, parents first; ``fixed``: columns a
    condition set, which are not redrawn)."""
    for i, rule in enumerate(r for r in rules if isinstance(r, LevelCombinations)):
        rule.apply(df, seed + i, fixed)
    return df


def find_combinations(df: pd.DataFrame, columns: list[str], target: str | None) -> list[LevelCombinations]:
    """The combination rules among the categorical ``columns`` of the training rows ``df``."""
    texts = {c: as_texts(df[c]) for c in columns if 2 <= df[c].nunique(dropna=False) <= MAX_LEVELS}
    found = []
    for a, b in combinations(texts, 2):
        table = pd.crosstab(texts[a], texts[b])
        n = table.values.sum()
        expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
        cells = table.size * len(texts) ** 2 / 2
        forbidden = (table.values == 0) & (expected > -np.log(MAX_CHANCE / cells))
        share = float(expected[forbidden].sum() / n)
        if share < MIN_FORBIDDEN_SHARE:
            continue
        child, parent = _child_of(table, a, b, target)
        if child is not None:
            found.append((share, child, parent, table if parent == a else table.T, forbidden if parent == a else forbidden.T))
    rules, parent_of = [], {}
    for share, child, parent, table, forbidden in sorted(found, key=lambda f: -f[0]):
        if child in parent_of or reaches(parent_of, parent, child):
            continue
        parent_of[child] = parent
        rules.append(_rule(df, child, parent, table, forbidden, share))
    return parents_first(rules)


def _child_of(table: pd.DataFrame, a: str, b: str, target: str | None) -> tuple[str | None, str | None]:
    """The column the other determines most (not the target): ``(child, parent)``."""
    def conditional_entropy(t: np.ndarray) -> float:  # H(columns | rows)
        p = t / t.sum()
        rows = p.sum(1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(-np.nansum(p * np.log(np.where(p > 0, p / rows, 1.0))))
    options = [(conditional_entropy(table.values), b, a), (conditional_entropy(table.values.T), a, b)]
    options = [o for o in options if o[1] != target]
    return (min(options)[1], min(options)[2]) if options else (None, None)


def _rule(df: pd.DataFrame, child: str, parent: str, table: pd.DataFrame, forbidden: np.ndarray,
          share: float) -> LevelCombinations:
    """``table``: parent levels as rows. The child's original values stand for its texts."""
    banned = {str(level): [str(c) for c in table.columns[forbidden[i]]]
              for i, level in enumerate(table.index) if forbidden[i].any()}
    draws = _draws(df, child, table.loc[[level for level in table.index if str(level) in banned]])
    parent_draws = _draws(df, parent, table.T.loc[[c for c in table.columns if forbidden[:, list(table.columns).index(c)].any()]])
    return LevelCombinations({"rule": "combination", "child": child, "parent": parent, "forbidden": banned,
                              "draws": draws, "parent_draws": parent_draws, "forbidden_share": share})


def _draws(df: pd.DataFrame, column: str, table: pd.DataFrame) -> dict[str, list]:
    """Per row level of ``table`` (whose columns are ``column``'s levels), the levels of ``column``
    seen with it, as original values, and their cumulative shares."""
    original = {t: _plain(v) for t, v in zip(as_texts(df[column]), df[column].astype(object))}
    out = {}
    for level, counts in table.iterrows():
        seen = counts[counts > 0]
        out[str(level)] = [[original[str(c)] for c in seen.index], (np.cumsum(seen) / seen.sum()).tolist()]
    return out
