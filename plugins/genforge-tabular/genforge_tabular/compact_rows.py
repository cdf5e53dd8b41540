"""The encoded training table held compactly: slot codes (int32) for the categorical blocks, the
scalar (float32) and mode (int16) of each numeric block, and dense one-hot rows built only for
the rows of a batch.

``TableTransformer.encode`` makes one dense float32 matrix, rows x width (934 columns for the
40-column benchmark table: 3.7 GB at 10^6 rows, twice that while its parts are concatenated).
:class:`CompactRows` holds the same information in ``rows x (discrete + 2 x numeric)`` small
numbers (about 0.2 GB at 10^6 rows for that table) and gives back exactly the dense rows:
the numeric columns are encoded by the same encoders with the same random draws, one column
at a time, so a batch is bit-for-bit the batch of the dense matrix.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd
import torch

from genforge import track
from genforge_tabular.encoders import ContinuousEncoder, DiscreteEncoder
from genforge_tabular.transformer import TableTransformer

#: tables of at least this many training rows are held compactly (smaller ones as the dense
#: tensor, which the target classifier's tests and callers of ``data.encoded`` read directly)
COMPACT_ROWS = 100_000


class CompactRows:
    """Row-indexable like the dense encoded tensor: ``rows[idx]`` is ``(len(idx), width)`` float32."""

    def __init__(self, width: int, discrete_starts: torch.Tensor, codes: torch.Tensor,
                 numeric_starts: torch.Tensor, scalars: torch.Tensor, modes: torch.Tensor):
        self.width = width
        self.discrete_starts, self.codes = discrete_starts, codes
        self.numeric_starts, self.scalars, self.modes = numeric_starts, scalars, modes

    @classmethod
    def encode(cls, transformer: TableTransformer, df: pd.DataFrame, rng: torch.Generator) -> "CompactRows":
        """The rows of ``df`` as ``transformer.encode`` would give them, held compactly."""
        d_starts, d_codes, n_starts, scalars, modes = [], [], [], [], []
        df = transformer.model_frame(df)
        pairs = zip(transformer.encoders, transformer.blocks)
        for enc, (start, _) in track(pairs, len(transformer.encoders), f"encoding {len(df):,} rows", "column"):
            if not enc.width:
                continue
            series = df[enc.state["name"]]
            if isinstance(enc, DiscreteEncoder):  # encode() draws nothing for these: the same stream
                d_starts.append(start)
                d_codes.append(enc.codes(series).astype(np.int32))
            elif isinstance(enc, ContinuousEncoder):
                block = enc.encode(series, rng)  # this column only: rows x (1 + modes + 1)
                n_starts.append(start)
                scalars.append(block[:, 0].astype(np.float32))
                modes.append(np.argmax(block[:, 1:], axis=1).astype(np.int16))
            else:
                raise TypeError(f"no compact form for {type(enc).__name__}")
        n = len(df)
        width = transformer.blocks[-1][1] if transformer.blocks else 0

        def stack(parts, dtype):
            return torch.from_numpy(np.stack(parts, 1)) if parts else torch.zeros(n, 0, dtype=dtype)

        return cls(width, torch.tensor(d_starts, dtype=torch.long), stack(d_codes, torch.int32),
                   torch.tensor(n_starts, dtype=torch.long), stack(scalars, torch.float32), stack(modes, torch.int16))

    @classmethod
    def filled(cls, parts: Iterable["CompactRows"], capacity: int) -> "CompactRows":
        """The rows of ``parts`` (chunks encoded by the same transformer, at most ``capacity``
        rows in all) one after the other, copied into tensors allocated once: memory holds the
        rows and one part, never the parts and their concatenation (2 x 1.98 GB at 10^7 rows of
        the 40-column benchmark table)."""
        out, filled = None, 0
        for part in parts:
            if out is None:
                out = cls(part.width, part.discrete_starts, _empty(part.codes, capacity), part.numeric_starts,
                          _empty(part.scalars, capacity), _empty(part.modes, capacity))
            for mine, theirs in ((out.codes, part.codes), (out.scalars, part.scalars), (out.modes, part.modes)):
                mine[filled:filled + len(part)] = theirs
            filled += len(part)
        if out is None:
            raise ValueError("no rows to hold")
        return cls(out.width, out.discrete_starts, out.codes[:filled], out.numeric_starts, out.scalars[:filled],
                   out.modes[:filled])

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, width)``, as the dense matrix's."""
        return (len(self), self.width)

    def __getitem__(self, idx: torch.Tensor | slice) -> torch.Tensor:
        idx = torch.arange(len(self))[idx] if isinstance(idx, slice) else torch.as_tensor(idx, dtype=torch.long)
        out = torch.zeros(len(idx), self.width)
        row = torch.arange(len(idx))[:, None]
        if len(self.discrete_starts):
            out[row, self.discrete_starts + self.codes[idx].long()] = 1.0
        if len(self.numeric_starts):
            out[row, self.numeric_starts] = self.scalars[idx]
            out[row, self.numeric_starts + 1 + self.modes[idx].long()] = 1.0
        return out

    @property
    def nbytes(self) -> int:
        return sum(t.element_size() * t.nelement() for t in (self.codes, self.scalars, self.modes))


def _empty(like: torch.Tensor, rows: int) -> torch.Tensor:
    """Uninitialised ``(rows, columns)`` of ``like``'s dtype (pages are touched only as rows are filled)."""
    return torch.empty(rows, like.shape[1], dtype=like.dtype)
