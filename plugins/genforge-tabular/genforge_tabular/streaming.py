"""Tables too large to hold as one pandas frame: read in chunks with pyarrow, two passes.

Pass 1 draws a bounded uniform sample of rows (``sample_rows``, default 100,000) on which the
columns are inferred and the encoders, dependencies and target pairs are fitted (the encoders
fit on at most ``fit_rows`` of them anyway). Pass 2 encodes every chunk into
:class:`CompactRows` (int32 slot codes, float32 scalars, int16 modes) and concatenates them,
so memory holds the model, the compact rows and one chunk, never the frame. The resampling
step sees the sample, the metrics' reference a uniform 20,000 rows of it.

A file is streamed when it is large (a Parquet file of ``STREAM_ROWS`` rows or more, a CSV of
``STREAM_BYTES`` or more) or when the dataset option ``stream=true`` says so; ``stream=false``
loads it whole. Constraints, SDV metadata and privacy need the whole table (they are refused
on a streamed one with the option to turn streaming off). The hold-out (``holdout``) is a
seeded random share of the rows, not stratified.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd
import torch

from genforge import track
from genforge.errors import UserInputError
from genforge_tabular.compact_rows import CompactRows
from genforge_tabular.reading import PARQUET_SUFFIXES, check_table

#: Parquet files with at least this many rows, and CSV files of at least this many bytes, stream
STREAM_ROWS, STREAM_BYTES = 500_000, 64 * 2**20
#: rows per chunk, and the bounded sample the columns are fitted on
CHUNK_ROWS, SAMPLE_ROWS = 100_000, 100_000
#: real rows the metrics' reference keeps (a uniform subset of the sample: DCR, DOMIAS and the
#: detectors cost time in the reference's size)
REFERENCE_ROWS = 20_000
#: bytes of CSV per block pyarrow reads (column types are inferred from the first block)
CSV_BLOCK_BYTES = 1 << 22
#: dataset options that need the whole table in memory
WHOLE_TABLE_OPTIONS = ("constraints", "privacy")


def should_stream(path: Path, options: dict[str, Any]) -> bool:
    """The dataset option ``stream`` (true / false), else whether the file is large."""
    value = options.get("stream", "auto")
    if value not in (True, False, "auto"):
        raise UserInputError(f"dataset option stream={value!r}: expected true, false or auto")
    if value != "auto":
        return bool(value)
    if not path.is_file():
        return False
    if path.name.lower().endswith(PARQUET_SUFFIXES):
        import pyarrow.parquet as pq
        try:
            return pq.ParquetFile(path).metadata.num_rows >= STREAM_ROWS
        except Exception:  # not readable as Parquet: the whole-file reader says why
            return False
    return not path.name.lower().endswith(".gz") and path.stat().st_size >= STREAM_BYTES


class StreamedTable:
    """A CSV or Parquet file as a sequence of pandas chunks (the same chunks on every pass)."""

    def __init__(self, path: Path, options: dict[str, Any]):
        self.path, self.where = Path(path), str(path)
        self.chunk_rows = _positive(options.get("chunk_rows", CHUNK_ROWS), "chunk_rows")
        self.delimiter = options.get("delimiter") or ("\t" if self.path.name.lower().endswith(".tsv") else ",")
        self.encoding = options.get("encoding", "utf-8")
        if not self.path.is_file():
            raise UserInputError(f"{self.path}: file not found")
        #: CSV columns read with a wider type than their first block showed (:class:`TypeWidened`)
        self.widened: dict[str, str] = {}
        self._columns: list[str] = []

    def chunks(self) -> Iterator[pd.DataFrame]:
        """The file's chunks; a CSV column whose values change type after the first block raises
        :class:`TypeWidened` (read the file again: the column is now read with the wider type)."""
        import pyarrow as pa
        batches = self._parquet() if self.path.name.lower().endswith(PARQUET_SUFFIXES) else self._csv()
        first, rows = True, 0
        try:
            for batch in batches:
                frame = batch.to_pandas()
                if first:
                    check_table(frame, self.where)
                    first = False
                yield frame
                rows += len(frame)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            changed = CONVERSION_ERROR.search(str(exc))
            if changed and self._columns:
                column, line, was, value = changed.groups()
                where = f"line {int(line):,}" if line else f"a value after row {rows:,}"
                raise TypeWidened(self._widen(int(column), was, value, where)) from None
            raise UserInputError(f"{self.path}: cannot be read in chunks ({str(exc).strip()}); a column whose "
                                 "values change type further down the file cannot be streamed: fix the "
                                 "column or pass dataset option stream=false") from None
        if first:
            raise UserInputError(f"{self.path}: has a header but no data rows")

    def _parquet(self):
        import pyarrow.parquet as pq
        try:
            handle = pq.ParquetFile(self.path)
        except Exception as exc:  # pyarrow raises several types for broken files
            raise UserInputError(f"{self.path}: not a readable Parquet file ({exc})") from None
        return handle.iter_batches(batch_size=self.chunk_rows)

    def _csv(self):
        """pyarrow's streaming CSV reader; columns empty in the first block are read as text."""
        import pyarrow as pa
        from pyarrow import csv

        def reader(types=None):
            try:
                # one parsing thread: pyarrow names the row of a conversion error only then
                return csv.open_csv(self.path, read_options=csv.ReadOptions(encoding=self.encoding, use_threads=False,
                                                                            block_size=CSV_BLOCK_BYTES),
                                    parse_options=csv.ParseOptions(delimiter=self.delimiter),
                                    convert_options=csv.ConvertOptions(column_types=types or {}))
            except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
                raise UserInputError(f"{self.path}: not a readable CSV file ({str(exc).strip()})") from None

        widened = {name: pa.type_for_alias(kind) for name, kind in self.widened.items()}
        stream = reader(widened)
        self._columns = [f.name for f in stream.schema]
        empty = {f.name: pa.string() for f in stream.schema if pa.types.is_null(f.type)}
        stream = reader({**empty, **widened}) if empty else stream
        for batch in stream:  # pyarrow's blocks, re-cut to chunk_rows
            for start in range(0, batch.num_rows, self.chunk_rows):
                yield batch.slice(start, self.chunk_rows)


    def _widen(self, index: int, was: str, value: str, where: str) -> str:
        """Read column ``index`` as float64 (a number in a column of integers) or text from now
        on; the message says which column, value and rows."""
        name = self._columns[index]
        try:
            float(value)
            wider = "float64" if was.startswith(("int", "uint")) else "string"
        except ValueError:
            wider = "string"
        if self.widened.get(name) == wider:  # cannot happen for text: a guard against looping
            raise UserInputError(f"{self.path}: column {name!r}: value {value!r} cannot be read as {wider}")
        self.widened[name] = wider
        return (f"{self.path}: column {name!r} was read as {was} from its first rows, but {where} has "
                f"{value!r}: reading the file again with column {name!r} as {wider}")


