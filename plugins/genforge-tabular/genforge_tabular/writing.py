"""Synthetic rows out: CSV or Parquet, streamed chunk by chunk."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

import pandas as pd

from genforge_tabular.reading import PARQUET_SUFFIXES


def write_table_chunks(chunks: Iterable[pd.DataFrame], path: Path) -> int:
    """Stream DataFrame chunks to CSV or Parquet (by suffix) with bounded memory, under a
    temporary name renamed into place once complete (:mod:`genforge.output_files`)."""
    from genforge.output_files import atomic_open, atomic_path

    count = 0
    if path.name.lower().endswith(PARQUET_SUFFIXES):
        import pyarrow as pa
        import pyarrow.parquet as pq
        writer = None
        with atomic_path(path) as partial:
            try:
                for chunk in chunks:
                    table = pa.Table.from_pandas(chunk, preserve_index=False)
                    if writer is None:
                        writer = pq.ParquetWriter(partial, table.schema)
                    writer.write_table(table.cast(writer.schema))
                    count += len(chunk)
            finally:
                if writer is not None:
                    writer.close()
        return count
    with atomic_open(path, "w", newline="") as handle:
        for chunk in chunks:
            chunk.to_csv(handle, index=False, header=count == 0)
            count += len(chunk)
    return count
