"""Constraints every sampled row obeys: declared as these objects, as dicts, or in a TOML
file of ``[[constraints]]`` tables (dataset option ``constraints``); see ``plan.py`` for how
each holds (by construction or by rejection) and ``sampling.py`` for sampling under them."""
from genforge_tabular.constraints.base import Constraint
from genforge_tabular.constraints.groups import FixedCombinations, OneHot, Predicate
from genforge_tabular.constraints.loading import KINDS, constraints_option, read_constraints
from genforge_tabular.constraints.numeric import FormulaColumn, Inequality, Negative, Positive, Range
from genforge_tabular.constraints.plan import TableRules

Formula = FormulaColumn

__all__ = ["Constraint", "FixedCombinations", "Formula", "FormulaColumn", "Inequality", "KINDS", "Negative",
           "OneHot", "Positive", "Predicate", "Range", "TableRules", "constraints_option", "read_constraints"]
