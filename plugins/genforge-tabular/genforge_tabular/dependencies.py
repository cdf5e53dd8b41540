"""Functional dependencies: columns that one categorical column determines exactly.

Real tables carry them (country -> continent, country -> country code, treatment
arm -> treated yes/no). A GAN models such a column as one more output and gets
it wrong on some rows, which is what a real-vs-synthetic classifier picks up
first. A column found to be a function of a categorical *parent* on every
training row is therefore not modelled: it is derived from the generated parent
through the training rows' mapping, so every synthetic row keeps the
dependency (and the model is narrower).

A numeric column that is *nearly* a function of the parent (at most
:data:`NEAR_SHARE` of the rows differ from their parent level's most common
value: a country code that changed once) is drawn from the values its parent
level has in the training rows, by frequency, so it too stays consistent with
the parent. A dependency counts only when chance cannot explain it: under
independence of the two columns, the probability that the parent levels that
show one child value do so (``prod_g sum_v q_v ** size_g``, ``q`` the child's
value frequencies) must be below :data:`MAX_CHANCE`. The search runs on a
bounded subsample; the dependencies found are then checked on all rows.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from genforge_tabular.columns import MODELLED_AS_CONTINUOUS, MODELLED_AS_DISCRETE, ColumnInfo

#: largest chance probability (under independence) for a dependency to be believed
MAX_CHANCE = 1e-9
#: a numeric column nearly determined by a parent: at most this share of rows off their level's mode
NEAR_SHARE = 0.02
#: rows searched for dependencies; found ones are verified on all rows
SEARCH_ROWS = 5000


def _factorized(series: pd.Series) -> np.ndarray:
    """Integer codes 0..k-1 of a column's values, missing values included as one code."""
    return pd.factorize(series, use_na_sentinel=False)[0]


def _pairs(parent: np.ndarray, child: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (parent, child) code pairs, as each pair's parent code (sorted) and row count."""
    width = int(child.max()) + 1
    ids, counts = np.unique(parent.astype(np.int64) * width + child, return_counts=True)
    return ids // width, counts


def _chance(parent: np.ndarray, child: np.ndarray) -> float:
    """Probability that independent columns show as many single-valued parent levels (see the
    module docstring)."""
    owner, _ = _pairs(parent, child)
    return _chance_of(parent, child, np.bincount(owner, minlength=int(parent.max()) + 1) == 1)


def _chance_of(parent: np.ndarray, child: np.ndarray, single: np.ndarray) -> float:
    q = np.bincount(child) / len(child)
    sizes, groups = np.unique(np.bincount(parent)[single], return_counts=True)
    per_size = (q[None, :] ** sizes[:, None]).sum(1)  # P(a group of this size is constant)
    with np.errstate(divide="ignore"):  # a probability that underflows to 0: log -inf, chance 0 (right)
        return float(np.exp((groups * np.log(per_size)).sum()))


def _depends(parent: np.ndarray, child: np.ndarray, numeric: bool) -> bool:
    """Whether ``child`` is (for a numeric child: nearly) a function of ``parent``, beyond chance:
    at most :data:`NEAR_SHARE` of rows (none for a discrete child) off their level's most
    common value, and :func:`_chance` below :data:`MAX_CHANCE`."""
    owner, counts = _pairs(parent, child)
    levels = int(parent.max()) + 1
    allowed = NEAR_SHARE * len(parent) if numeric else 0
    if len(owner) - levels > allowed:  # each extra pair is at least one row off its level's mode
        return False
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    if len(parent) - np.maximum.reduceat(counts, starts).sum() > allowed:
        return False
    return _chance_of(parent, child, np.bincount(owner, minlength=levels) == 1) < MAX_CHANCE


def find_dependencies(df: pd.DataFrame, infos: list[ColumnInfo], target: str | None,
                      seed: int = 0) -> dict[str, str]:
    """``{child: parent}`` for every modelled column a function of a categorical parent.

    Parents are categorical/boolean columns; the target is never a child (it is
    conditioned on). A parent that determines more columns is chosen first, and
    a derived column is never a parent, so chains collapse onto their root.
    """
    modelled = [i.name for i in infos if i.kind in MODELLED_AS_CONTINUOUS + MODELLED_AS_DISCRETE]
    numeric = {i.name for i in infos if i.kind in MODELLED_AS_CONTINUOUS}
    parents = [i.name for i in infos if i.kind in MODELLED_AS_DISCRETE]
    if len(modelled) < 2 or not parents:
        return {}
    sub = df if len(df) <= SEARCH_ROWS else df.sample(SEARCH_ROWS, random_state=seed % 2**31)
    codes = {name: _factorized(sub[name]) for name in modelled}
    found: dict[str, list[str]] = {}
    for p in parents:
        levels = int(codes[p].max()) + 1
        if levels < 2 or 2 * levels > len(sub):
            continue
        found[p] = [c for c in modelled if c not in (p, target) and codes[c].max() > 0
                    and _depends(codes[p], codes[c], c in numeric)]
    order = sorted(found, key=lambda p: (-len(found[p]), modelled.index(p)))
    derived: dict[str, str] = {}
    for p in order:
        if p in derived:
            continue
        for c in found[p]:
            if c not in derived and c not in derived.values() and \
                    (sub is df or _depends(_factorized(df[p]), _factorized(df[c]), c in numeric)):
                derived[c] = p
    return derived
