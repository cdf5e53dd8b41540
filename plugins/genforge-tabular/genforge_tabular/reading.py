"""Tables in: CSV and Parquet files or DataFrames, with errors that name the file and problem."""
from __future__ import annotations

import csv
import io
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from genforge.errors import UserInputError

CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")
_OTHER_DELIMITERS = (";", "\t", "|")
#: peak memory of a training run per byte of CSV, as measured on a million-row CSV (issue 17:
#: 2.37 GB peak for a 70 MB file, 20 steps); a file needing more than the memory available is
#: refused before it is read
TRAIN_MEMORY_PER_BYTE = 34
#: share of the available memory a run may plan to use
MEMORY_SHARE = 0.8


def available_memory() -> int | None:
    """Bytes of memory available now (Linux ``MemAvailable``); None where unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def check_memory(path: Path, size: int) -> None:
    """Refuse a table whose training would need more memory than the machine has free."""
    need, free = size * TRAIN_MEMORY_PER_BYTE, available_memory()
    if free is not None and need > MEMORY_SHARE * free:
        raise UserInputError(f"{path}: a {size / 1e6:.0f} MB table needs about {need / 1e9:.1f} GB of memory "
                             f"to train on (about {TRAIN_MEMORY_PER_BYTE}x the file), but only "
                             f"{free / 1e9:.1f} GB are available; train on a sample of its rows "
                             "(dataset option rows=N) or on a machine with more memory")


def read_table(source: Any, options: dict[str, Any] | None = None) -> pd.DataFrame:
    """A DataFrame from a DataFrame, a CSV file or a Parquet file."""
    options = options or {}
    if isinstance(source, pd.DataFrame):
        return check_table(source.copy(), "the DataFrame")
    path = Path(source)
    if not path.is_file():
        raise UserInputError(f"{path}: file not found")
    name = path.name.lower()
    if name.endswith(PARQUET_SUFFIXES):
        try:
            df = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types for broken files
            raise UserInputError(f"{path}: not a readable Parquet file ({exc})") from None
        return check_table(df, str(path))
    return check_table(_read_csv(path, options), str(path))


def _read_csv(path: Path, options: dict[str, Any]) -> pd.DataFrame:
    if not options.get("rows"):
        check_memory(path, path.stat().st_size)
    raw = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        import gzip
        raw = gzip.decompress(raw)
        if not options.get("rows"):
            check_memory(path, len(raw))
    if not raw.strip():
        raise UserInputError(f"{path}: the file is empty; expected a header line and data rows")
    encoding = options.get("encoding", "utf-8")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise UserInputError(f"{path}, line {line}: byte 0x{raw[exc.start]:02x} is not valid {encoding}; "
                             "save the file as UTF-8 or pass the encoding (dataset option encoding=latin-1)"
                             ) from None
    delimiter = options.get("delimiter") or ("\t" if path.name.lower().endswith(".tsv") else ",")
    try:
        with warnings.catch_warnings():  # pandas would silently drop the extra fields of a long row
            warnings.simplefilter("error", pd.errors.ParserWarning)
            df = pd.read_csv(io.StringIO(text), sep=delimiter, skipinitialspace=True, index_col=False)
    except pd.errors.ParserWarning:
        raise UserInputError(f"{path}: malformed CSV (some rows have more fields than the header); "
                             "check the delimiter and quoting") from None
    except pd.errors.EmptyDataError:
        raise UserInputError(f"{path}: the file is empty; expected a header line and data rows") from None
    except pd.errors.ParserError as exc:
        raise UserInputError(f"{path}: malformed CSV ({str(exc).strip()}); check the delimiter and quoting"
                             ) from None
    _refuse_duplicate_header(path, text, delimiter)
    header = (text.splitlines() or [""])[0]
    if df.shape[1] == 1:
        for other in _OTHER_DELIMITERS:
            if other != delimiter and other in header:
                raise UserInputError(f"{path}: only one column was found with delimiter {delimiter!r}, but the "
                                     f"header contains {other!r}; pass the delimiter (dataset option "
                                     f"delimiter={other!r})")
    return df


def _refuse_duplicate_header(path: Path, text: str, delimiter: str) -> None:
    """pandas renames a repeated header name (``a``, ``a`` -> ``a``, ``a.1``): read the header itself."""
    import csv

    try:
        header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    except csv.Error:  # pandas read it; nothing more to check here
        return
    names = [name.strip() for name in header]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise UserInputError(f"{path}: column name{'s' if len(repeated) > 1 else ''} "
                             f"{', '.join(map(repr, repeated))} appear{'' if len(repeated) > 1 else 's'} more than "
                             "once in the header (pandas would silently rename the copies to "
                             f"{repeated[0]}.1, ...); rename them")


def check_table(df: pd.DataFrame, where: str) -> pd.DataFrame:
    """Refuse tables that cannot be modelled; normalise column names to strings."""
    if df.shape[1] == 0:
        raise UserInputError(f"{where}: no columns; expected a header line and data rows")
    if len(df) == 0:
        raise UserInputError(f"{where}: has a header ({', '.join(map(str, df.columns[:5]))}) but no data rows")
    df.columns = [str(c) for c in df.columns]
    duplicated = df.columns[df.columns.duplicated()].tolist()
    if duplicated:
        raise UserInputError(f"{where}: column {duplicated[0]!r} appears twice; rename one")
    return df
