"""Which numeric rules a table gets, and which gives way where two would share a column.

In order: relations and zero masses (``numeric_relations.py``), bounds (``numeric_bounds.py``:
a zero rule on a bound's child, or reading one, gives way, since the bound's child holds its gap
until the bounds are set), level ranges (``level_ranges.py``: on numeric columns no other rule
uses), level combinations (``level_combinations.py``: categorical columns still modelled as
such; set first at decode). Columns of relations and the parents of derived columns take no
part in bounds.
"""
from __future__ import annotations

import pandas as pd

from genforge_tabular.encoders import ContinuousEncoder, DerivedColumn, DiscreteEncoder
from genforge_tabular.level_combinations import find_combinations
from genforge_tabular.level_ranges import LevelRange, find_level_ranges
from genforge_tabular.numeric_bounds import BoundRule, find_bounds
from genforge_tabular.numeric_relations import NumericRelation, NumericRule, find_numeric_rules
from genforge_tabular.zero_masses import ZeroRule


def find_table_rules(df: pd.DataFrame, encoders: list, kinds: dict[str, str], grids: dict[str, dict],
                     target: str | None, seed: int = 0) -> list[NumericRule]:
    """The rules of ``df``'s training rows, for columns with the given ``encoders``."""
    names = {kind: [e.state["name"] for e in encoders if isinstance(e, kind)]
             for kind in (ContinuousEncoder, DiscreteEncoder)}
    numeric = [c for c in names[ContinuousEncoder] if kinds[c] != "datetime"]
    rules = find_numeric_rules(df, kinds, grids, names[DiscreteEncoder], target, seed)
    taken = {c for r in rules if isinstance(r, NumericRelation) for c in [r.child, *r.parents]}
    taken |= {e.state["parent"] for e in encoders if isinstance(e, DerivedColumn)}
    parents = [c for c in numeric if c not in taken]
    coded = [c for c in names[DiscreteEncoder] if c not in taken and pd.api.types.is_numeric_dtype(df[c])
             and not pd.api.types.is_bool_dtype(df[c])]  # categorical columns with numbers for levels
    bounds = find_bounds(df, kinds, parents + coded, parents, target, seed)
    bounded = {b.child for b in bounds}
    rules = [r for r in rules if not (isinstance(r, ZeroRule) and bounded & {r.child, *r.parents})] + bounds
    used = {c for r in rules for c in [r.child, *r.parents]}
    ranges = find_level_ranges(df, kinds, [c for c in numeric if c not in used and c != target],
                               names[DiscreteEncoder], grids)
    pairs = find_combinations(df, [c for c in names[DiscreteEncoder] if c not in bounded], target)
    return pairs + rules + ranges


def apply_after_decoding(df: pd.DataFrame, rules: list[NumericRule], kinds: dict[str, str]) -> pd.DataFrame:
    """Set every bound's and level range's child in ``df`` (in place, bounds parents first: the
    order they were found in). Their columns are no other rule's, so they go last, once."""
    for rule in rules:
        if isinstance(rule, (BoundRule, LevelRange)):
            rule.apply(df, kinds)
    return df
