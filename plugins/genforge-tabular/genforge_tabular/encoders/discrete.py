"""One-hot codes of one categorical column, with missing and "other" slots."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

from genforge_tabular.columns import ColumnInfo
from genforge_tabular.encoders.values import plain, restore_dtype

#: categorical columns keep this many most frequent levels; the rest share an "other" slot
MAX_CATEGORIES = 300


class DiscreteEncoder:
    """One-hot codes of one categorical column: exact for every kept level."""

    def __init__(self, state: dict[str, Any]):
        self.state = state
        self.categories = list(state["categories"])
        self.missing_slot = len(self.categories) if state["missing"] else -1
        self.other_slot = len(self.categories) + int(state["missing"]) if state["rare_values"] else -1
        self.width = len(self.categories) + int(state["missing"]) + int(bool(state["rare_values"]))

    @classmethod
    def fit(cls, info: ColumnInfo, series: pd.Series, max_categories: int = MAX_CATEGORIES) -> "DiscreteEncoder":
        counts = series.value_counts(dropna=True)
        kept, rare = counts.iloc[:max_categories], counts.iloc[max_categories:]
        return cls({"name": info.name, "kind": info.kind, "dtype": info.dtype,
                    "categories": [plain(v) for v in kept.index],
                    "counts": [int(c) for c in kept.to_numpy()],
                    "missing": bool(series.isna().any()), "missing_count": int(series.isna().sum()),
                    "rare_values": [plain(v) for v in rare.index],
                    "rare_weights": (rare.to_numpy() / max(1, rare.sum())).tolist()})

    def spans(self) -> list[tuple[int, str]]:
        return [(self.width, "softmax")]

    def codes(self, series: pd.Series) -> np.ndarray:
        """Slot index of every value (kept level, missing, or other)."""
        lookup = {v: i for i, v in enumerate(self.categories)}
        values = series.map(plain)
        codes = values.map(lookup)
        codes = codes.where(values.notna(), self.missing_slot).fillna(self.other_slot)
        return codes.to_numpy(dtype=np.int64)

    def encode(self, series: pd.Series, rng: torch.Generator) -> np.ndarray:
        out = np.zeros((len(series), self.width), dtype=np.float32)
        out[np.arange(len(series)), self.codes(series)] = 1.0
        return out

    def decode_codes(self, codes: np.ndarray, seed: int = 0) -> pd.Series:
        table = np.empty(self.width, dtype=object)
        table[:len(self.categories)] = self.categories
        if self.missing_slot >= 0:
            table[self.missing_slot] = None
        values = table[codes]
        if self.other_slot >= 0:
            other = codes == self.other_slot
            rng = np.random.default_rng(seed)
            rare = np.empty(len(self.state["rare_values"]), dtype=object)
            rare[:] = self.state["rare_values"]
            values[other] = rare[rng.choice(len(rare), int(other.sum()), p=self.state["rare_weights"])]
        series = pd.Series(values, name=self.state["name"])
        return restore_dtype(series, self.state["dtype"])

    def decode(self, block: np.ndarray, seed: int = 0) -> pd.Series:
        """Levels from the output block; ``seed`` draws the values of the "other" slot."""
        return self.decode_codes(np.argmax(block, axis=1), seed)
