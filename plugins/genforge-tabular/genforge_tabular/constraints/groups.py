"""Constraints over sets of categorical columns, and the user's own predicate.

``fixed_combinations`` and ``one_hot`` hold by construction: the group is learned as one
categorical column (the index of the real combination, or of the hot column) and split
back after sampling, so a generated row can only carry a combination the real rows have.
A ``predicate`` (``"module:function"``, called on a DataFrame, returning one bool per row)
is applied by rejection.
"""
from __future__ import annotations

import importlib
from typing import Any, Callable

import numpy as np
import pandas as pd

from genforge.errors import UserInputError
from genforge_tabular.constraints.base import Constraint, as_plain, restore_column

#: the text that stands for a missing value when combinations are compared
MISSING = "\x00<missing>"


def _keys(df: pd.DataFrame, columns: list[str]) -> pd.Series:
    """One text key per row for the values of ``columns`` (missing values included)."""
    parts = [df[c].astype(object).where(df[c].notna(), MISSING).astype(str) for c in columns]
    key = parts[0]
    for part in parts[1:]:
        key = key + "\x1f" + part
    return key


class FixedCombinations(Constraint):
    """Only the combinations of ``columns`` that occur in the real rows."""

    kind = "fixed_combinations"

    def __init__(self, columns: list[str]):
        self.columns_ = [str(c) for c in columns]

    def columns(self) -> list[str]:
        return list(self.columns_)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.columns_!r})"

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.to_dict() == self.to_dict()

    def learned_name(self) -> str:
        return " & ".join(self.columns_)

    def fit(self, df: pd.DataFrame, where: str) -> dict[str, Any]:
        if len(self.columns_) < 2:
            raise UserInputError(f"{where}: fixed_combinations needs at least two columns")
        counts = _keys(df, self.columns_).value_counts(sort=False)
        first = df.assign(_key=_keys(df, self.columns_).to_numpy()).drop_duplicates("_key").set_index("_key")
        combos = [[as_plain(v) for v in first.loc[k, self.columns_]] for k in counts.index]
        return {"keys": list(counts.index), "combinations": combos, "counts": counts.astype(int).tolist(),
                "dtypes": [str(df[c].dtype) for c in self.columns_], "column": self.learned_name()}

    def valid(self, df: pd.DataFrame, where: str = "", state: dict[str, Any] | None = None) -> np.ndarray:
        return _keys(df, self.columns_).isin(set(state["keys"])).to_numpy()

    def replaces(self, state):
        return list(self.columns_)

    def learned(self, state):
        return {state["column"]: "categorical"}

    def transform(self, df, state):
        index = {k: i for i, k in enumerate(state["keys"])}
        return {state["column"]: _keys(df, self.columns_).map(index).rename(state["column"])}

    def inverse(self, df, state):
        codes = pd.to_numeric(df[state["column"]], errors="coerce").fillna(0).astype(int).clip(
            0, len(state["combinations"]) - 1).to_numpy()
        table = np.empty((len(state["combinations"]), len(self.columns_)), dtype=object)
        table[:] = state["combinations"]
        return {c: restore_column(table[codes, i].tolist(), dtype, c).set_axis(df.index)
                for i, (c, dtype) in enumerate(zip(self.columns_, state["dtypes"]))}

    def condition_values(self, state, conditions):
        wanted = {self.columns_.index(c): str(v) for c, v in conditions.items() if c in self.columns_}
        out = []
        for code, (combo, count) in enumerate(zip(state["combinations"], state["counts"])):
            if all(_same(combo[i], v) for i, v in wanted.items()):
                out.append((code, float(count)))
        return out

    def to_dict(self):
        return {"kind": self.kind, "columns": list(self.columns_)}


def _same(value: Any, text: str) -> bool:
    if value is None:
        return text.lower() in ("nan", "none", "<na>", "")
    if str(value) == text:
        return True
    try:
        return isinstance(value, (int, float)) and float(text) == value
    except ValueError:
        return False


