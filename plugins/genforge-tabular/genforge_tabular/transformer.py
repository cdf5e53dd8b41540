"""Tables <-> tensors: every column through its encoder (``encoders/``), fully vectorized.

Continuous columns get mode-specific normalization (CTGAN), categorical columns one-hot
codes, a column that a categorical column determines is derived from it
(``dependencies.py``), a numeric column that other columns determine (a ratio, a tied zero
mass: ``numeric_relations.py``) is set from them after decoding, constant and ID-like columns
are reproduced. After training, the
numeric marginals are calibrated (:meth:`TableTransformer.calibrate`). The state holds plain
Python values only (weights-only checkpoints).
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pandas as pd
import torch

from genforge import track
from genforge_tabular.columns import MODELLED_AS_CONTINUOUS, MODELLED_AS_DISCRETE, ColumnInfo
from genforge_tabular.encoders import (FIT_ROWS, MAX_CATEGORIES, ColumnEncoder, ContinuousEncoder, DerivedColumn,
                                       DiscreteEncoder, FixedColumn, encoder_from_state, output_seed)
from genforge_tabular.column_rules import apply_after_decoding, find_table_rules
from genforge_tabular.level_combinations import apply_combinations
from genforge_tabular.numeric_bounds import BoundRule
from genforge_tabular.numeric_relations import (NumericRelation, NumericRule, apply_rules, model_frame,
                                                replaces_child, rule_from_state)


class TableTransformer:
    """All columns of a table: encode a DataFrame into one float tensor and back."""

    def __init__(self, encoders: list[ColumnEncoder], rules: list[NumericRule] | None = None):
        self.encoders = encoders
        #: numeric columns set from other columns after decoding (``numeric_relations.py``)
        self.rules = list(rules or [])
        self.columns = [e.state["name"] for e in encoders]
        self.blocks: list[tuple[int, int]] = []
        start = 0
        for enc in encoders:
            self.blocks.append((start, start + enc.width))
            start += enc.width
        self.width = start
        self.discrete = [i for i, e in enumerate(encoders) if isinstance(e, DiscreteEncoder)]
        self.derived = {e.state["name"]: e for e in encoders if isinstance(e, DerivedColumn)}

    @classmethod
    def fit(cls, df: pd.DataFrame, infos: list[ColumnInfo], seed: int = 0, fit_rows: int = FIT_ROWS,
            max_categories: int = MAX_CATEGORIES, dependencies: dict[str, str] | None = None,
            calibrate: bool = True, relations: bool = False, target: str | None = None) -> "TableTransformer":
        """``dependencies`` (``{column: parent}``, from :func:`find_dependencies`): columns
        derived from their parent instead of modelled. ``calibrate``: numeric marginals can be
        calibrated after training (:meth:`calibrate`). ``relations``: find the numeric rules of
        ``numeric_relations.py`` (never with ``target`` as a child)."""
        encoders = []
        dependencies = dependencies or {}
        for i, info in enumerate(track(infos, desc="fitting column encoders", unit="column")):
            if info.name in dependencies:
                encoders.append(DerivedColumn.fit(info, df[info.name], df[dependencies[info.name]]))
            elif info.kind in MODELLED_AS_CONTINUOUS:
                encoders.append(ContinuousEncoder.fit(info, df[info.name], seed + i, fit_rows, calibrate))
            elif info.kind in MODELLED_AS_DISCRETE:
                encoders.append(DiscreteEncoder.fit(info, df[info.name], max_categories))
            else:
                encoders.append(FixedColumn.fit(info, df[info.name]))
        if not relations:
            return cls(encoders)
        found = cls(encoders)
        rules = find_table_rules(df, encoders, found.kinds(), found.grids(), target, seed)
        modelled = model_frame(df, rules, found.kinds())  # residuals, gaps, places in a range
        for i, info in enumerate(infos):
            rule = next((r for r in rules if r.child == info.name and replaces_child(r)), None)
            if rule is None:
                continue
            if not isinstance(rule, NumericRelation):  # a number, whatever the child was
                values = modelled[info.name]
                whole = isinstance(rule, BoundRule) and np.all(values == np.round(values))
                info = ColumnInfo(info.name, "integer" if whole else "continuous", 0.0, info.dtype)
            encoders[i] = ContinuousEncoder.fit(info, modelled[info.name], seed + i, fit_rows, calibrate)
        return cls(encoders, rules)

    def kinds(self) -> dict[str, str]:
        """Each column's data kind (a derived column's too)."""
        return {e.state["name"]: e.state.get("data_kind", e.state["kind"]) for e in self.encoders}

    def grids(self) -> dict[str, dict[str, Any]]:
        """The value grid (encoder state) of every modelled numeric column."""
        return {e.state["name"]: e.state for e in self.encoders if isinstance(e, ContinuousEncoder)}

    def to_state(self) -> list[dict[str, Any]]:
        return [e.state for e in self.encoders]

    def rules_state(self) -> list[dict[str, Any]]:
        return [r.state for r in self.rules]

    @classmethod
    def from_state(cls, state: list[dict[str, Any]], rules: list[dict[str, Any]] | None = None) -> "TableTransformer":
        return cls([encoder_from_state(s) for s in state], [rule_from_state(r) for r in rules or []])

    def spans(self) -> list[tuple[int, int, str]]:
        """``(start, end, activation)`` of every output block of the generator."""
        out, start = [], 0
        for enc in self.encoders:
            for width, activation in enc.spans():
                out.append((start, start + width, activation))
                start += width
        return out

    def model_frame(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` as the generator models it (near relations' residuals, ``numeric_relations.py``)."""
        return model_frame(df, self.rules, self.kinds()) if self.rules else df

    def encode(self, df: pd.DataFrame, rng: torch.Generator) -> torch.Tensor:
        df = self.model_frame(df)
        parts = [e.encode(df[e.state["name"]], rng) for e in self.encoders if e.width]
        return torch.from_numpy(np.concatenate(parts, axis=1)) if parts else torch.zeros(len(df), 0)

    def codes(self, df: pd.DataFrame) -> torch.Tensor:
        """Slot codes of the discrete columns, shape ``(rows, discrete columns)``."""
        cols = [self.encoders[i].codes(df[self.columns[i]]) for i in self.discrete]
        return torch.from_numpy(np.stack(cols, 1)) if cols else torch.zeros(len(df), 0, dtype=torch.long)

    def calibrated_columns(self) -> list[tuple[ContinuousEncoder, int, int]]:
        """The numeric columns whose marginals are calibrated, with their output blocks."""
        return [(enc, a, b) for enc, (a, b) in zip(self.encoders, self.blocks)
                if isinstance(enc, ContinuousEncoder) and enc.state.get("quantiles") is not None]

    def calibrate(self, chunks: Iterable[torch.Tensor]) -> None:
        """Calibrate every numeric column's marginal on generator output (encoded chunks of
        unconditional samples)."""
        numeric = self.calibrated_columns()
        generated: list[list[np.ndarray]] = [[] for _ in numeric]
        for chunk in chunks:
            block = chunk.detach().cpu().numpy()
            for values, (enc, a, b) in zip(generated, numeric):
                x, missing = enc.values(block[:, a:b])
                values.append(x[~missing])
        for values, (enc, _, _) in zip(generated, numeric):
            enc.calibrate(np.concatenate(values) if values else np.zeros(0))

    def decode(self, data: torch.Tensor) -> pd.DataFrame:
        block = data.detach().cpu().numpy()
        seed = output_seed(block)
        series = [enc.decode(block[:, a:b], seed + i) for i, (enc, (a, b)) in enumerate(zip(self.encoders, self.blocks))
                  if not isinstance(enc, DerivedColumn)]
        if not series:
            return pd.DataFrame(index=range(len(block)))
        frame = apply_combinations(pd.concat(series, axis=1), self.rules, seed + 2 * len(self.encoders))
        frame = self.derive(frame, seed + len(self.encoders))
        return apply_after_decoding(frame, self.rules, self.kinds())[self.columns]

    def derive(self, df: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
        """Set the derived columns of ``df`` from their parents, then the numeric rules'
        children (after decoding, or after a parent changed)."""
        for i, (name, enc) in enumerate(self.derived.items()):
            df[name] = enc.derive(df[enc.state["parent"]], seed + i).set_axis(df.index)
        if self.rules:
            apply_rules(df, self.rules, self.grids(), self.kinds(), seed + len(self.derived))
        return df
