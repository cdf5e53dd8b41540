"""Columns a categorical parent determines (``dependencies.py``): derived, not modelled."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from genforge_tabular.columns import ColumnInfo
from genforge_tabular.encoders.values import plain, restore_dtype


class DerivedColumn:
    """A column that a categorical parent determines (``dependencies.py``): not modelled,
    but drawn from the generated parent value through the training rows' values of that
    parent level (one value for an exact dependency; by frequency for a near one)."""

    width = 0

    def __init__(self, state: dict[str, Any]):
        self.state = state
        self.values = list(state["values"])
        self.exact = len(state["parent_values"]) == len(self.values)
        self._index = pd.Index(state["parent_values"], dtype=object)
        owner = np.asarray(state["owner"], dtype=np.int64)
        counts = np.asarray(state["counts"], dtype=float)
        totals = np.bincount(owner, weights=counts)
        before = np.cumsum(totals) - totals  # rows of the levels before each level
        # pair k covers (owner, owner + its cumulative share of the level]: parent index + u picks it
        self._cdf = owner + (np.cumsum(counts) - before[owner]) / totals[owner]

    @classmethod
    def fit(cls, info: ColumnInfo, series: pd.Series, parent: pd.Series) -> "DerivedColumn":
        pairs = pd.DataFrame({"p": parent.map(plain).astype(object), "c": series.map(plain).astype(object)})
        counts = pairs.groupby(["p", "c"], dropna=False, sort=False).size()
        levels = list(dict.fromkeys(counts.index.get_level_values(0)))
        owner = pd.Index(levels, dtype=object).get_indexer(counts.index.get_level_values(0))
        order = np.argsort(owner, kind="stable")
        return cls({"name": info.name, "kind": "derived", "data_kind": info.kind, "dtype": info.dtype,
                    "parent": str(parent.name), "parent_values": [plain(v) for v in levels],
                    "owner": owner[order].tolist(),
                    "values": [plain(v) for v in counts.index.get_level_values(1)[order]],
                    "counts": counts.to_numpy()[order].tolist()})

    def spans(self) -> list[tuple[int, str]]:
        return []

    def derive(self, parent: pd.Series, seed: int = 0) -> pd.Series:
        table = np.empty(len(self.values) + 1, dtype=object)
        table[:-1] = self.values  # the last entry (None) for a parent value never seen
        level = self._index.get_indexer(parent.map(plain).astype(object))
        u = np.random.default_rng(seed).random(len(level)) if not self.exact else np.zeros(len(level))
        pair = np.searchsorted(self._cdf, level + u, side="right")
        values = table[np.where(level < 0, len(self.values), pair)]
        return restore_dtype(pd.Series(values, name=self.state["name"]), self.state["dtype"])
