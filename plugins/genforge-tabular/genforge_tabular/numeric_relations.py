"""Numeric columns that other columns determine: arithmetic relations and tied zero masses.

Real tables carry arithmetic between their numbers (``share = 0.0012 * expenditure / income``,
``total = a + b``, ``wage = exp(logwage)``) and zero masses tied to another column (days of
prior therapy are 0 exactly for the treatment-naive stratum: ``zero_masses.py``). A GAN models
each column as one more output and gets such structure slightly wrong on most rows — what a
real-vs-synthetic classifier finds first. So, at fit time, on the training rows:

* :class:`NumericRelation` — ``child = constant * op(a, b)``, ``op`` one of ``a + b``,
  ``a * b``, ``a / b``, ``a - b`` or one of ``a``, ``exp(a)``, ``log(a)``, ``1 / a``, the
  constant the median of ``child / op`` over its *support* (the rows where ``op`` is finite,
  and non-zero but for a sum or difference: at least :data:`MIN_SUPPORT` of the rows).
  *Exact* when it holds within the child's own value grid (half its step or last decimal) on at
  least :data:`MIN_HOLD` of the support: at decode the child is computed from the sampled
  parents there and written on its grid. *Near* when it explains at least
  :data:`NEAR_EXPLAINED` of the child's variance on the support without being exact (a rounded
  input): the generator models the residual ``child - constant * op`` instead of the child
  there, and decode adds it back. Off the support the generator's own value is kept — the child
  stays modelled, so rows recorded some other way are not lost.
* :class:`~genforge_tabular.zero_masses.ZeroRule` (``zero_masses.py``).

Zero rules are applied before relations, so a relation sees its parents' corrected zeros. A
relation's child is never a parent (no chains; of a triangle such as ``total = a + b`` /
``a = total - b``, the first operation in :data:`OPERATIONS` wins, then the later column); the
target is never a child. The search runs on at most :data:`SEARCH_ROWS` rows; what is found is
checked again on all rows. Found rules are listed in the data report (:func:`describe`) and
saved in the schema.
"""
from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from genforge_tabular.encoders.value_grid import WRITE_KEYS, tolerance
from genforge_tabular.encoders.values import to_numbers
from genforge_tabular.level_combinations import LevelCombinations
from genforge_tabular.level_ranges import LevelRange
from genforge_tabular.numeric_bounds import BoundRule
from genforge_tabular.zero_masses import (MIN_HOLD, ZeroRule, as_column, find_zero_rule, write_on_grid,
                                          zero_rule_holds)

#: share of the child's non-missing rows a relation's support must cover
MIN_SUPPORT = 0.5
#: a near relation explains at least this share of the child's variance on its support
NEAR_EXPLAINED = 0.999
#: a near relation's child has no value on this share of its rows
MAX_SPIKE = 0.05
#: a relation's child needs this many distinct values on its support (not a code or a flag)
MIN_DISTINCT = 10
#: rows searched; found rules are verified on all rows
SEARCH_ROWS = 5000
#: the operations, in the order of preference when several relate the same columns
OPERATIONS = ("sum", "product", "ratio", "scale", "exp", "log", "reciprocal", "difference")
UNARY = ("scale", "exp", "log", "reciprocal")
_SYMBOL = {"ratio": "/", "product": "*", "sum": "+", "difference": "-"}


