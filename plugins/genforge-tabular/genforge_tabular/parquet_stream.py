"""Sampled tables streamed to Parquet or CSV in bounded memory, with the core's progress, written
to a temporary name in the same folder and renamed only once complete (an interrupted or
failed run never leaves a file that looks finished).

The temporary name, the rename and the mapping of disk faults to one clear error are the
project's one atomic writer, :func:`genforge.output_files.atomic_path`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from genforge import track
from genforge.output_files import atomic_path
from genforge_tabular.reading import PARQUET_SUFFIXES

#: Parquet compression (snappy: the fastest of pyarrow's codecs to write)
COMPRESSION = "snappy"


def write_table_stream(chunks: Iterable[pd.DataFrame], path: Path, total: int | None = None,
                       progress: bool = True) -> int:
    """Stream DataFrame chunks to ``path`` (Parquet by suffix, else CSV); return the row count.
    ``progress``: the core's progress display (:func:`genforge.track`: a bar, plain lines, or
    nothing under ``--quiet``), in rows."""
    path = Path(path)
    counted = _CountedChunks(track(chunks, total, f"writing {path.name}", "row", len) if progress else chunks)
    with atomic_path(path) as temp:
        if path.name.lower().endswith(PARQUET_SUFFIXES):
            _write_parquet(counted, temp)
        else:
            _write_csv(counted, temp)
    return counted.rows


class _CountedChunks:
    """The chunks, counting their rows."""

    def __init__(self, chunks: Iterable[pd.DataFrame]):
        self.chunks, self.rows = chunks, 0

    def __iter__(self):
        for chunk in self.chunks:
            self.rows += len(chunk)
            yield chunk


def _write_parquet(chunks: Iterable[pd.DataFrame], temp: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    try:
        for chunk in chunks:
            if writer is None:
                table = pa.Table.from_pandas(chunk, preserve_index=False)
                writer = pq.ParquetWriter(temp, table.schema, compression=COMPRESSION)
            writer.write_table(conform(chunk, writer.schema))
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


def _write_csv(chunks: Iterable[pd.DataFrame], temp: Path) -> None:
    with open(temp, "w", newline="", encoding="utf-8") as handle:
        for i, chunk in enumerate(chunks):
            chunk.to_csv(handle, index=False, header=i == 0)
