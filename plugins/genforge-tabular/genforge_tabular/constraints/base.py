"""What every constraint kind provides, and the column views they share.

A constraint knows which columns it reads, which rows obey it (``valid``: missing
values on a side it compares count as obeying, as in SDV), and, where it can, how to
hold by construction: ``fit`` returns plain-data state (``None``: rejection only),
``transform`` turns original columns into the columns the GAN learns and ``inverse``
turns generated ones back so that every row obeys it.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from genforge.errors import UserInputError


@dataclass
class Constraint:
    """Base of the constraint kinds; ``index`` is the rule's place in its list (for messages)."""

    kind: ClassVar[str] = ""

    def columns(self) -> list[str]:
        """Every column the rule reads."""
        raise NotImplementedError

    def valid(self, df: pd.DataFrame, where: str = "", state: dict[str, Any] | None = None) -> np.ndarray:
        """One bool per row: does it obey the rule (``state``: what ``fit`` returned)."""
        raise NotImplementedError

    def check(self, where: str) -> None:
        """Errors in the rule itself, before it meets the table (e.g. a formula that does not parse)."""

    def fit(self, df: pd.DataFrame, where: str) -> dict[str, Any] | None:
        """Check the rule against the real rows (clear errors) and return construction state,
        or None when the rule is applied by rejection only."""
        return None

    def replaces(self, state: dict[str, Any]) -> list[str]:
        """Original columns this rule removes before training and recreates after."""
        return []

    def reads(self, state: dict[str, Any]) -> list[str]:
        """Original columns ``inverse`` needs (recreated by other rules first, if they must)."""
        return []

    def learned(self, state: dict[str, Any]) -> dict[str, str]:
        """Columns the GAN learns in place of :meth:`replaces`, with their kind."""
        return {}

    def transform(self, df: pd.DataFrame, state: dict[str, Any]) -> dict[str, pd.Series]:
        return {}

    def inverse(self, df: pd.DataFrame, state: dict[str, Any]) -> dict[str, pd.Series]:
        return {}

    def condition_values(self, state: dict[str, Any], conditions: dict[str, Any]) -> list[tuple[Any, float]] | None:
        """For rules whose learned column stands for several categorical ones: the learned
        values (with real frequencies) that agree with ``conditions`` on those columns."""
        return None

    def describe(self) -> str:
        return f"{self.kind} of {', '.join(self.columns())}"

    def to_dict(self) -> dict[str, Any]:
        out = {"kind": self.kind}
        out.update({f.name: v for f, v in ((f, getattr(self, f.name)) for f in fields(self)) if v is not None})
        return out

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


def as_plain(value: Any) -> Any:
    """A NumPy / pandas scalar as a plain Python value (NaN and NaT as None)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def is_datetime(series: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(series):
        return True
    if not (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)):
        return False  # (pandas 3 reads text as the ``str`` dtype, pandas 2 as ``object``)
    sample = series.dropna().head(50).astype(str)
    return bool(len(sample)) and bool(sample.str.match(r"^\d{4}-\d{2}-\d{2}|^\d{1,2}/\d{1,2}/\d{2,4}").all()) \
        and bool(pd.to_datetime(sample, errors="coerce", format="mixed").notna().all())


def numbers(series: pd.Series, where: str, column: str) -> np.ndarray:
    """Float values of a numeric or datetime column (datetimes in seconds); NaN for missing."""
    if pd.api.types.is_bool_dtype(series):
        return series.astype(float).to_numpy()
    if pd.api.types.is_numeric_dtype(series):
        return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    if pd.api.types.is_datetime64_any_dtype(series) or is_datetime(series):
        stamps = series if pd.api.types.is_datetime64_any_dtype(series) \
            else pd.to_datetime(series, errors="coerce", format="mixed")
        if getattr(stamps.dt, "tz", None) is not None:
            stamps = stamps.dt.tz_convert(None)
        ns = stamps.to_numpy(dtype="datetime64[ns]")
        out = ns.astype(np.int64) / 1e9
        out[np.isnat(ns)] = np.nan
        return out
    converted = pd.to_numeric(series, errors="coerce")
    if converted.notna().sum() < series.notna().sum():
        bad = series[series.notna() & converted.isna()].iloc[0]
        raise UserInputError(f"{where}: column {column!r} is not numeric (value {bad!r}); this rule "
                             "compares numbers or dates")
    return converted.to_numpy(dtype=float)


def column_style(series: pd.Series) -> dict[str, Any]:
    """How to write values back into a column like ``series``: datetime, whole numbers, dtype."""
    datetime = is_datetime(series)
    values = series.dropna()
    whole = not datetime and pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series) \
        and bool(np.all(np.mod(values.to_numpy(dtype=float), 1) == 0))
    decimals = None
    if not datetime and not whole and pd.api.types.is_float_dtype(series):
        x = values.to_numpy(dtype=float)[:10_000]
        decimals = next((d for d in range(7) if np.allclose(x, np.round(x, d), rtol=0, atol=1e-9)), None)
    return {"datetime": datetime, "whole": whole, "dtype": str(series.dtype), "decimals": decimals}


def from_numbers(x: np.ndarray, style: dict[str, Any], name: str) -> pd.Series:
    """Inverse of :func:`numbers` for a column written in ``style``."""
    if style["datetime"]:
        ns = np.round(np.asarray(x, dtype=float) * 1e9)
        stamps = np.where(np.isnan(ns), np.iinfo(np.int64).min, ns).astype(np.int64).view("datetime64[ns]")
        return pd.Series(stamps, name=name)
    if style["whole"]:
        x = np.round(x)
        if not np.isnan(x).any() and style["dtype"].startswith(("int", "uint")):
            return pd.Series(x.astype(np.int64), name=name)
    return pd.Series(x, name=name)


def date_constant_seconds(text: Any) -> float | None:
    """A date written as text (``"2020-01-01"``) in seconds since the epoch; None if it is not one."""
    if not isinstance(text, str):
        return None
    try:
        return (pd.Timestamp(text) - pd.Timestamp(0)) / pd.Timedelta(seconds=1)
    except ValueError:
        return None


def bound_values(df: pd.DataFrame, bound: Any, where: str) -> np.ndarray | float:
    """A bound that is a column name (its values) or a constant (a number, or a date as text)."""
    if isinstance(bound, str) and bound in df.columns:
        return numbers(df[bound], where, bound)
    if isinstance(bound, (int, float)) and not isinstance(bound, bool):
        return float(bound)
    seconds = date_constant_seconds(bound)
    if seconds is not None:
        return seconds
    raise UserInputError(f"{where}: {bound!r} is neither a column of the table nor a number or date")


def offset_seconds(offset: Any, where: str) -> float:
    """An offset: a number (the columns' units, seconds for dates) or a duration ("1 day")."""
    if offset is None:
        return 0.0
    if isinstance(offset, (int, float)) and not isinstance(offset, bool):
        return float(offset)
    try:
        return pd.Timedelta(str(offset)).total_seconds()
    except ValueError:
        raise UserInputError(f"{where}: offset {offset!r} is neither a number nor a duration such as '1 day'"
                             ) from None


def restore_column(values: list[Any], dtype: str, name: str) -> pd.Series:
    """Plain values back into a column of ``dtype`` (object where missing values forbid it)."""
    series = pd.Series(values, dtype=object, name=name)
    if series.isna().any() and dtype.startswith(("int", "uint", "bool")):
        return series
    try:
        return series.astype(dtype) if dtype and dtype != "object" else series.infer_objects()
    except (TypeError, ValueError):
        return series.infer_objects()
