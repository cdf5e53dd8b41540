"""SDV single-table metadata JSON (``SINGLE_TABLE_V1``, or SDV 1.x ``Metadata`` with one table):
sdtypes become column kinds, PII columns and the primary key are generated instead of
learned (``pii.py``), datetime formats parse the text and write it back the same way.

Every disagreement between the file and the table is a clear error naming the column.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from genforge.errors import UserInputError
from genforge_tabular.pii import FAKER_PROVIDERS, GeneratedColumn, faker_provider

LEARNED_SDTYPES = {"numerical": "continuous", "categorical": "categorical", "boolean": "boolean",
                   "datetime": "datetime", "id": "id"}


@dataclass
class SdvMetadata:
    """Kinds of the learned columns, the generated ones, and datetime formats by column."""

    kinds: dict[str, str]
    generated: list[GeneratedColumn] = field(default_factory=list)
    datetime_formats: dict[str, str] = field(default_factory=dict)
    where: str = "metadata"


def looks_like_sdv(metadata: Any) -> bool:
    """A path to, or a dict of, SDV metadata (columns described by ``sdtype``)."""
    loaded = _load(metadata, quiet=True) if isinstance(metadata, (str, Path)) else metadata
    if not isinstance(loaded, dict):
        return False
    if "METADATA_SPEC_VERSION" in loaded or "tables" in loaded:
        return True
    columns = loaded.get("columns")
    return isinstance(columns, dict) and any(isinstance(v, dict) and "sdtype" in v for v in columns.values())


def _load(metadata: Any, quiet: bool = False) -> Any:
    path = Path(metadata)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, IsADirectoryError):
        if quiet:
            return None
        raise UserInputError(f"{path}: metadata file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        if quiet:
            return None
        raise UserInputError(f"{path}: metadata is not valid UTF-8 JSON ({exc})") from None


def read_sdv_metadata(metadata: Any, df: pd.DataFrame, locales: list[str] | None = None) -> SdvMetadata:
    """Parse SDV metadata and check it against ``df``."""
    where = str(metadata) if isinstance(metadata, (str, Path)) else "metadata"
    loaded = _load(metadata) if isinstance(metadata, (str, Path)) else metadata
    if "tables" in loaded:
        tables = loaded["tables"]
        if not isinstance(tables, dict) or len(tables) != 1:
            raise UserInputError(f"{where}: multi-table metadata ({len(tables)} tables); genforge reads one "
                                 "table: keep only its entry under \"tables\"")
        loaded = next(iter(tables.values()))
    columns = loaded.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise UserInputError(f"{where}: no \"columns\" object ({{column: {{\"sdtype\": ...}}}})")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise UserInputError(f"{where}, column {missing[0]!r}: in the metadata but not in the table; columns: "
                             f"{', '.join(map(str, df.columns[:20]))}")
    extra = [c for c in df.columns if c not in columns]
    if extra:
        raise UserInputError(f"{where}, column {extra[0]!r}: in the table but not in the metadata; add it "
                             "(e.g. {\"sdtype\": \"categorical\"}) or drop the column")
    key = loaded.get("primary_key")
    if isinstance(key, list):
        raise UserInputError(f"{where}: composite primary key {key}: not supported; name one column")
    if key is not None and key not in columns:
        raise UserInputError(f"{where}: primary key {key!r} is not one of the columns")
    out = SdvMetadata({}, where=where)
    for column, spec in columns.items():
        if not isinstance(spec, dict) or "sdtype" not in spec:
            raise UserInputError(f"{where}, column {column!r}: expected {{\"sdtype\": ...}}, got {spec!r}")
        _column(out, column, spec, df[column], column == key, locales or ["en_US"])
    return out


def _column(out: SdvMetadata, column: str, spec: dict, series: pd.Series, is_key: bool, locales) -> None:
    sdtype, where = str(spec["sdtype"]), f"{out.where}, column {column!r}"
    if is_key:
        _check_key(series, where)
        out.generated.append(GeneratedColumn.key(column, series, sdtype) if sdtype not in FAKER_PROVIDERS
                             else GeneratedColumn(column, sdtype, True, locales=locales))
        return
    if sdtype in LEARNED_SDTYPES and not spec.get("pii"):
        out.kinds[column] = _learned_kind(sdtype, spec, series, where)
        if sdtype == "datetime" and spec.get("datetime_format"):
            out.datetime_formats[column] = str(spec["datetime_format"])
        return
    if spec.get("pii") is False:  # e.g. a country code the user wants learned
        out.kinds[column] = "categorical"
        return
    if sdtype not in LEARNED_SDTYPES and faker_provider(sdtype) is None and not spec.get("pii"):
        raise UserInputError(f"{where}: sdtype {sdtype!r} is unknown; use numerical, categorical, boolean, "
                             f"datetime, id or a PII sdtype ({', '.join(sorted(FAKER_PROVIDERS)[:8])}, ...)")
    out.generated.append(GeneratedColumn(column, sdtype, locales=locales))


def _learned_kind(sdtype: str, spec: dict, series: pd.Series, where: str) -> str:
    values = series.dropna()
    if sdtype == "numerical":
        numbers = pd.to_numeric(values, errors="coerce")
        if numbers.isna().any():
            bad = values[numbers.isna()].iloc[0]
            raise UserInputError(f"{where}: numerical in the metadata, but holds {bad!r} (row "
                                 f"{int(np.flatnonzero(series.isin([bad]))[0]) + 1})")
        whole = bool(np.all(np.mod(numbers.to_numpy(dtype=float), 1) == 0))
        representation = str(spec.get("computer_representation", ""))
        if representation.lower().startswith(("int", "uint")) and not whole:
            raise UserInputError(f"{where}: computer_representation {representation} but holds fractions "
                                 f"(e.g. {numbers[np.mod(numbers, 1) != 0].iloc[0]!r})")
        return "integer" if whole else "continuous"
    if sdtype == "boolean":
        allowed = {True, False, 0, 1, "true", "false", "True", "False", "TRUE", "FALSE"}
        bad = [v for v in pd.unique(values) if v not in allowed]
        if bad:
            raise UserInputError(f"{where}: boolean in the metadata, but holds {bad[0]!r}")
    if sdtype == "datetime":
        fmt = spec.get("datetime_format")
        if not pd.api.types.is_datetime64_any_dtype(values):
            parsed = pd.to_datetime(values.astype(str), format=fmt or "mixed", errors="coerce")
            if parsed.isna().any():
                bad = values[parsed.isna().to_numpy()].iloc[0]
                shown = f"datetime_format {fmt!r}" if fmt else "a date"
                raise UserInputError(f"{where}: value {bad!r} does not match {shown} given in the metadata")
    return LEARNED_SDTYPES[sdtype]


def _check_key(series: pd.Series, where: str) -> None:
    if series.isna().any():
        raise UserInputError(f"{where}: the primary key is missing on row {int(np.flatnonzero(series.isna())[0]) + 1}")
    duplicated = series[series.duplicated()]
    if len(duplicated):
        value = duplicated.iloc[0]
        rows = np.flatnonzero(series.to_numpy() == value)[:2] + 1
        raise UserInputError(f"{where}: the primary key is not unique: {value!r} on rows {rows[0]} and {rows[1]}")


def parse_datetimes(df: pd.DataFrame, formats: dict[str, str]) -> pd.DataFrame:
    """Text datetimes parsed with the metadata's formats (checked by :func:`read_sdv_metadata`)."""
    if not formats:
        return df
    df = df.copy()
    for column, fmt in formats.items():
        if not pd.api.types.is_datetime64_any_dtype(df[column]):
            df[column] = pd.to_datetime(df[column], format=fmt, errors="coerce")
    return df


def format_datetimes(df: pd.DataFrame, formats: dict[str, str]) -> pd.DataFrame:
    """Sampled datetimes written back in the metadata's formats."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for column, fmt in formats.items():
        if column in df.columns:  # Arrow's strftime: about 20x pandas' on 10^4 rows
            column_values = df[column]
            if not pd.api.types.is_datetime64_any_dtype(column_values):
                column_values = pd.to_datetime(column_values, errors="coerce", cache=False)
            stamps = column_values.to_numpy(dtype="datetime64[ns]")
            text = pc.strftime(pa.array(stamps, mask=np.isnat(stamps)), format=fmt)
            df[column] = pd.Series(text.to_numpy(zero_copy_only=False), index=df.index, dtype=object)
    return df