class OneHot(FixedCombinations):
    """Exactly one of ``columns`` is 1 (or true) on every row, the others 0."""

    kind = "one_hot"

    def fit(self, df: pd.DataFrame, where: str) -> dict[str, Any]:
        if len(self.columns_) < 2:
            raise UserInputError(f"{where}: one_hot needs at least two columns")
        for c in self.columns_:
            values = set(pd.unique(df[c].dropna()))
            if not values <= {0, 1, True, False}:
                bad = sorted(map(repr, values - {0, 1}))[:3]
                raise UserInputError(f"{where}: column {c!r} holds {', '.join(bad)}; a one-hot column holds 0/1")
        hot = self._hot(df)
        counts = np.bincount(hot[hot >= 0], minlength=len(self.columns_))
        return {"counts": counts.astype(int).tolist(), "dtypes": [str(df[c].dtype) for c in self.columns_],
                "column": "one hot of " + self.learned_name()}

    def _hot(self, df: pd.DataFrame) -> np.ndarray:
        """The hot column's index per row, -1 where not exactly one is 1."""
        block = np.column_stack([pd.to_numeric(df[c], errors="coerce").fillna(-1).to_numpy(dtype=float)
                                 for c in self.columns_])
        ok = (np.isin(block, (0.0, 1.0)).all(axis=1)) & ((block == 1.0).sum(axis=1) == 1)
        return np.where(ok, block.argmax(axis=1), -1)

    def valid(self, df, where="", state=None):
        return self._hot(df) >= 0

    def transform(self, df, state):
        return {state["column"]: pd.Series(self._hot(df), index=df.index, name=state["column"])}

    def inverse(self, df, state):
        hot = pd.to_numeric(df[state["column"]], errors="coerce").fillna(0).astype(int).clip(
            0, len(self.columns_) - 1).to_numpy()
        out = {}
        for i, (c, dtype) in enumerate(zip(self.columns_, state["dtypes"])):
            bits = hot == i
            out[c] = pd.Series(bits if dtype == "bool" else bits.astype(np.int64), index=df.index, name=c)
        return out

    def condition_values(self, state, conditions):
        allowed = set(range(len(self.columns_)))
        for c, v in conditions.items():
            if c in self.columns_:
                i = self.columns_.index(c)
                on = str(v).lower() in ("1", "1.0", "true")
                allowed &= {i} if on else allowed - {i}
        return [(i, float(state["counts"][i])) for i in sorted(allowed)]


class Predicate(Constraint):
    """A user's function ``"module:name"``: ``f(DataFrame) -> one bool per row``; by rejection."""

    kind = "predicate"

    def __init__(self, function: str | Callable, columns: list[str] | None = None):
        if callable(function):
            function = f"{function.__module__}:{function.__qualname__}"
        self.function, self.columns_ = function, [str(c) for c in columns or []]
        self._resolved = None

    def columns(self) -> list[str]:
        return list(self.columns_)

    def __repr__(self) -> str:
        return f"Predicate({self.function!r})"

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.to_dict() == self.to_dict()

    def resolve(self, where: str = "") -> Callable:
        if self._resolved is None:
            module, _, name = str(self.function).partition(":")
            if not module or not name:
                raise UserInputError(f"{where}: function {self.function!r} must be written \"module:name\"")
            try:
                target: Any = importlib.import_module(module)
                for part in name.split("."):
                    target = getattr(target, part)
            except (ImportError, AttributeError) as exc:
                raise UserInputError(f"{where}: cannot import {self.function!r} ({exc}); the module must be "
                                     "importable where the model is trained and sampled") from None
            self._resolved = target
        return self._resolved

    def valid(self, df: pd.DataFrame, where: str = "", state=None) -> np.ndarray:
        result = np.asarray(self.resolve(where)(df.copy()))
        if result.shape != (len(df),) or result.dtype != bool:
            raise UserInputError(f"{where}: {self.function} returned {result.dtype} of shape {result.shape}; it "
                                 f"must return one bool per row ({len(df)} rows)")
        return result

    def fit(self, df, where):
        self.resolve(where)
        return None

    def to_dict(self):
        out = {"kind": self.kind, "function": self.function}
        if self.columns_:
            out["columns"] = list(self.columns_)
        return out

    def describe(self) -> str:
        return f"predicate {self.function}"
