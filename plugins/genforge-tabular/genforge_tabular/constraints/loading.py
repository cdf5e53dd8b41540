"""Constraints from Python objects, plain dicts, or a TOML file of ``[[constraints]]`` tables."""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from genforge.errors import UserInputError
from genforge_tabular.constraints.base import Constraint
from genforge_tabular.constraints.groups import FixedCombinations, OneHot, Predicate
from genforge_tabular.constraints.numeric import FormulaColumn, Inequality, Negative, Positive, Range

#: kind -> (class, keys it takes besides ``kind``)
KINDS: dict[str, tuple[type, tuple[str, ...]]] = {
    "inequality": (Inequality, ("low", "high", "offset", "strict")),
    "range": (Range, ("column", "low", "high", "strict")),
    "positive": (Positive, ("column", "strict")),
    "negative": (Negative, ("column", "strict")),
    "fixed_combinations": (FixedCombinations, ("columns",)),
    "one_hot": (OneHot, ("columns",)),
    "formula": (FormulaColumn, ("column", "formula")),
    "predicate": (Predicate, ("function", "columns")),
}
REQUIRED = {"inequality": ("low", "high"), "range": ("column", "low", "high"), "positive": ("column",),
            "negative": ("column",), "fixed_combinations": ("columns",), "one_hot": ("columns",),
            "formula": ("formula",), "predicate": ("function",)}


def rule_where(source: str, index: int, kind: str) -> str:
    """How messages name a rule: where it was declared, its number (from 1) and kind."""
    place = "" if source == "constraints" else f"{source}, "
    return f"{place}constraint #{index + 1} ({kind})"


def read_constraints(value: Any) -> tuple[list[Constraint], str]:
    """Constraints and where they were declared, from ``None``, a TOML path, a list of
    Constraint objects / dicts, or a dict with a ``constraints`` list."""
    if value is None or (isinstance(value, (list, tuple)) and not value):
        return [], "constraints"
    source = "constraints"
    if isinstance(value, (str, Path)):
        path = Path(value)
        source = str(path)
        try:
            value = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UserInputError(f"{path}: constraints file not found") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UserInputError(f"{path}: not a valid TOML constraints file ({exc})") from None
    if isinstance(value, dict):
        if set(value) - {"constraints"} or not isinstance(value.get("constraints"), list):
            raise UserInputError(f"{source}: expected a list of [[constraints]] tables, each with a kind "
                                 f"({', '.join(KINDS)})")
        value = value["constraints"]
    if not isinstance(value, (list, tuple)):
        raise UserInputError(f"{source}: constraints must be a list (got {type(value).__name__})")
    return [_one(item, i, source) for i, item in enumerate(value)], source


def _one(item: Any, index: int, source: str) -> Constraint:
    if isinstance(item, Constraint):
        return item
    if not isinstance(item, dict):
        raise UserInputError(f"{source}, constraint #{index + 1}: expected a table with a kind, got {item!r}")
    kind = item.get("kind")
    if kind not in KINDS:
        raise UserInputError(f"{source}, constraint #{index + 1}: unknown kind {kind!r}; kinds: {', '.join(KINDS)}")
    cls, keys = KINDS[kind]
    where = rule_where(source, index, kind)
    unknown = sorted(set(item) - set(keys) - {"kind"})
    if unknown:
        raise UserInputError(f"{where}: unknown key {unknown[0]!r}; {kind} takes {', '.join(keys)}")
    missing = [k for k in REQUIRED[kind] if item.get(k) in (None, "", [])]
    if missing:
        raise UserInputError(f"{where}: {missing[0]!r} is missing; {kind} takes {', '.join(keys)}")
    args = {k: item[k] for k in keys if k in item}
    for key in ("columns",):
        if key in args and (not isinstance(args[key], list) or not all(isinstance(c, str) for c in args[key])):
            raise UserInputError(f"{where}: {key} must be a list of column names, got {args[key]!r}")
    if "strict" in args and not isinstance(args["strict"], bool):
        raise UserInputError(f"{where}: strict must be true or false, got {args['strict']!r}")
    return cls(**args)


def constraints_option(value: Any) -> Any:
    """The dataset option as plain data (for configs and saved estimators): a path stays a
    path (text), objects become dicts."""
    if value is None or isinstance(value, (str, Path)):
        return None if value is None else str(value)
    rules, _ = read_constraints(value)
    return [rule.to_dict() for rule in rules]
