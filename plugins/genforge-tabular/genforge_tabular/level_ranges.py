"""Numeric columns whose range a categorical column's level fixes, kept by construction.

Pay bands: on IBM attrition a job level of 1 pays 1,009-4,968 a month and a level of 5
18,041-19,999, so the level fixes most of the income; a GAN that models the two columns apart
draws incomes across the whole range for every level (measured: a median of 4,108 for level 5).
Treatment strata fix the days of earlier therapy the same way (actg175: strata 2 and 3 never
below 12 / 20 days).

:class:`LevelRange` — per level of a categorical *parent* with at least :data:`MIN_LEVEL_ROWS`
training rows, the child's training range ``[low, high]``; other levels (and missing values)
take the whole column's range. Found when the ranges are narrow beyond chance: a level of ``n``
rows whose range covers a share ``c`` of the child's values (by their empirical distribution)
has, for an independent parent, probability ``c ** (n - 1) * (n - (n - 1) c)`` (the range of
``n`` uniform draws); the product over the levels must be below :data:`MAX_CHANCE`, and the
row-weighted coverage at most :data:`MAX_COVERAGE` (the levels must narrow the child, not just
trim it). The generator models the child's *place* in its level's range, ``(x - low) / (high -
low)`` in [0, 1]; decode maps the generated place back with the generated level, on the child's
value grid. A child takes the parent that narrows it most; columns of other rules take no part.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from genforge_tabular.encoders.value_grid import WRITE_KEYS
from genforge_tabular.encoders.values import as_texts, to_numbers
from genforge_tabular.zero_masses import as_column, write_on_grid

#: largest chance probability (under independence) of a level-range rule
MAX_CHANCE = 1e-9
#: largest row-weighted share of the child's values that its levels' ranges cover
MAX_COVERAGE = 0.6
#: a level needs this many training rows for a range of its own
MIN_LEVEL_ROWS = 20
#: parents with more levels than this are not searched
MAX_PARENT_LEVELS = 50


class LevelRange:
    """``ranges[level][0] <= child <= ranges[level][1]`` for the generated level of ``parent``."""

    def __init__(self, state: dict[str, Any]):
        self.state = state
        self.child, self.parents = state["child"], [state["parent"]]

    def bounds(self, df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Each row's ``low`` and ``high``: its level's range, else the column's."""
        ranges = self.state["ranges"]
        levels = pd.Series(as_texts(df[self.state["parent"]]))
        low, high = self.state["range"]
        return (levels.map({k: v[0] for k, v in ranges.items()}).fillna(low).to_numpy(float),
                levels.map({k: v[1] for k, v in ranges.items()}).fillna(high).to_numpy(float))

    def modelled(self, df: pd.DataFrame, kinds: dict[str, str]) -> pd.Series:
        """What the generator models in the child's place: its place within its level's range."""
        low, high = self.bounds(df)
        x = to_numbers(df[self.child], kinds[self.child])
        width = high - low
        place = np.where(width > 0, (x - low) / np.where(width > 0, width, 1.0), 0.5)
        return pd.Series(place, index=df.index, name=self.child)

    def apply(self, df: pd.DataFrame, kinds: dict[str, str]) -> None:
        """Set the child (holding the generated place) from its generated level's range."""
        low, high = self.bounds(df)
        place = np.clip(to_numbers(df[self.child], kinds[self.child]), 0.0, 1.0)
        child = np.clip(write_on_grid(low + place * (high - low), self.state["grid"]), low, high)
        if self.state.get("integer") and not np.isnan(child).any():  # the place is a fraction; pay is whole
            df[self.child] = pd.Series(np.round(child).astype(np.int64), index=df.index, name=self.child)
        else:
            df[self.child] = as_column(child, df[self.child])

    def describe(self) -> str:
        s = self.state
        return (f"column {s['child']!r} stays within the range of its {s['parent']!r} level "
                f"({len(s['ranges'])} levels; together they cover {s['coverage']:.0%} of its values): "
                "its place in that range is modelled")


def find_level_ranges(df: pd.DataFrame, kinds: dict[str, str], children: list[str], parents: list[str],
                      grids: dict[str, dict]) -> list[LevelRange]:
    """The level-range rules of ``df``: numeric ``children`` (no missing values) narrowed by
    categorical ``parents``; the best parent per child."""
    rules = []
    for child in children:
        x = to_numbers(df[child], kinds[child])
        if np.isnan(x).any() or len(np.unique(x)) < 3:
            continue
        ecdf = np.sort(x)
        best = None
        for parent in parents:
            found = _ranges(x, ecdf, as_texts(df[parent]))
            if found is not None and (best is None or found[0] < best[0][0]):
                best = (found, parent)
        if best is not None:
            (coverage, ranges), parent = best
            rules.append(LevelRange({"rule": "level_range", "child": child, "parent": parent, "ranges": ranges,
                                     "range": [float(x.min()), float(x.max())], "coverage": coverage,
                                     "integer": bool(pd.api.types.is_integer_dtype(df[child].dtype)),
                                     "grid": {k: grids[child].get(k) for k in WRITE_KEYS}}))
    return rules


def _ranges(x: np.ndarray, ecdf: np.ndarray, levels: np.ndarray) -> tuple[float, dict] | None:
    """``(row-weighted coverage, {level: [low, high]})`` when the levels narrow ``x`` beyond
    chance (see the module docstring), else None."""
    frame = pd.DataFrame({"x": x, "level": levels}).groupby("level")["x"].agg(["min", "max", "size"])
    if not 2 <= len(frame) <= MAX_PARENT_LEVELS:
        return None
    own = frame[frame["size"] >= MIN_LEVEL_ROWS]
    if own.empty:
        return None
    n = len(x)
    covered = (np.searchsorted(ecdf, own["max"], side="right") - np.searchsorted(ecdf, own["min"], side="left")) / n
    sizes = own["size"].to_numpy(float)
    coverage = float((covered * sizes).sum() + (frame["size"].sum() - sizes.sum())) / n  # small levels: all
    with np.errstate(divide="ignore"):
        log_chance = ((sizes - 1) * np.log(covered) + np.log(np.clip(sizes - (sizes - 1) * covered, 1e-300, None)))
    if coverage > MAX_COVERAGE or log_chance.sum() >= np.log(MAX_CHANCE):
        return None
    return coverage, {str(k): [float(r["min"]), float(r["max"])] for k, r in own.iterrows()}
