"""Column types: inferred from the data, overridable by the user.

Kinds: ``continuous`` (floats), ``integer`` (whole numbers with many levels,
modelled as continuous and rounded), ``categorical``, ``boolean``,
``datetime`` (modelled as continuous seconds), and two kinds that are not
modelled but reproduced: ``constant`` (one value) and ``id`` (unique per row,
regenerated as fresh unique values).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from genforge.errors import UserInputError

KINDS = ("continuous", "integer", "categorical", "boolean", "datetime", "constant", "id")
MODELLED_AS_CONTINUOUS = ("continuous", "integer", "datetime")
MODELLED_AS_DISCRETE = ("categorical", "boolean")
#: integer columns with at most this many distinct values are categorical
DISCRETE_LEVELS = 20
#: an ID column needs at least this many rows to be called ID-like
ID_MIN_ROWS = 50


@dataclass
class ColumnInfo:
    """One column: its name, kind, and whether it has missing values."""

    name: str
    kind: str
    missing_rate: float = 0.0
    dtype: str = ""

    def to_state(self) -> dict[str, Any]:
        return asdict(self)


def read_metadata(metadata: Mapping[str, str] | str | Path | None, where: str) -> dict[str, str]:
    """A ``{column: kind}`` dict from a dict, a JSON file, or ``None``."""
    if metadata is None:
        return {}
    if isinstance(metadata, (str, Path)):
        path = Path(metadata)
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UserInputError(f"{path}: metadata file not found") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise UserInputError(f"{path}: metadata is not valid UTF-8 JSON ({exc})") from None
        metadata = loaded.get("columns", loaded) if isinstance(loaded, dict) else loaded
        where = str(path)
    if not isinstance(metadata, Mapping):
        raise UserInputError(f"{where}: metadata must map column names to kinds ({', '.join(KINDS)})")
    out = {}
    for column, kind in metadata.items():
        kind = kind.get("kind", kind.get("sdtype")) if isinstance(kind, Mapping) else kind
        kind = {"numerical": "continuous", "numeric": "continuous", "bool": "boolean",
                "discrete": "categorical"}.get(str(kind), str(kind))
        if kind not in KINDS:
            raise UserInputError(f"{where}, column {column!r}: unknown kind {kind!r}; use one of {', '.join(KINDS)}")
        out[str(column)] = kind
    return out


def infer_columns(df: pd.DataFrame, where: str, discrete_columns=(), metadata=None) -> list[ColumnInfo]:
    """The kind of every column of ``df``; user overrides win over inference."""
    overrides = read_metadata(metadata, where)
    for column in discrete_columns or ():
        overrides.setdefault(str(column), "categorical")
    unknown = sorted(set(overrides) - set(map(str, df.columns)))
    if unknown:
        raise UserInputError(f"{where}: column {unknown[0]!r} named in the metadata/discrete_columns is not in "
                             f"the table; columns: {', '.join(map(str, df.columns))}")
    return [ColumnInfo(str(c), overrides.get(str(c)) or infer_kind(df[c], f"{where}, column {c!r}"),
                       float(df[c].isna().mean()), str(df[c].dtype)) for c in df.columns]


def infer_kind(series: pd.Series, where: str) -> str:
    values = series.dropna()
    n_unique = values.nunique()
    if n_unique <= 1:
        return "categorical" if series.isna().any() and n_unique == 1 else "constant"
    if pd.api.types.is_bool_dtype(values) or set(values.unique()) <= {True, False}:
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(values):
        return "datetime"
    if pd.api.types.is_numeric_dtype(values):
        return _numeric_kind(values.astype(float), len(series))
    numbers = pd.to_numeric(values, errors="coerce")
    share = float(numbers.notna().mean())
    if share == 1.0:
        return _numeric_kind(numbers.astype(float), len(series))
    if share >= 0.5:
        bad = values[numbers.isna()].astype(str).unique()[:3]
        raise UserInputError(f"{where}: mixed types: {share:.0%} of the values are numbers but "
                             f"{int(numbers.isna().sum())} are not (e.g. {', '.join(map(repr, bad))}); "
                             "clean them, or declare the column categorical (discrete_columns=/metadata)")
    if _looks_like_dates(values):
        return "datetime"
    if n_unique == len(series) and len(series) >= ID_MIN_ROWS:
        return "id"
    return "categorical"


def _numeric_kind(values: pd.Series, rows: int) -> str:
    whole = bool(np.all(np.mod(values.to_numpy(), 1) == 0))
    if whole and values.nunique() <= DISCRETE_LEVELS:
        return "categorical"
    if whole and values.nunique() == rows and rows >= ID_MIN_ROWS:
        return "id"
    return "integer" if whole else "continuous"


def _looks_like_dates(values: pd.Series) -> bool:
    sample = values.astype(str).head(200)
    if not sample.str.contains(r"^\d{4}-\d{2}-\d{2}|^\d{1,2}/\d{1,2}/\d{2,4}", regex=True).all():
        return False
    return bool(pd.to_datetime(sample, errors="coerce", format="mixed").notna().all())
