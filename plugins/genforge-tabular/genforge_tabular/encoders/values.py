"""Value conversions every column encoder shares: plain (JSON-able) scalars, numbers from any
numeric or datetime column, dtypes restored after decoding, and the output seed."""
from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd


def plain(value: Any) -> Any:
    """A numpy/pandas scalar as a plain Python value (``None`` for missing)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return str(value)
    return value.item() if isinstance(value, np.generic) else value


def output_seed(block: np.ndarray) -> int:
    """A seed derived from generator output: decoding stays a pure function of it."""
    return int.from_bytes(hashlib.blake2b(np.ascontiguousarray(block).tobytes(), digest_size=8).digest(), "little")


def restore_dtype(series: pd.Series, dtype: str) -> pd.Series:
    """``series`` back in the column's training dtype where its values allow it."""
    if series.isna().any():
        return series.infer_objects() if not dtype.startswith(("int", "bool")) else series
    try:
        return series.astype(dtype) if dtype and dtype != "object" else series.infer_objects()
    except (TypeError, ValueError):
        return series


def as_texts(series: pd.Series) -> np.ndarray:
    """A categorical column's values as texts (missing: ``"nan"``), as the rules key levels."""
    return series.astype(object).map(str).to_numpy()


def to_numbers(series: pd.Series, kind: str) -> np.ndarray:
    """Float values of a numeric column, or seconds since 1970 of a datetime one (NaN: missing)."""
    if kind == "datetime":
        stamps = series if pd.api.types.is_datetime64_any_dtype(series) \
            else pd.to_datetime(series, errors="coerce", format="mixed")
        if getattr(stamps.dt, "tz", None) is not None:
            stamps = stamps.dt.tz_convert(None)
        # Timedelta division is independent of the stamps' unit (pandas 3 parses to us, 2 to ns); NaT -> NaN.
        return ((stamps - pd.Timestamp(0)) / pd.Timedelta(seconds=1)).to_numpy(dtype=float, na_value=np.nan)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
