"""Inequalities between numeric columns that hold on every training row, kept by construction.

Real tables order their numbers: years in the current role never exceed years at the company,
which never exceed total working years, which stay 18 below age (IBM attrition); a loan's
payment never exceeds its amount. A GAN that models each column on its own breaks such an
order on a share of rows close to chance (measured on attrition: 15-34 % of synthetic rows,
against 0 % of real ones) — the first thing a real-vs-synthetic classifier finds.

:class:`BoundRule` — ``child <= parent - offset`` (an *upper* bound) or ``child >= parent +
offset`` (a *lower* one), ``offset`` the smallest gap on the training rows (0 for most; 18 for
age over working years). Found when it holds on every training row, neither column has a
missing value, and chance cannot explain it: with the two columns independent, a share ``p``
of row pairs would break it, and ``(1 - p) ** rows`` must be below :data:`MAX_CHANCE` with ``p``
at least :data:`MIN_BREAK_SHARE` (so that columns on different scales, which never cross, are
not called related). The generator models the *gap* ``parent - child`` (or ``child - parent``)
instead of the child; decode sets the child from its generated parent and the gap (at least
``offset``), within the child's training range and on its value grid, never across the bound
(where the range and the bound disagree, the bound wins). A child takes one bound (the
one independence would break most often), rules chain (``role <= company <= working <= age``)
and are applied parents first. Columns of :mod:`numeric_relations` rules and derived columns
take no part.
"""
from __future__ import annotations

from itertools import permutations
from typing import Any

import numpy as np
import pandas as pd

from genforge_tabular.encoders.value_grid import WRITE_KEYS, learn_grid
from genforge_tabular.encoders.values import to_numbers
from genforge_tabular.zero_masses import as_column, write_on_grid

#: largest chance probability (under independence) of a bound
MAX_CHANCE = 1e-9
#: smallest share of independent row pairs that would break a bound
MIN_BREAK_SHARE = 0.02
#: rows searched; found bounds are verified on all rows
SEARCH_ROWS = 5000


class BoundRule:
    """``child <= parent - offset`` (side ``upper``) or ``child >= parent + offset`` (``lower``)."""

    def __init__(self, state: dict[str, Any]):
        self.state = state
        self.child, self.parents = state["child"], [state["parent"]]
        self.sign = 1.0 if state["side"] == "upper" else -1.0

    def modelled(self, df: pd.DataFrame, kinds: dict[str, str]) -> pd.Series:
        """What the generator models in the child's place: how far the child is from its parent."""
        parent = to_numbers(df[self.state["parent"]], kinds[self.state["parent"]])
        child = to_numbers(df[self.child], kinds[self.child])
        return pd.Series(self.sign * (parent - child), index=df.index, name=self.child)

    def apply(self, df: pd.DataFrame, kinds: dict[str, str]) -> None:
        """Set the child (holding the generated gap) from its parent, on its grid, within the bound."""
        parent = to_numbers(df[self.state["parent"]], kinds[self.state["parent"]])
        gap = np.maximum(to_numbers(df[self.child], kinds[self.child]), self.state["offset"])
        bound = parent - self.sign * self.state["offset"]
        low, high = self.state["range"]
        child = write_on_grid(np.clip(parent - self.sign * gap, low, high), self.state["grid"])
        crossed = self.sign * (child - bound) > 0
        if crossed.any():  # the grid's nearest value lies beyond the bound: the nearest one within it
            child[crossed] = _within(bound[crossed], self.state["grid"], self.sign)
        df[self.child] = as_column(child, df[self.child])

    def describe(self) -> str:
        s = self.state
        rel = "<=" if s["side"] == "upper" else ">="
        off = "" if not s["offset"] else f" {'-' if s['side'] == 'upper' else '+'} {s['offset']:g}"
        return (f"column {s['child']!r} {rel} {s['parent']!r}{off} on every training row (independent columns "
                f"would break it on {s['break_share']:.1%} of row pairs): its gap to {s['parent']!r} is modelled")


