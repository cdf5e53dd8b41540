"""Sampled rows that copy a training row exactly, replaced by other generated rows.

On a table of few effective degrees of freedom the generator reproduces training rows: on
democracy (country, regime, start year, duration, still in office) 6.2 % of sampled rows were
exact copies of a training row, while fresh real rows (its hold-out) copy none. A user sharing
synthetic rows must not hand out real ones, so every ``sample`` drops generated rows equal to a
training row on every modelled column (the 64-bit hashes of the training rows are kept with the
model, which keeps its training reference anyway) and uses other generated rows in their place;
only where too few are left are copies kept. Off with dataset option ``copy_guard = false``; not
kept for tables over :data:`MAX_ROWS` rows (the hashes would outweigh the model) nor under
differential privacy (it would read the real rows).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

#: training rows above which no guard is kept
MAX_ROWS = 200_000


def row_hashes(df: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """One 64-bit hash per row of ``df``'s ``columns``, values compared as written (as ``exact_copies``)."""
    return pd.util.hash_pandas_object(df[columns].astype(str), index=False).to_numpy().view(np.int64)


class CopyGuard:
    """The sorted hashes of the training rows, and the columns they cover."""

    def __init__(self, state: dict[str, Any]):
        self.state = state
        self.hashes = state["hashes"].numpy()

    @classmethod
    def fit(cls, table: pd.DataFrame, columns: list[str]) -> "CopyGuard | None":
        if len(table) > MAX_ROWS or not columns:
            return None
        hashes = np.unique(row_hashes(table, columns))
        return cls({"columns": list(columns), "hashes": torch.from_numpy(hashes)})

    def copies(self, rows: pd.DataFrame) -> np.ndarray:
        """Which of ``rows`` equal a training row."""
        h = row_hashes(rows, self.state["columns"])
        at = np.clip(np.searchsorted(self.hashes, h), 0, len(self.hashes) - 1)
        return self.hashes[at] == h

    def without_copies(self, rows: pd.DataFrame, k: int) -> pd.DataFrame:
        """``rows`` less the copies, in order; copies put back (the first ones) where fewer than
        ``k`` rows would remain."""
        copied = self.copies(rows)
        if not copied.any():
            return rows
        short = max(0, k - int((~copied).sum()))
        keep = ~copied
        keep[np.flatnonzero(copied)[:short]] = True
        return rows[keep].reset_index(drop=True)


def guard_for(data: Any, schema: Any, wanted: bool) -> CopyGuard | None:
    """The guard of a training run (``TabularTrainingData``) where ``wanted`` (the dataset option):
    none unless its rows are real."""
    table = getattr(data, "table", None)  # None under differential privacy
    if not wanted or table is None or data.table_source != "real":
        return None
    return CopyGuard.fit(table, [c for c in schema.transformer.columns if schema.kinds[c] != "id"])


def without_copies(guard: CopyGuard | None, rows: pd.DataFrame, k: int) -> pd.DataFrame:
    """``rows`` less the copies (see :meth:`CopyGuard.without_copies`); all of them without a guard."""
    return rows if guard is None else guard.without_copies(rows, k)


def guarded_rows(guard: CopyGuard | None, generate_rows: Any, k: int) -> pd.DataFrame:
    """``k`` generated rows (``generate_rows(m)`` decodes ``m``) with the copies replaced: one more
    draw of twice the copies found (plus 8), then copies only where still short."""
    rows = generate_rows(k)
    if guard is None:
        return rows
    copied = guard.copies(rows)
    if not copied.any():
        return rows
    extra = generate_rows(2 * int(copied.sum()) + 8)
    fresh = pd.concat([rows[~copied], extra[~guard.copies(extra)]], ignore_index=True)
    return pd.concat([fresh, rows[copied]], ignore_index=True).iloc[:k]  # copies only where short
