"""Sampled tables streamed to Parquet or CSV in bounded memory, with progress lines, written
to a temporary name in the same folder and renamed only once complete (an interrupted or
failed run never leaves a file that looks finished).

The temporary name, the rename and the mapping of disk faults to one clear error are the
project's one atomic writer, :func:`genforge.output_files.atomic_path`.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from genforge.output_files import atomic_path
from genforge_tabular.reading import PARQUET_SUFFIXES

#: seconds between progress lines
PROGRESS_EVERY = 5.0
#: Parquet compression (snappy: the fastest of pyarrow's codecs to write)
COMPRESSION = "snappy"


class Progress:
    """``wrote N rows (R rows/s)`` every :data:`PROGRESS_EVERY` seconds and once at the end."""

    def __init__(self, path: Path, total: int | None = None, stream: Any = sys.stderr):
        self.path, self.total, self.stream = path, total, stream
        self.start = self.last = time.perf_counter()
        self.rows = 0

    def add(self, rows: int, final: bool = False) -> None:
        self.rows += rows
        now = time.perf_counter()
        if self.stream is not None and (final or now - self.last >= PROGRESS_EVERY):
            self.last = now
            share = f" of {self.total:,} ({self.rows / self.total:.0%})" if self.total else ""
            rate = self.rows / max(now - self.start, 1e-9)
            print(f"{self.path.name}: {'wrote' if final else 'writing'} {self.rows:,} rows{share}, "
                  f"{rate:,.0f} rows/s", file=self.stream, flush=True)


def write_table_stream(chunks: Iterable[pd.DataFrame], path: Path, total: int | None = None,
                       progress: Any = "stderr") -> int:
    """Stream DataFrame chunks to ``path`` (Parquet by suffix, else CSV); return the row count.
    ``progress``: a stream for the progress lines, None for none; "stderr": sys.stderr at call time."""
    path = Path(path)
    meter = Progress(path, total, sys.stderr if isinstance(progress, str) else progress)
    with atomic_path(path) as temp:
        if path.name.lower().endswith(PARQUET_SUFFIXES):
            _write_parquet(chunks, temp, meter)
        else:
            _write_csv(chunks, temp, meter)
    meter.add(0, final=True)
    return meter.rows


def _write_parquet(chunks: Iterable[pd.DataFrame], temp: Path, meter: Progress) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    try:
        for chunk in chunks:
            if writer is None:
                table = pa.Table.from_pandas(chunk, preserve_index=False)
                writer = pq.ParquetWriter(temp, table.schema, compression=COMPRESSION)
            writer.write_table(conform(chunk, writer.schema))
            meter.add(len(chunk))
        if writer is None:  # no rows: an empty file with no columns is still a valid Parquet file
            writer = pq.ParquetWriter(temp, pa.schema([]))
    finally:
        if writer is not None:
            writer.close()


def conform(chunk: pd.DataFrame, schema) -> Any:
    """``chunk`` as an Arrow table of ``schema``: a column that is float here only because this
    chunk has missing values (whole numbers with NaN) goes in as integers with nulls."""
    import pyarrow as pa

    arrays = []
    for field in schema:
        column = chunk[field.name]
        if pa.types.is_integer(field.type) and column.dtype.kind == "f":
            arrays.append(pa.array(pd.array(column.to_numpy(), dtype="Int64"), type=field.type))
        elif pa.types.is_null(field.type) and column.notna().any():
            raise ValueError(f"column {field.name!r} was empty in the first chunk; write a larger first chunk")
        else:
            arrays.append(pa.array(column, type=field.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)


def _write_csv(chunks: Iterable[pd.DataFrame], temp: Path, meter: Progress) -> None:
    with open(temp, "w", newline="", encoding="utf-8") as handle:
        for chunk in chunks:
            chunk.to_csv(handle, index=False, header=meter.rows == 0)
            meter.add(len(chunk))
