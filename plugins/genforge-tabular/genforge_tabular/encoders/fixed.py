"""Columns that are not modelled: constant (one value) or ID-like (fresh unique values)."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from genforge_tabular.columns import ColumnInfo
from genforge_tabular.encoders.values import plain, restore_dtype


class FixedColumn:
    """A column that is not modelled: constant (one value) or ID-like (fresh unique values)."""

    width = 0

    def __init__(self, state: dict[str, Any]):
        self.state = state

    @classmethod
    def fit(cls, info: ColumnInfo, series: pd.Series) -> "FixedColumn":
        values = series.dropna()
        numeric = pd.api.types.is_numeric_dtype(values)
        return cls({"name": info.name, "kind": info.kind, "dtype": info.dtype,
                    "value": plain(values.iloc[0]) if len(values) and info.kind == "constant" else None,
                    "numeric": bool(numeric),
                    "missing_rate": float(series.isna().mean())})

    def spans(self) -> list[tuple[int, str]]:
        return []

    def decode(self, block: np.ndarray, seed: int = 0) -> pd.Series:
        """As many values as ``block`` (zero columns wide) has rows; ``seed`` draws fresh IDs."""
        n, name = len(block), self.state["name"]
        if self.state["kind"] == "constant":
            return restore_dtype(pd.Series([self.state["value"]] * n, dtype=object, name=name), self.state["dtype"])
        rng = np.random.default_rng(seed)
        ids = rng.integers(10**11, 10**12, n)
        return pd.Series(ids if self.state["numeric"] else [f"syn-{i:x}" for i in ids], name=name)