def _within(bound: np.ndarray, grid: dict[str, Any], sign: float) -> np.ndarray:
    """The grid value nearest to ``bound`` on its allowed side (below it for an upper bound)."""
    levels = None if grid.get("repeated") else grid.get("levels") or grid.get("codes")
    if levels:
        table = np.asarray(levels, dtype=float)
        if sign > 0:
            return table[np.clip(np.searchsorted(table, bound, side="right") - 1, 0, len(table) - 1)]
        return table[np.clip(np.searchsorted(table, bound, side="left"), 0, len(table) - 1)]
    step = grid.get("step") or 10.0 ** -int(grid.get("decimals") or 0)
    origin = grid.get("origin") or 0.0
    units = (bound - origin) / step
    units = np.floor(units + 1e-9) if sign > 0 else np.ceil(units - 1e-9)
    return np.round(origin + units * step, int(grid.get("decimals") or 0))


def _break_share(low: np.ndarray, high: np.ndarray) -> float:
    """Share of (row, row) pairs with ``low > high`` when the two columns are independent."""
    ordered = np.sort(low)
    return float((len(low) - np.searchsorted(ordered, high, side="right")).mean() / len(low))


def find_bounds(df: pd.DataFrame, kinds: dict[str, str], children: list[str], parents: list[str],
                target: str | None, seed: int = 0) -> list[BoundRule]:
    """The bounds of ``df``'s training rows, parents' rules first. ``children``: numeric columns
    that may take a bound (numeric codes of a categorical column too); ``parents``: modelled
    numeric columns that may bound one."""
    usable = [c for c in dict.fromkeys(children + parents) if c != target and not df[c].isna().any()]
    if len(usable) < 2 or not len(df):
        return []
    sub = df if len(df) <= SEARCH_ROWS else df.sample(SEARCH_ROWS, random_state=seed % 2**31)
    x = {c: to_numbers(sub[c], kinds[c]) for c in usable}
    candidates = []
    for low, high in permutations(usable, 2):
        a, b = x[low], x[high]
        if np.isnan(a).any() or np.isnan(b).any() or (a > b).any() or (a == b).all():
            continue
        p = _break_share(a, b)
        if p >= MIN_BREAK_SHARE and len(a) * np.log1p(-min(p, 1 - 1e-12)) < np.log(MAX_CHANCE):
            candidates.append((p, low, high))
    rules: list[BoundRule] = []
    bound_of: dict[str, str] = {}
    for p, low, high in sorted(candidates, key=lambda c: -c[0]):
        for child, parent, side in ((low, high, "upper"), (high, low, "lower")):
            if child in children and parent in parents and child not in bound_of and \
                    not reaches(bound_of, parent, child):
                rule = _fit(df, kinds, child, parent, side, p)
                if rule is not None:
                    rules.append(rule)
                    bound_of[child] = parent
                break
    return parents_first(rules)


def reaches(bound_of: dict[str, str], start: str, goal: str) -> bool:
    """Whether following ``{child: parent}`` links up from ``start`` reaches ``goal`` (a new link
    from ``goal`` to ``start`` would close a loop)."""
    while start in bound_of:
        start = bound_of[start]
        if start == goal:
            return True
    return start == goal


def _fit(df: pd.DataFrame, kinds: dict[str, str], child: str, parent: str, side: str,
         p: float) -> BoundRule | None:
    """The bound checked on all rows, with its offset and the child's value grid."""
    c, q = to_numbers(df[child], kinds[child]), to_numbers(df[parent], kinds[parent])
    gap = q - c if side == "upper" else c - q
    if (gap < 0).any():
        return None
    whole = bool(np.all(c == np.round(c)))
    grid = learn_grid(c, "integer" if whole else "continuous")
    return BoundRule({"rule": "bound", "child": child, "parent": parent, "side": side,
                      "offset": float(gap.min()), "break_share": p, "range": [float(c.min()), float(c.max())],
                      "grid": {k: grid.get(k) for k in WRITE_KEYS}})


def parents_first(rules: list) -> list:
    """Rules of one parent each (``rule.parents[0]``) ordered so that a rule whose parent is
    another rule's child comes after it (links never loop: :func:`reaches`)."""
    parent_of = {r.child: r.parents[0] for r in rules}

    def depth(column: str) -> int:
        return 0 if column not in parent_of else 1 + depth(parent_of[column])

    return sorted(rules, key=lambda r: depth(r.child))
