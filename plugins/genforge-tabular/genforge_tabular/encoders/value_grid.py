"""The value grid of a numeric column: how the data writes its numbers, so synthetic values
are written alike (decimal places, integer codes, datetime resolution)."""
from __future__ import annotations

import numpy as np

#: an integer column whose observed values cover less than this share of the whole numbers
#: in their range (codes, not counts) has its synthetic values snapped to observed ones
CODE_COVERAGE = 0.5
#: ... when it has at most this many distinct values
MAX_CODES = 5000


def code_values(x: np.ndarray, kind: str) -> list[int] | None:
    """The observed values of a code-like integer column (see :data:`CODE_COVERAGE`), else None."""
    if kind != "integer" or not len(x):
        return None
    values = np.unique(x)
    if len(values) > MAX_CODES or len(values) >= CODE_COVERAGE * (values[-1] - values[0] + 1):
        return None
    return [int(v) for v in values]


def snap(x: np.ndarray, codes: list[int]) -> np.ndarray:
    """Each value to the nearest observed code."""
    table = np.asarray(codes, dtype=float)
    right = np.clip(np.searchsorted(table, x), 1, len(table) - 1)
    left = right - 1
    return np.where(np.abs(x - table[left]) <= np.abs(table[right] - x), table[left], table[right])


def decimals(x: np.ndarray) -> int:
    """Decimal places the data is recorded with (up to 6), so synthetic values look alike."""
    sample = x[:2000]
    for d in range(7):
        if np.allclose(np.round(sample, d), sample, rtol=0, atol=1e-9 * max(1.0, np.abs(sample).max())):
            return d
    return 6


def resolution(seconds: np.ndarray) -> int:
    """The coarsest of day / hour / minute / second that every timestamp is a multiple of."""
    for step in (86400, 3600, 60):
        if np.all(np.mod(seconds, step) == 0):
            return step
    return 1
