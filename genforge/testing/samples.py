"""Comparing decoded samples of any domain, and metric values in a metric's direction."""
from __future__ import annotations

from typing import Any

import torch

from genforge.domain import MetricSpec


def same_samples(a: Any, b: Any) -> bool:
    """Whether two decoded sample collections are identical (tensors, arrays, tables, lists)."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and torch.equal(a, b)
    if hasattr(a, "equals") and callable(a.equals):  # pandas
        return bool(a.equals(b))
    if hasattr(a, "tobytes") and hasattr(b, "tobytes"):  # numpy arrays, PIL images
        return getattr(a, "shape", None) == getattr(b, "shape", None) and a.tobytes() == b.tobytes()
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_samples(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_samples(x, y) for x, y in zip(a, b))
    return bool(a == b)


def count(samples: Any) -> int:
    return len(samples)


def head(samples: Any, n: int) -> Any:
    """The first ``n`` samples, or all of them when the collection cannot be sliced."""
    if count(samples) <= n:
        return samples
    try:
        return samples[:n]
    except (TypeError, KeyError):
        return samples


def better(spec: MetricSpec, a: float, b: float, tol: float = 1e-9) -> bool:
    return a > b + tol if spec.higher_is_better else a < b - tol


def not_worse(spec: MetricSpec, a: float, b: float, tol: float = 1e-9) -> bool:
    return a >= b - tol if spec.higher_is_better else a <= b + tol


def within(spec: MetricSpec, value: float, tol: float = 1e-6) -> bool:
    lo, hi = spec.bounds
    return (lo is None or value >= lo - tol) and (hi is None or value <= hi + tol)
