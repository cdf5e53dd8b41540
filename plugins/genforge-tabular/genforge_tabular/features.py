"""Numeric feature matrices of mixed-type tables, for the classifiers inside the metrics.

Fitted on real data: continuous columns are standardized with a missing-value
indicator (missing -> 0), categorical columns one-hot encoded over their most
frequent levels (unseen levels -> all zeros).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from genforge_tabular.columns import MODELLED_AS_CONTINUOUS, MODELLED_AS_DISCRETE
from genforge_tabular.encoders import to_numbers

MAX_LEVELS = 50


class TableFeatures:
    def __init__(self, real: pd.DataFrame, kinds: dict[str, str], exclude: Sequence[str] = ()):
        self.kinds = {c: k for c, k in kinds.items() if c not in exclude
                      and k in MODELLED_AS_CONTINUOUS + MODELLED_AS_DISCRETE}
        self.stats, self.levels = {}, {}
        for column, kind in self.kinds.items():
            if kind in MODELLED_AS_CONTINUOUS:
                x = to_numbers(real[column], kind)
                self.stats[column] = (np.nanmean(x) if np.isfinite(x).any() else 0.0,
                                      np.nanstd(x) if np.isfinite(x).any() and np.nanstd(x) > 0 else 1.0)
            else:
                self.levels[column] = real[column].astype(str).value_counts().index[:MAX_LEVELS].tolist()

    def column_slices(self) -> dict[str, list[int]]:
        """The feature indices of each column in :meth:`transform`'s output."""
        out, start = {}, 0
        for column, kind in self.kinds.items():
            width = 2 if kind in MODELLED_AS_CONTINUOUS else len(self.levels[column])
            out[column] = list(range(start, start + width))
            start += width
        return out

    def to_state(self) -> dict:
        """Plain data: the column kinds, numeric (mean, std) and categorical levels."""
        return {"kinds": self.kinds, "stats": {c: [float(m), float(s)] for c, (m, s) in self.stats.items()},
                "levels": {c: [str(v) for v in levels] for c, levels in self.levels.items()}}

    @classmethod
    def from_state(cls, state: dict) -> "TableFeatures":
        features = cls.__new__(cls)
        features.kinds = dict(state["kinds"])
        features.stats = {c: tuple(v) for c, v in state["stats"].items()}
        features.levels = {c: list(v) for c, v in state["levels"].items()}
        return features

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        parts = []
        for column, kind in self.kinds.items():
            if kind in MODELLED_AS_CONTINUOUS:
                mean, std = self.stats[column]
                x = (to_numbers(df[column], kind) - mean) / std
                parts += [np.nan_to_num(x, nan=0.0), np.isnan(x).astype(float)]
            else:
                levels = self.levels[column]  # one-hot from level codes, not a comparison per level
                codes = pd.Categorical(df[column].astype(str), categories=levels).codes
                parts += list((codes[:, None] == np.arange(len(levels))).astype(float).T)
        return np.stack(parts, 1) if parts else np.zeros((len(df), 0))
