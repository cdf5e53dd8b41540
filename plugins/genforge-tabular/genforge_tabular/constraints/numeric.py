"""Constraints between numbers (or dates): inequality, range, positive, negative, formula.

By construction: an inequality's dependent side is learned as ``log1p`` of its gap to the
other side (so it can never cross it), a range's column as the logit of its place between
the bounds, a formula column is not learned at all but computed from its inputs.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from genforge.errors import UserInputError
from genforge_tabular.constraints.base import (Constraint, bound_values, column_style, from_numbers, numbers,
                                               offset_seconds)
from genforge_tabular.constraints.formula import Formula

#: a range column is learned as logit(s) with s clipped to [EDGE, 1 - EDGE]
EDGE = 1e-6
#: a formula holds when |value - formula| <= TOLERANCE * max(1, |formula|)
TOLERANCE = 1e-9


def _is_column(bound: Any, df: pd.DataFrame) -> bool:
    return isinstance(bound, str) and bound in df.columns


def _strictly_inside(x: np.ndarray, bound: np.ndarray | float, above: bool, whole: bool) -> np.ndarray:
    """``x`` moved off ``bound`` to the smallest step beyond it (for strict rules)."""
    if whole:
        step = np.floor(bound) + 1 if above else np.ceil(bound) - 1
        return np.maximum(x, step) if above else np.minimum(x, step)
    step = np.nextafter(bound, np.inf if above else -np.inf)
    return np.maximum(x, step) if above else np.minimum(x, step)


@dataclass
class Inequality(Constraint):
    """``low + offset <= high`` on every row (``<`` when strict); either side may be a
    constant (a number or a date), the offset a number or a duration ("1 day")."""

    low: Any = None
    high: Any = None
    offset: Any = None
    strict: bool = False
    kind = "inequality"

    def columns(self) -> list[str]:
        return [b for b in (self.low, self.high) if isinstance(b, str)]

    def sides(self, df: pd.DataFrame, where: str):
        return bound_values(df, self.low, where), bound_values(df, self.high, where), offset_seconds(self.offset, where)

    def valid(self, df: pd.DataFrame, where: str = "", state: dict[str, Any] | None = None) -> np.ndarray:
        low, high, off = self.sides(df, where)
        with np.errstate(invalid="ignore"):
            ok = (low + off < high) if self.strict else (low + off <= high)
        missing = np.isnan(low) | np.isnan(high)
        return np.broadcast_to(ok | missing, (len(df),)).copy()

    def fit(self, df: pd.DataFrame, where: str) -> dict[str, Any] | None:
        if not any(_is_column(b, df) for b in (self.low, self.high)):
            raise UserInputError(f"{where}: neither side is a column of the table ({self.low!r}, {self.high!r})")
        self.sides(df, where)  # type errors now, with the rule's name
        dependent, other = (self.high, self.low) if _is_column(self.high, df) else (self.low, self.high)
        if _is_column(other, df) and (df[other].isna() & df[dependent].notna()).any():
            return None  # a gap cannot stand for the value where the other side is missing
        return {"dependent": dependent, "side": "high" if dependent == self.high else "low",
                "style": column_style(df[dependent])}

    def replaces(self, state):
        return [state["dependent"]]

    def reads(self, state):
        other = self.low if state["side"] == "high" else self.high
        return [other] if isinstance(other, str) and other != state["dependent"] else []

    def learned(self, state):
        return {state["dependent"]: "continuous"}

    def transform(self, df, state):
        low, high, off = self.sides(df, "")
        gap = np.clip(high - low - off, 0, None)
        return {state["dependent"]: pd.Series(np.log1p(gap), index=df.index, name=state["dependent"])}

    def inverse(self, df, state):
        name, style, above = state["dependent"], state["style"], state["side"] == "high"
        gap = np.expm1(np.clip(pd.to_numeric(df[name], errors="coerce").to_numpy(dtype=float), 0, 700))
        other = bound_values(df, self.low if above else self.high, "")
        off = offset_seconds(self.offset, "")
        x = other + off + gap if above else other - off - gap
        bound = other + off if above else other - off
        whole = style["whole"] or style["datetime"]
        if whole:
            x = np.ceil(x) if above else np.floor(x)
        elif style.get("decimals") is not None:  # as many decimals as the real column, never across the bound
            x = np.round(x, style["decimals"])
            x = np.maximum(x, bound) if above else np.minimum(x, bound)
        if self.strict:
            x = _strictly_inside(x, bound, above, whole)
        x = np.broadcast_to(x, (len(df),))
        return {name: from_numbers(x, style, name).set_axis(df.index)}

    def describe(self) -> str:
        off = f" + {self.offset}" if self.offset else ""
        return f"inequality {self.low}{off} {'<' if self.strict else '<='} {self.high}"


class Positive(Inequality):
    """``column >= 0`` (``> 0`` when strict)."""

    kind = "positive"

    def __init__(self, column: str, strict: bool = False):
        super().__init__(low=0, high=column, strict=strict)
        self.column = column

    def to_dict(self):
        return {"kind": self.kind, "column": self.column, "strict": self.strict}

    def describe(self) -> str:
        return f"{self.kind} {self.column}"


class Negative(Positive):
    """``column <= 0`` (``< 0`` when strict)."""

    kind = "negative"

    def __init__(self, column: str, strict: bool = False):
        Inequality.__init__(self, low=column, high=0, strict=strict)
        self.column = column


@dataclass
class Range(Constraint):
    """``low <= column <= high`` (``<`` when strict); each bound a column or a constant."""

    column: str = ""
    low: Any = None
    high: Any = None
    strict: bool = False
    kind = "range"

    def columns(self) -> list[str]:
        return [self.column] + [b for b in (self.low, self.high) if isinstance(b, str)]

    def _values(self, df, where):
        return bound_values(df, self.low, where), numbers(df[self.column], where, self.column), \
            bound_values(df, self.high, where)

    def valid(self, df: pd.DataFrame, where: str = "", state: dict[str, Any] | None = None) -> np.ndarray:
        low, x, high = self._values(df, where)
        with np.errstate(invalid="ignore"):
            ok = ((low < x) & (x < high)) if self.strict else ((low <= x) & (x <= high))
        return np.broadcast_to(ok | np.isnan(x) | np.isnan(low) | np.isnan(high), (len(df),)).copy()

    def fit(self, df: pd.DataFrame, where: str) -> dict[str, Any] | None:
        if self.low is None or self.high is None:
            raise UserInputError(f"{where}: a range needs both low and high (use positive/negative or an "
                                 "inequality for one side)")
        self._values(df, where)
        for bound in (self.low, self.high):
            if _is_column(bound, df) and (df[bound].isna() & df[self.column].notna()).any():
                return None
        return {"style": column_style(df[self.column])}

    def replaces(self, state):
        return [self.column]

    def reads(self, state):
        return [b for b in (self.low, self.high) if isinstance(b, str) and b != self.column]

    def learned(self, state):
        return {self.column: "continuous"}

    def transform(self, df, state):
        low, x, high = self._values(df, "")
        width = high - low
        with np.errstate(invalid="ignore", divide="ignore"):
            s = np.where(width > 0, (x - low) / np.where(width > 0, width, 1), 0.5)
        s = np.clip(s, EDGE, 1 - EDGE)
        return {self.column: pd.Series(np.log(s / (1 - s)), index=df.index, name=self.column)}

    def inverse(self, df, state):
        style = state["style"]
        y = pd.to_numeric(df[self.column], errors="coerce").to_numpy(dtype=float)
        low, high = bound_values(df, self.low, ""), bound_values(df, self.high, "")
        x = low + (high - low) / (1 + np.exp(-np.clip(y, -50, 50)))
        whole = style["whole"] or style["datetime"]
        lo, hi = (np.ceil(low), np.floor(high)) if whole else (low, high)
        if whole:
            x = np.round(x)
        elif style.get("decimals") is not None:
            x = np.round(x, style["decimals"])
        x = np.clip(x, lo, hi)
        if self.strict:
            x = _strictly_inside(_strictly_inside(x, low, True, whole), high, False, whole)
        return {self.column: from_numbers(np.broadcast_to(x, (len(df),)), style, self.column).set_axis(df.index)}

    def describe(self) -> str:
        op = "<" if self.strict else "<="
        return f"range {self.low} {op} {self.column} {op} {self.high}"


@dataclass
class FormulaColumn(Constraint):
    """``column = expression`` of other columns (``total = a + b``): computed, never learned."""

    column: str = ""
    formula: str = ""
    kind = "formula"

    def __post_init__(self):
        text = self.formula
        if "=" in text and not self.column and not any(op in text for op in ("==", "<=", ">=", "!=")):
            self.column, text = (part.strip() for part in text.split("=", 1))
            self.formula = text
        self.column = self.column.strip("`")
        self._parsed = None

    def parsed(self, where: str = "") -> Formula:
        if self._parsed is None:
            self._parsed = Formula(self.formula, where)
        return self._parsed

    def check(self, where: str) -> None:
        self.parsed(where)

    def columns(self) -> list[str]:
        return [self.column] + self.parsed().columns

    def _evaluate(self, df, where):
        return self.parsed(where).evaluate({c: numbers(df[c], where, c) for c in self.parsed().columns})

    def valid(self, df: pd.DataFrame, where: str = "", state: dict[str, Any] | None = None) -> np.ndarray:
        x, f = numbers(df[self.column], where, self.column), self._evaluate(df, where)
        with np.errstate(invalid="ignore"):
            close = np.abs(x - f) <= TOLERANCE * np.maximum(1.0, np.abs(f))
        return np.broadcast_to(close | (np.isnan(x) & np.isnan(f)), (len(df),)).copy()

    def fit(self, df: pd.DataFrame, where: str) -> dict[str, Any]:
        if not self.column:
            raise UserInputError(f"{where}: a formula names its column: column = \"total\", "
                                 "formula = \"a + b\" (or formula = \"total = a + b\")")
        for column in self.columns():
            series = df[column]
            if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series)) \
                    or pd.api.types.is_bool_dtype(series):
                raise UserInputError(f"{where}: column {column!r} is not numeric ({series.dtype}); a formula "
                                     "computes numbers from numbers")
        return {"style": column_style(df[self.column])}

    def replaces(self, state):
        return [self.column]

    def reads(self, state):
        return [c for c in self.parsed().columns if c != self.column]

    def inverse(self, df, state):
        f = np.broadcast_to(self._evaluate(df, ""), (len(df),))
        style = dict(state["style"])
        finite = f[np.isfinite(f)]
        style["whole"] = style["whole"] and bool(np.all(np.mod(finite, 1) == 0))
        return {self.column: from_numbers(f, style, self.column).set_axis(df.index)}

    def to_dict(self):
        return {"kind": self.kind, "column": self.column, "formula": self.formula}

    def describe(self) -> str:
        return f"formula {self.column} = {self.formula}"
