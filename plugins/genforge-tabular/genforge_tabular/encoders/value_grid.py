"""The value grid of a numeric column: how the data writes its numbers, so that every synthetic
value is written alike.

* ``levels``: a column with at most :data:`MAX_LEVELS` distinct values (or an integer column of
  codes, see :data:`CODE_COVERAGE`, or one whose rows mostly repeat a value, :data:`REPEATED_SHARE`)
  takes only those values, with their training shares
  (``level_cdf``): calibration draws levels, never a value between two;
* ``decimals``: the decimal places the data is recorded with (up to 6);
* ``float32``: values stored as float32 and printed as float64 (``3.200000047683716``): the
  synthetic values are rounded in float32's decimals and stored the same way;
* ``step`` / ``origin``: values on a regular step (multiples of 0.5, of 100) stay on it;
* datetime ``resolution``: whole days stay whole days.
"""
from __future__ import annotations

from typing import Any

import numpy as np

#: an integer column whose observed values cover less than this share of the whole numbers
#: in their range (codes, not counts) has its synthetic values snapped to observed ones
CODE_COVERAGE = 0.5
#: ... when it has at most this many distinct values
MAX_CODES = 5000
#: a numeric column with at most this many distinct values is written as those values
MAX_LEVELS = 32
#: the grid keys a rule keeps to write the values it computes (``zero_masses.write_on_grid``)
WRITE_KEYS = ("decimals", "float32", "step", "origin", "levels", "codes", "repeated")
#: ... as is one where this share of the rows carries a value that repeats (``repeated_values``)
REPEATED_SHARE = 0.85
MAX_DECIMALS = 6


def learn_grid(x: np.ndarray, kind: str) -> dict:
    """The grid of a column's non-missing training values ``x`` (plain data for the state)."""
    grid = {"decimals": 0, "float32": False, "step": None, "origin": None, "levels": None, "level_cdf": None,
            "repeated": False}
    if kind == "datetime" or not len(x):
        return grid
    values, counts = np.unique(x, return_counts=True)
    structural = len(values) <= MAX_LEVELS or code_values(x, kind) is not None
    if structural or repeated_values(counts):
        grid["levels"], grid["repeated"] = values.tolist(), not structural
        grid["level_cdf"] = (np.cumsum(counts) / counts.sum()).tolist()
    if kind == "integer":
        grid["decimals"] = 0
    else:
        grid["decimals"] = decimals(x)
        if grid["decimals"] == MAX_DECIMALS and is_float32(x):
            grid["float32"], grid["decimals"] = True, decimals(x, float32=True)
    scaled = np.round(values * 10.0 ** grid["decimals"])
    if len(values) > 2 and np.abs(scaled).max() < 2**53:
        step = int(np.gcd.reduce(np.diff(scaled).astype(np.int64)))
        if step > 1:
            grid["step"], grid["origin"] = step / 10.0 ** grid["decimals"], float(values[0])
    return grid


def repeated_values(counts: np.ndarray) -> bool:
    """Whether a column's values are a set the data draws from (rounded salaries, lab values on a
    scale): at least :data:`REPEATED_SHARE` of its rows carry a value seen more than once, and it
    has at most :data:`MAX_CODES` values. Its synthetic values are then those values; a value a
    rule computes (``numeric_relations.py``, ``numeric_bounds.py``) keeps its decimals and step
    instead (``repeated`` in the grid), since a sum of two such values need not be one."""
    return len(counts) <= MAX_CODES and counts[counts > 1].sum() >= REPEATED_SHARE * counts.sum()


def tolerance(grid: dict[str, Any], values: np.ndarray) -> np.ndarray:
    """How far a value may be from the relation's and still be the same value on the child's
    grid: half its step or last decimal, plus float rounding."""
    half = 0.5 * (grid.get("step") or 10.0 ** -int(grid.get("decimals") or 0))
    return half * 1.001 + 1e-9 * np.abs(values)


def on_grid(x: np.ndarray, state: dict) -> np.ndarray:
    """Non-level values written as the data writes them: step, decimals, float32 storage."""
    if state.get("step"):
        x = state["origin"] + np.round((x - state["origin"]) / state["step"]) * state["step"]
    x = np.round(x, state.get("decimals", 0))
    if state.get("float32"):
        x = x.astype(np.float32).astype(np.float64)
    return x


def is_float32(x: np.ndarray) -> bool:
    """Whether every value is exactly a float32 number (data that went through float32)."""
    return bool(np.all(x.astype(np.float32).astype(np.float64) == x))


def level_at(u: np.ndarray, levels: list[float], level_cdf: list[float]) -> np.ndarray:
    """The level whose share of the training values covers quantile ``u`` (in [0, 1])."""
    at = np.searchsorted(np.asarray(level_cdf), u, side="left")
    return np.asarray(levels, dtype=float)[np.clip(at, 0, len(levels) - 1)]


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


def decimals(x: np.ndarray, float32: bool = False) -> int:
    """Decimal places the data is recorded with (up to 6), so synthetic values look alike;
    ``float32``: the places of the values read as float32 numbers."""
    sample = x[:2000]
    if float32:
        single = sample.astype(np.float32)
        for d in range(MAX_DECIMALS + 1):
            if np.all(np.round(sample, d).astype(np.float32) == single):
                return d
        return MAX_DECIMALS
    for d in range(MAX_DECIMALS + 1):
        if np.allclose(np.round(sample, d), sample, rtol=0, atol=1e-9 * max(1.0, np.abs(sample).max())):
            return d
    return MAX_DECIMALS


def resolution(seconds: np.ndarray) -> int:
    """The coarsest of day / hour / minute / second that every timestamp is a multiple of."""
    for step in (86400, 3600, 60):
        if np.all(np.mod(seconds, step) == 0):
            return step
    return 1