def _apply(op: str, a: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return {"ratio": lambda: a / b, "product": lambda: a * b, "sum": lambda: a + b,
                "difference": lambda: a - b, "scale": lambda: a.copy(), "exp": lambda: np.exp(a),
                "log": lambda: np.log(a), "reciprocal": lambda: 1.0 / a}[op]()


def _support(op: str, values: np.ndarray) -> np.ndarray:
    """Where a relation's values are defined: finite, and non-zero but for a sum or difference
    (a zero there usually means the child is recorded some other way)."""
    return np.isfinite(values) & ((values != 0) | (op in ("sum", "difference")))


class NumericRelation:
    """``child = constant * op(a, b)`` on the rows where ``op`` is defined (exact), or plus a
    modelled residual there (near)."""

    def __init__(self, state: dict[str, Any]):
        self.state = state
        self.child, self.parents = state["child"], list(state["parents"])
        self.exact = bool(state["exact"])

    def values(self, df: pd.DataFrame, kinds: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
        """The relation's values and its support (where they replace the child's)."""
        a = to_numbers(df[self.parents[0]], kinds[self.parents[0]])
        b = to_numbers(df[self.parents[1]], kinds[self.parents[1]]) if len(self.parents) > 1 else None
        op = _apply(self.state["op"], a, b)
        support = _support(self.state["op"], op)
        return self.state["constant"] * np.where(support, op, 0.0), support

    def modelled(self, df: pd.DataFrame, kinds: dict[str, str]) -> pd.Series:
        """The child as the generator models it: ``child - relation`` on the support (near)."""
        value, support = self.values(df, kinds)
        child = to_numbers(df[self.child], kinds[self.child]).copy()
        child[support] -= value[support]
        return pd.Series(child, index=df.index, name=self.child)

    def apply(self, df: pd.DataFrame, kinds: dict[str, str]) -> None:
        """Set the child from the parents on the support (adding the generated residual when near)."""
        value, support = self.values(df, kinds)
        child = to_numbers(df[self.child], kinds[self.child]).copy()
        computed = value[support] if self.exact else value[support] + np.nan_to_num(child[support])
        child[support] = write_on_grid(computed, self.state["grid"])
        df[self.child] = as_column(child, df[self.child])

    def describe(self) -> str:
        s = self.state
        a = s["parents"][0]
        body = {"scale": a, "exp": f"exp({a})", "log": f"log({a})", "reciprocal": f"1 / {a}"}.get(s["op"]) or \
            f"{a} {_SYMBOL[s['op']]} {s['parents'][1]}"
        if s["constant"] != 1:
            body = f"{s['constant']:.6g} * {f'({body})' if s['op'] in ('sum', 'difference') else body}"
        fit = (f"on {s['hold']:.1%} of the rows where it is defined ({s['support']:.1%} of rows): computed from "
               "the sampled parents there") if self.exact else \
            (f"explaining {s['explained']:.4%} of its variance where it is defined ({s['support']:.1%} of rows): "
             "the residual is modelled, the relation computed from the sampled parents")
        return f"column {s['child']!r} = {body} {fit}"


NumericRule = NumericRelation | ZeroRule | BoundRule | LevelRange | LevelCombinations


def rule_from_state(state: dict[str, Any]) -> NumericRule:
    kinds = {"relation": NumericRelation, "bound": BoundRule, "level_range": LevelRange,
             "combination": LevelCombinations}
    return kinds.get(state["rule"], ZeroRule)(state)


def replaces_child(rule: NumericRule) -> bool:
    """Whether the generator models something else in the rule's child's place: a near
    relation's residual, a bound's gap, a level range's place in the range."""
    return isinstance(rule, (BoundRule, LevelRange)) or isinstance(rule, NumericRelation) and not rule.exact


def model_frame(df: pd.DataFrame, rules: list[NumericRule], kinds: dict[str, str]) -> pd.DataFrame:
    """``df`` as the generator models it (see :func:`replaces_child`; ``df`` itself when no
    rule replaces a child)."""
    modelled = [r for r in rules if replaces_child(r)]
    if not modelled:
        return df
    out = df.copy()
    for rule in modelled:  # from df: a bound's parent may itself be a bound's child
        out[rule.child] = rule.modelled(df, kinds)
    return out


def apply_rules(df: pd.DataFrame, rules: list[NumericRule], grids: dict[str, dict], kinds: dict[str, str],
                seed: int = 0) -> pd.DataFrame:
    """Set every rule's child in ``df`` (in place; zero rules first, then relations; bounds and level
    ranges are set once, after decoding: ``column_rules.apply_after_decoding``)."""
    for i, rule in enumerate(r for r in rules if isinstance(r, ZeroRule)):
        rule.apply(df, grids[rule.child], kinds, seed + i)
    for rule in rules:
        if isinstance(rule, NumericRelation):
            rule.apply(df, kinds)
    return df


# -- finding the rules ---------------------------------------------------------------------------
def find_numeric_rules(df: pd.DataFrame, kinds: dict[str, str], grids: dict[str, dict],
                       categorical: list[str], target: str | None, seed: int = 0) -> list[NumericRule]:
    """The rules of ``df``'s training rows. ``grids``: the value grid of every modelled numeric
    column (candidate children and numeric parents); ``categorical``: modelled categorical
    columns (zero-rule parents)."""
    numeric = [c for c in grids if kinds[c] != "datetime"]
    if not numeric:
        return []
    sub = df if len(df) <= SEARCH_ROWS else df.sample(SEARCH_ROWS, random_state=seed % 2**31)
    x = {c: to_numbers(sub[c], kinds[c]) for c in numeric}
    candidates = []  # per child, its relations from the best
    for child in numeric:
        if child != target:
            with np.errstate(all="ignore"):  # candidates that overflow are simply not relations
                found = _find_relations(child, x, grids[child], [c for c in numeric if c != child])
            if found:
                candidates.append(found)
    candidates.sort(key=lambda found: (not found[0].exact, OPERATIONS.index(found[0].state["op"]),
                                       -numeric.index(found[0].child)))
    rules: list[NumericRule] = []
    for found in candidates:  # each child's best relation that makes no chain with those kept
        with np.errstate(all="ignore"):
            rule = next((r for r in found if _no_chain(r, rules) and _relation_holds(r, df, kinds)), None)
        if rule is not None:
            rules.append(rule)
    children = {r.child for r in rules}
    for child in numeric:
        if child in children or child == target:
            continue
        found = find_zero_rule(child, sub, x, kinds, [c for c in numeric + categorical
                                                      if c != child and c not in children], grids)
        # zero rules run first: a zero rule's child may be a relation's parent, not another zero rule's
        if found is not None and zero_rule_holds(found, df, kinds) and \
                _no_chain(found, [r for r in rules if isinstance(r, ZeroRule)]):
            rules.append(found)
    return rules


def _no_chain(rule: NumericRule, kept: list[NumericRule]) -> bool:
    """Whether ``rule`` can join ``kept``: its child is no kept rule's parent, and no parent of
    it is a kept rule's child."""
    return all(rule.child not in r.parents and r.child not in rule.parents for r in kept)


def _find_relations(child: str, x: dict[str, np.ndarray], grid: dict, others: list[str]) -> list[NumericRelation]:
    """The relations of ``child``, best first (exact before near; then the highest hold or share
    of variance explained, the widest support)."""
    y = x[child]
    present = ~np.isnan(y)
    if present.sum() < MIN_DISTINCT or len(np.unique(y[present])) < MIN_DISTINCT:
        return None
    tol = tolerance(grid, y)
    # a child with a point mass (a value on MAX_SPIKE of its rows) is no near relation's: the
    # modelled residual would have to recreate the spike
    spike = np.unique(y[present], return_counts=True)[1].max() >= MAX_SPIKE * present.sum()
    candidates = [(op, (a,)) for a in others for op in UNARY]
    for a, b in combinations(others, 2):
        candidates += [("ratio", (a, b)), ("ratio", (b, a)), ("product", (a, b)), ("sum", (a, b)),
                       ("difference", (a, b)), ("difference", (b, a))]
    found = []
    for op, parents in candidates:
        v = _apply(op, x[parents[0]], x[parents[1]] if len(parents) > 1 else None)
        support = present & _support(op, v)
        n = int(support.sum())
        if n < MIN_SUPPORT * present.sum():
            continue
        ys, vs, ts = y[support], v[support], tol[support]
        with np.errstate(divide="ignore", invalid="ignore"):
            constant = float(np.median((ys / vs)[vs != 0]))
        if constant == 0 or not np.isfinite(constant) or len(np.unique(np.round(constant * vs, 12))) < MIN_DISTINCT:
            continue
        hold, explained = _fit(ys, constant * vs, ts)
        if hold >= 0.5 or explained >= NEAR_EXPLAINED:  # worth rounding the constant (0.0012, not 0.00120003)
            constant = _tidy(constant, ys, vs, ts, explained < NEAR_EXPLAINED or hold >= MIN_HOLD)
            hold, explained = _fit(ys, constant * vs, ts)
        if hold < MIN_HOLD and (explained < NEAR_EXPLAINED or spike):
            continue
        score = (hold >= MIN_HOLD, hold if hold >= MIN_HOLD else explained, n, -len(parents))
        found.append((score, NumericRelation({"rule": "relation", "child": child, "op": op, "parents": list(parents),
                                              "constant": constant, "exact": hold >= MIN_HOLD,
                                              "grid": {k: grid.get(k) for k in WRITE_KEYS}})))
    return [r for _, r in sorted(found, key=lambda item: item[0], reverse=True)]


def _fit(y: np.ndarray, predicted: np.ndarray, tol: np.ndarray) -> tuple[float, float]:
    """``(share of rows within the grid tolerance, share of y's variance explained)``."""
    error = y - predicted
    variance = float(np.var(y))
    explained = 1.0 - float(np.mean(error ** 2)) / variance if variance > 0 else 0.0
    return float(np.mean(np.abs(error) <= tol)), explained


def _tidy(constant: float, y: np.ndarray, v: np.ndarray, tol: np.ndarray, exact: bool) -> float:
    """The constant rounded to as few significant digits as fit best: the highest share of rows
    on the grid (``exact``, where a rounded constant often fits more rows than the median), or at
    most 1 % more unexplained variance than the median's (near)."""
    rounded = [float(f"{constant:.{digits}g}") for digits in range(1, 16)] + [constant]
    fits = [_fit(y, c * v, tol) for c in rounded]
    if exact:
        top = max(f[0] for f in fits)
        return next(c for c, f in zip(rounded, fits) if f[0] >= top)
    return next(c for c, f in zip(rounded, fits) if 1 - f[1] <= (1 - fits[-1][1]) * 1.01)


def _relation_holds(rule: NumericRelation, df: pd.DataFrame, kinds: dict[str, str]) -> bool:
    """Checked on all rows; the state gets the all-rows hold, variance explained and support."""
    y = to_numbers(df[rule.child], kinds[rule.child])
    value, support = rule.values(df, kinds)
    present = ~np.isnan(y)
    support &= present
    if support.sum() < MIN_SUPPORT * present.sum():
        return False
    hold, explained = _fit(y[support], value[support], tolerance(rule.state["grid"], y[support]))
    rule.state.update(hold=hold, explained=explained, support=float(support.sum() / present.sum()))
    return hold >= MIN_HOLD if rule.exact else explained >= NEAR_EXPLAINED


def describe(rules: list[NumericRule]) -> list[str]:
    """One line per rule, for the data report and ``genforge evaluate``."""
    return [r.describe() for r in rules]
