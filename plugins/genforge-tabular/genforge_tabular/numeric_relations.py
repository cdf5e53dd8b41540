"""Numeric columns that other columns determine: exact relations and tied zero masses.

Real tables carry arithmetic between their numbers (``share = 12 * expenditure / income /
10000``, ``total = a + b``, a duration that is the difference of two others) and zero masses
tied to another column (days of prior therapy are 0 exactly for the treatment-naive stratum;
spending is 0 whenever there is no card). A GAN models each column as one more output and gets
such structure slightly wrong on most rows — which is what a real-vs-synthetic classifier
finds first. So, at fit time, on the training rows:

* :class:`NumericRelation` — ``child = constant * op(a, b)`` with ``op`` one of ``a / b``,
  ``a * b``, ``a + b``, ``a - b`` or ``a`` (a rescaled copy), the constant the median of
  ``child / op``, holding within the child's own value grid (half its step or last decimal)
  on at least :data:`MIN_HOLD` of the rows where ``op`` is defined and non-zero (its
  *support*, at least :data:`MIN_SUPPORT` of the rows). At decode the child is computed from
  the sampled parents on the support rows and written on its grid; elsewhere (a parent 0 or
  missing) the generator's own value is kept — the child stays modelled, so those rows are not
  lost.
* :class:`ZeroRule` — ``child == 0`` whenever a condition holds (a numeric parent is 0, or a
  categorical parent takes one of a set of levels), on at least :data:`MIN_HOLD` of those rows,
  beyond chance (``P(zero) ** rows < MAX_CHANCE``). At decode the child is set to 0 there; when
  the tie goes both ways (the child is 0 *only* then), a generated 0 outside the condition is
  replaced by a non-zero training value (drawn from its quantiles, seeded).

Zero rules are applied before relations, so a relation sees its parents' corrected zeros. A
child is never a parent of a relation (no chains); the target is never a child. The search runs
on at most :data:`SEARCH_ROWS` rows; what is found is checked again on all rows. Found rules are
listed in the data report (:func:`describe`) and saved in the schema.
"""
from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from genforge_tabular.encoders.value_grid import MAX_LEVELS, on_grid, snap
from genforge_tabular.encoders.values import to_numbers

#: share of the support rows on which a rule must hold
MIN_HOLD = 0.99
#: share of the child's non-missing rows a relation's support must cover
MIN_SUPPORT = 0.5
#: a relation's child needs this many distinct values on its support (not a code or a flag)
MIN_DISTINCT = 10
#: a zero rule whose zeros all fall under its condition: the share of the condition's rows
#: that must be 0 (the condition's few non-zero rows are set to 0)
MIN_ZERO_WHEN = 0.95
#: largest chance probability (under independence) of a zero rule
MAX_CHANCE = 1e-9
#: rows searched; found rules are verified on all rows
SEARCH_ROWS = 5000
#: quantiles kept of a two-sided zero rule's non-zero values
NONZERO_QUANTILES = 101
#: the operations, in the order of preference when several relate the same columns
OPERATIONS = ("sum", "product", "ratio", "scale", "difference")
_SYMBOL = {"ratio": "/", "product": "*", "sum": "+", "difference": "-"}


