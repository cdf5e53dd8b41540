"""Desirability transforms: a raw property value -> a score in [0, 1] (Derringer-Suich style).

:class:`Window` is 1 inside ``[low, high]`` and falls linearly to 0 over ``width``
outside it (either end may be open); :class:`Identity` passes a score already in
[0, 1]; :class:`Decreasing` maps ``[best, worst]`` linearly to ``[1, 0]`` (SA score).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Identity:
    def __call__(self, values: np.ndarray) -> np.ndarray:
        return np.clip(np.nan_to_num(np.asarray(values, dtype=float), nan=0.0), 0.0, 1.0)

    def describe(self) -> str:
        return "score as is"


@dataclass(frozen=True)
class Window:
    low: float = -math.inf
    high: float = math.inf
    width: float = 0.0

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError(f"impossible window: low {self.low} > high {self.high}")
        if self.width < 0:
            raise ValueError(f"width must be >= 0, got {self.width}")

    def __call__(self, values: np.ndarray) -> np.ndarray:
        v = np.asarray(values, dtype=float)
        outside = np.maximum(self.low - v, 0.0) + np.maximum(v - self.high, 0.0)
        if self.width > 0:
            out = np.clip(1.0 - outside / self.width, 0.0, 1.0)
        else:
            out = (outside == 0).astype(float)
        return np.where(np.isnan(v), 0.0, out)

    def describe(self) -> str:
        return f"1 in [{self.low:g}, {self.high:g}], 0 beyond {self.width:g} outside"


@dataclass(frozen=True)
class Decreasing:
    best: float
    worst: float

    def __call__(self, values: np.ndarray) -> np.ndarray:
        v = np.asarray(values, dtype=float)
        out = np.clip((self.worst - v) / (self.worst - self.best), 0.0, 1.0)
        return np.where(np.isnan(v), 0.0, out)

    def describe(self) -> str:
        return f"1 at {self.best:g}, 0 at {self.worst:g}"
