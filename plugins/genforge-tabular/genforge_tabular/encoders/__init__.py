"""Column encoders, one per file: each turns one column into generator-output blocks and back.

``ContinuousEncoder`` (numeric / datetime: mode-specific normalization, calibration, value
grid), ``DiscreteEncoder`` (one-hot levels), ``FixedColumn`` (constant / ID-like, not
modelled), ``DerivedColumn`` (determined by a categorical parent). Each holds its learned
state as plain data in ``.state`` (weights-only checkpoints) and rebuilds from it.
"""
from __future__ import annotations

from typing import Any

from genforge_tabular.columns import MODELLED_AS_CONTINUOUS, MODELLED_AS_DISCRETE
from genforge_tabular.encoders.continuous import FIT_ROWS, ContinuousEncoder
from genforge_tabular.encoders.derived import DerivedColumn
from genforge_tabular.encoders.discrete import MAX_CATEGORIES, DiscreteEncoder
from genforge_tabular.encoders.fixed import FixedColumn
from genforge_tabular.encoders.values import output_seed, plain, restore_dtype, to_numbers

ColumnEncoder = ContinuousEncoder | DiscreteEncoder | FixedColumn | DerivedColumn

__all__ = ["FIT_ROWS", "MAX_CATEGORIES", "ColumnEncoder", "ContinuousEncoder", "DerivedColumn", "DiscreteEncoder",
           "FixedColumn", "encoder_from_state", "output_seed", "plain", "restore_dtype", "to_numbers"]


def encoder_from_state(state: dict[str, Any]) -> ColumnEncoder:
    """The encoder a saved ``state`` describes."""
    if state["kind"] == "derived":
        return DerivedColumn(state)
    if state["kind"] in MODELLED_AS_CONTINUOUS:
        return ContinuousEncoder(state)
    if state["kind"] in MODELLED_AS_DISCRETE:
        return DiscreteEncoder(state)
    return FixedColumn(state)
