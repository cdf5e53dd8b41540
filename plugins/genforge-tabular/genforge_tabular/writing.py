"""Synthetic rows out: CSV or Parquet, streamed chunk by chunk (``parquet_stream.py``)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

import pandas as pd

from genforge_tabular.parquet_stream import write_table_stream


def write_table_chunks(chunks: Iterable[pd.DataFrame], path: Path) -> int:
    """Stream DataFrame chunks to CSV or Parquet (by suffix), atomically, without progress lines."""
    return write_table_stream(chunks, Path(path), progress=False)