class TypeWidened(Exception):
    """A CSV column changed type after its first block: read the file again (the message says how)."""


#: pyarrow's message for a value that does not convert to the type read from the first block
CONVERSION_ERROR = re.compile(r"In CSV column #(\d+): (?:Row #(\d+): )?CSV conversion error to (\w+): invalid value '(.*)'", re.S)


def _positive(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise UserInputError(f"dataset option {name}={value!r}: expected a positive whole number")
    return value


def _holdout_flags(rng: np.random.Generator, n: int, fraction: float) -> np.ndarray:
    return rng.random(n) < fraction if fraction else np.zeros(n, dtype=bool)


def bounded_sample(chunks: Iterator[pd.DataFrame], k: int, seed: int,
                   holdout: float = 0.0) -> tuple[pd.DataFrame, int]:
    """A uniform sample of at most ``k`` rows in file order (the rows with the ``k`` smallest
    random keys), and the number of rows read. With ``holdout``, column ``__holdout__`` marks
    the rows :func:`prepare_streamed` holds out (the same flags on every pass)."""
    keys_rng, hold_rng = np.random.default_rng([seed, 0]), np.random.default_rng([seed, 1])
    kept: pd.DataFrame | None = None
    keys = np.zeros(0)
    rows = 0
    for chunk in chunks:
        chunk = chunk.set_axis(range(rows, rows + len(chunk)))
        if holdout:
            chunk["__holdout__"] = _holdout_flags(hold_rng, len(chunk), holdout)
        rows += len(chunk)
        kept = chunk if kept is None else pd.concat([kept, chunk])
        keys = np.concatenate([keys, keys_rng.random(len(chunk))])
        if len(kept) > k:
            top = np.sort(np.argpartition(keys, k)[:k])
            kept, keys = kept.iloc[top], keys[top]
    return kept.reset_index(drop=True), rows


def prepare_streamed(domain: Any, stream: StreamedTable, options: dict[str, Any], seed: int):
    """:meth:`TabularDomain.prepare` for a streamed file (module docstring)."""
    from genforge_tabular.metrics import TabularReference
    from genforge_tabular.sampler import TabularTrainingData
    from genforge_tabular.sdv_metadata import looks_like_sdv

    where, target = stream.where, options.get("target")
    whole = [name for name in WHOLE_TABLE_OPTIONS if options.get(name) is not None]
    if options.get("metadata") is not None and looks_like_sdv(options["metadata"]):
        whole.append("metadata (an SDV metadata file)")
    if whole:
        raise UserInputError(f"{where}: dataset option {whole[0]} needs the whole table in memory, but this "
                             "file is large enough to be streamed; pass dataset option stream=false (or train "
                             "on a sample of its rows: rows=N)")
    fraction = float(options.get("holdout", 0.0))
    sample_rows = _positive(options.get("sample_rows", SAMPLE_ROWS), "sample_rows")
    while True:  # again from the start whenever a CSV column turns out wider than its first block
        try:
            sample, rows = bounded_sample(_progress(stream.chunks(), stream.path, "pass 1 of 2 (sample)"),
                                          sample_rows, seed, fraction)
            break
        except TypeWidened as widened:
            print(widened, file=sys.stderr)
    held = sample.pop("__holdout__").to_numpy() if fraction else np.zeros(len(sample), dtype=bool)
    train_sample = sample[~held].reset_index(drop=True)
    infos, kinds = domain.fit_columns(sample, where, target, options.get("discrete_columns"),
                                      options.get("metadata"))
    transformer = domain.fit_transformer(train_sample, infos, target, options, seed)
    rng, hold_rng = torch.Generator().manual_seed(seed), np.random.default_rng([seed, 1])

    def encoded_chunks() -> Iterator[CompactRows]:
        for chunk in _progress(stream.chunks(), stream.path, "pass 2 of 2 (encode)", rows):
            keep = ~_holdout_flags(hold_rng, len(chunk), fraction)
            yield CompactRows.encode(transformer, chunk[keep] if fraction else chunk, rng)

    encoded = CompactRows.filled(encoded_chunks(), rows)  # the hold-out's share of the capacity stays unused
    codes = encoded.codes  # int32 slot codes of the discrete columns, in transformer.discrete order
    schema = domain.fit_schema(infos, transformer, target, codes, options)
    holdout = sample[held].reset_index(drop=True) if fraction else None
    kept = train_sample if len(train_sample) <= REFERENCE_ROWS else \
        train_sample.sample(REFERENCE_ROWS, random_state=seed % 2**31).sort_index().reset_index(drop=True)
    if holdout is not None and len(holdout) > REFERENCE_ROWS // 4:
        holdout = holdout.sample(REFERENCE_ROWS // 4, random_state=seed % 2**31).reset_index(drop=True)
    reference = TabularReference(kept, kinds, holdout, target, seed)
    real = train_sample if len(train_sample) <= 2000 else train_sample.sample(2000, random_state=seed % 2**31)
    report = domain.training_report(rows, schema, where, options, len(encoded))
    report.skipped[f"read in chunks of {stream.chunk_rows:,} rows ({rows:,} rows): columns fitted on a uniform "
                   f"sample of {len(sample):,}"] = 1
    return TabularTrainingData(encoded, codes, schema.condition_draws(float(options.get("log_frequency", 0.0))),
                               schema=schema, table=train_sample, options=options, reference=reference,
                               real_samples=real.reset_index(drop=True), report=report)


def _progress(chunks: Iterator[pd.DataFrame], path: Path, desc: str,
              total: int | None = None) -> Iterator[pd.DataFrame]:
    """Chunks with the core's progress display (:func:`genforge.track`), in rows read."""
    return track(chunks, total, f"reading {path.name}, {desc}", "row", len)