def _apply(op: str, a: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if op == "ratio":
            return a / b
        if op == "product":
            return a * b
        if op == "sum":
            return a + b
        if op == "difference":
            return a - b
        return a.copy()


def _support(op: str, values: np.ndarray) -> np.ndarray:
    """Where a relation's values are defined: finite, and non-zero for a ratio, product or scale
    (a zero parent there usually means the child is recorded some other way)."""
    return np.isfinite(values) & ((values != 0) | (op in ("sum", "difference")))


def tolerance(grid: dict[str, Any], values: np.ndarray) -> np.ndarray:
    """How far a value may be from the relation's and still be the same value on the child's
    grid: half its step or last decimal, plus float rounding."""
    half = 0.5 * (grid.get("step") or 10.0 ** -int(grid.get("decimals") or 0))
    if grid.get("float32"):
        half = max(half, 0.5 * 10.0 ** -int(grid.get("decimals") or 0))
    return half * 1.001 + 1e-9 * np.abs(values)


class NumericRelation:
    """``child = constant * op(a, b)`` on the rows where ``op`` is defined and non-zero."""

    def __init__(self, state: dict[str, Any]):
        self.state = state
        self.child, self.parents = state["child"], list(state["parents"])

    def values(self, df: pd.DataFrame, kinds: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
        """The relation's values and its support (where they replace the child's)."""
        a = to_numbers(df[self.parents[0]], kinds[self.parents[0]])
        b = to_numbers(df[self.parents[1]], kinds[self.parents[1]]) if len(self.parents) > 1 else None
        op = _apply(self.state["op"], a, b)
        support = _support(self.state["op"], op)
        return self.state["constant"] * np.where(support, op, 0.0), support

    def apply(self, df: pd.DataFrame, grid: dict[str, Any], kinds: dict[str, str]) -> None:
        value, support = self.values(df, kinds)
        child = to_numbers(df[self.child], kinds[self.child]).copy()
        levels = grid.get("levels") or grid.get("codes")
        written = snap(value[support], levels) if levels else on_grid(value[support], grid)
        child[support] = written
        df[self.child] = _as_column(child, df[self.child])

    def describe(self) -> str:
        s = self.state
        body = s["parents"][0] if s["op"] == "scale" else f"{s['parents'][0]} {_SYMBOL[s['op']]} {s['parents'][1]}"
        if s["constant"] != 1:
            body = f"{s['constant']:.6g} * {body if s['op'] in ('scale', 'ratio', 'product') else f'({body})'}"
        return (f"column {s['child']!r} = {body} on {s['hold']:.1%} of the rows where it is defined "
                f"({s['support']:.1%} of rows): computed from the sampled parents there")


class ZeroRule:
    """``child == 0`` when ``parent`` is in ``levels`` (numbers for a numeric parent, texts for
    a categorical one), and — when ``nonzero_quantiles`` is set — only then."""

    def __init__(self, state: dict[str, Any]):
        self.state = state
        self.child, self.parents = state["child"], [state["parent"]]

    def condition(self, df: pd.DataFrame, kinds: dict[str, str]) -> np.ndarray:
        parent = df[self.state["parent"]]
        if self.state["numeric"]:
            return np.isin(to_numbers(parent, kinds[self.state["parent"]]), self.state["levels"])
        return parent.astype(object).map(str).isin(self.state["levels"]).to_numpy()

    def apply(self, df: pd.DataFrame, grid: dict[str, Any], kinds: dict[str, str], seed: int) -> None:
        cond = self.condition(df, kinds)
        child = to_numbers(df[self.child], kinds[self.child]).copy()
        child[cond & ~np.isnan(child)] = 0.0
        quantiles = self.state["nonzero_quantiles"]
        stray = ~cond & (child == 0)
        if quantiles and stray.any():  # the child is 0 only under the condition: draw a non-zero value
            u = np.random.default_rng(seed).random(int(stray.sum())) * (len(quantiles) - 1)
            drawn = np.interp(u, np.arange(len(quantiles)), quantiles)
            levels = grid.get("levels") or grid.get("codes")
            child[stray] = snap(drawn, levels) if levels else on_grid(drawn, grid)
        df[self.child] = _as_column(child, df[self.child])

    def describe(self) -> str:
        s = self.state
        levels = ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in s["levels"])
        when = f"{s['parent']} == {levels}" if len(s["levels"]) == 1 else f"{s['parent']} in {{{levels}}}"
        only = f", and only then ({s['only_when']:.1%} of its zeros)" if s["nonzero_quantiles"] else ""
        return (f"column {s['child']!r} is 0 when {when} (on {s['zero_when']:.1%} of those rows){only}: "
                "set at sampling")


NumericRule = NumericRelation | ZeroRule


def rule_from_state(state: dict[str, Any]) -> NumericRule:
    return NumericRelation(state) if state["rule"] == "relation" else ZeroRule(state)


def apply_rules(df: pd.DataFrame, rules: list[NumericRule], grids: dict[str, dict], kinds: dict[str, str],
                seed: int = 0) -> pd.DataFrame:
    """Set every rule's child in ``df`` (in place; zero rules first, then relations)."""
    for i, rule in enumerate(r for r in rules if isinstance(r, ZeroRule)):
        rule.apply(df, grids[rule.child], kinds, seed + i)
    for rule in rules:
        if isinstance(rule, NumericRelation):
            rule.apply(df, grids[rule.child], kinds)
    return df


def _as_column(values: np.ndarray, like: pd.Series) -> pd.Series:
    """``values`` in the dtype of the column they replace (an integer column stays integer)."""
    if pd.api.types.is_integer_dtype(like.dtype) and not np.isnan(values).any():
        return pd.Series(np.round(values).astype(like.dtype), index=like.index, name=like.name)
    return pd.Series(values, index=like.index, name=like.name)


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
    relations = []
    for child in numeric:
        if child == target:
            continue
        found = _find_relation(child, x, grids[child], [c for c in numeric if c != child])
        if found is not None and _relation_holds(found, df, grids[child], kinds):
            relations.append(found)
    # one child per relation triangle (total = a + b, not a = total - b): by operation, then the later column
    relations.sort(key=lambda r: (OPERATIONS.index(r.state["op"]), -numeric.index(r.child)))
    rules: list[NumericRule] = []
    for rule in relations:
        if _no_chain(rule, rules):
            rules.append(rule)
    children = {r.child for r in rules}
    for child in numeric:
        if child in children or child == target:
            continue
        found = _find_zero_rule(child, sub, x, kinds, [c for c in numeric + categorical
                                                       if c != child and c not in children], grids)
        # zero rules run first: a zero rule's child may be a relation's parent, not another zero rule's
        if found is not None and _zero_rule_holds(found, df, kinds) and \
                _no_chain(found, [r for r in rules if isinstance(r, ZeroRule)]):
            rules.append(found)
    return rules


def _no_chain(rule: NumericRule, kept: list[NumericRule]) -> bool:
    """Whether ``rule`` can join ``kept``: its child is no kept rule's parent, and no parent of
    it is a kept rule's child."""
    return all(rule.child not in r.parents and r.child not in rule.parents for r in kept)


def _find_relation(child: str, x: dict[str, np.ndarray], grid: dict, others: list[str]) -> NumericRelation | None:
    """The best relation of ``child`` (highest hold, then widest support), or None."""
    y = x[child]
    present = ~np.isnan(y)
    if present.sum() < MIN_DISTINCT or len(np.unique(y[present])) < MIN_DISTINCT:
        return None
    tol = tolerance(grid, y)
    candidates = [("scale", (a,)) for a in others]
    for a, b in combinations(others, 2):
        candidates += [("ratio", (a, b)), ("ratio", (b, a)), ("product", (a, b)), ("sum", (a, b)),
                       ("difference", (a, b)), ("difference", (b, a))]
    best = None
    for op, parents in candidates:
        v = _apply(op, x[parents[0]], x[parents[1]] if len(parents) > 1 else None)
        support = present & _support(op, v)
        n = int(support.sum())
        if n < MIN_SUPPORT * present.sum():
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            constant = float(np.median((y[support] / v[support])[v[support] != 0]))
        if constant == 0 or not np.isfinite(constant):
            continue
        pred = constant * v[support]
        hold = float(np.mean(np.abs(y[support] - pred) <= tol[support]))
        if hold < MIN_HOLD or len(np.unique(np.round(pred, 12))) < MIN_DISTINCT:
            continue
        score = (hold, n, -len(parents))
        if best is None or score > best[0]:
            best = (score, {"rule": "relation", "child": child, "op": op, "parents": list(parents),
                            "constant": _tidy(constant, y[support], v[support], tol[support]),
                            "hold": hold, "support": n / present.sum()})
    return None if best is None else NumericRelation(best[1])


def _tidy(constant: float, y: np.ndarray, v: np.ndarray, tol: np.ndarray) -> float:
    """The constant rounded to as few significant digits as still hold as well (0.0012, not
    0.00119999)."""
    exact = np.mean(np.abs(y - constant * v) <= tol)
    for digits in range(1, 16):
        rounded = float(f"{constant:.{digits}g}")
        if np.mean(np.abs(y - rounded * v) <= tol) >= exact:
            return rounded
    return constant


def _relation_holds(rule: NumericRelation, df: pd.DataFrame, grid: dict, kinds: dict[str, str]) -> bool:
    """Checked on all rows; the state gets the all-rows hold and support."""
    y = to_numbers(df[rule.child], kinds[rule.child])
    value, support = rule.values(df, kinds)
    present = ~np.isnan(y)
    support &= present
    if support.sum() < MIN_SUPPORT * present.sum():
        return False
    hold = float(np.mean(np.abs(y[support] - value[support]) <= tolerance(grid, y[support])))
    rule.state.update(hold=hold, support=float(support.sum() / present.sum()))
    return hold >= MIN_HOLD


def _find_zero_rule(child: str, sub: pd.DataFrame, x: dict[str, np.ndarray], kinds: dict[str, str],
                    parents: list[str], grids: dict[str, dict]) -> ZeroRule | None:
    """The zero rule of ``child`` whose condition covers the most rows, or None."""
    zero = x[child] == 0
    if not 0.01 <= zero.mean() <= 0.99:
        return None
    best = None
    for parent in parents:
        for numeric, levels in _conditions(parent, zero, sub, x, grids):
            cond = _condition_of(parent, numeric, levels, sub, x)
            found = _zero_tie(zero, cond)
            if found is not None and (best is None or (found[1], cond.sum()) > best[0]):
                best = ((found[1], int(cond.sum())), {"rule": "zero", "child": child, "parent": parent,
                                                      "numeric": numeric, "levels": levels, "zero_when": found[0],
                                                      "only_when": found[1], "nonzero_quantiles": None})
    return None if best is None else ZeroRule(best[1])


def _conditions(parent: str, zero: np.ndarray, sub: pd.DataFrame, x: dict[str, np.ndarray],
                grids: dict[str, dict]) -> list[tuple[bool, list]]:
    """Candidate conditions on ``parent``: ``== 0`` for a numeric one; the levels on which the
    child is mostly 0, for a categorical one or a numeric one with few values."""
    out = []
    if parent in x:
        out.append((True, [0.0]))
        if len(grids[parent].get("levels") or range(MAX_LEVELS + 1)) > MAX_LEVELS:
            return out
        values = x[parent]
    else:
        values = sub[parent].astype(object).map(str).to_numpy()
    rate = pd.Series(zero).groupby(values).agg(["mean", "size"])
    # each level chosen must pass the chance test itself, corrected for the levels tried
    chance = np.log(max(zero.mean(), 1e-300)) * rate["size"] < np.log(MAX_CHANCE / len(rate))
    levels = sorted(rate.index[(rate["mean"] >= MIN_ZERO_WHEN) & chance].tolist())
    if levels:
        out.append((parent in x, [float(v) for v in levels] if parent in x else [str(v) for v in levels]))
    return out


def _condition_of(parent: str, numeric: bool, levels: list, sub: pd.DataFrame, x: dict[str, np.ndarray]) -> np.ndarray:
    if numeric:
        return np.isin(x[parent], levels)
    return sub[parent].astype(object).map(str).isin(levels).to_numpy()


def _zero_tie(zero: np.ndarray, cond: np.ndarray) -> tuple[float, float] | None:
    """``(share of the condition's rows that are 0, share of the zeros under the condition)``
    when the two are tied beyond chance, else None: the condition implies 0 on :data:`MIN_HOLD`
    of its rows, or 0 implies the condition on :data:`MIN_HOLD` of the zeros and the condition
    implies 0 on :data:`MIN_ZERO_WHEN` of its rows."""
    n, zeros = int(cond.sum()), int(zero.sum())
    if n == 0 or n == len(cond) or zeros == 0:
        return None
    zero_when, only_when = float(zero[cond].mean()), float(cond[zero].mean())
    when_chance = n * np.log(zero.mean())  # log P(the condition's rows all 0 by chance)
    only_chance = zeros * np.log(cond.mean())  # log P(the zeros all under the condition)
    if zero_when >= MIN_HOLD and when_chance < np.log(MAX_CHANCE):
        return zero_when, only_when
    if only_when >= MIN_HOLD and zero_when >= MIN_ZERO_WHEN and only_chance < np.log(MAX_CHANCE):
        return zero_when, only_when
    return None


def _zero_rule_holds(rule: ZeroRule, df: pd.DataFrame, kinds: dict[str, str]) -> bool:
    """Checked on all rows; a rule whose zeros are (nearly) all under the condition keeps its
    child's non-zero quantiles (to replace a zero generated elsewhere)."""
    y = to_numbers(df[rule.child], kinds[rule.child])
    found = _zero_tie(y == 0, rule.condition(df, kinds))
    if found is None:
        return False
    rule.state["zero_when"], rule.state["only_when"] = found
    nonzero = y[(y != 0) & ~np.isnan(y)]
    if found[1] >= MIN_HOLD and len(nonzero):
        rule.state["nonzero_quantiles"] = np.quantile(nonzero, np.linspace(0, 1, NONZERO_QUANTILES)).tolist()
    return True


def describe(rules: list[NumericRule]) -> list[str]:
    """One line per rule, for the data report and ``genforge evaluate``."""
    return [r.describe() for r in rules]
