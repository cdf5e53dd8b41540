"""Objective files: a scoring function written as TOML.

    max_calls = 10000          # molecules scored at most (optional)
    aggregate = "geometric"    # or "arithmetic"

    [[components]]
    kind = "qed"
    weight = 2

    [[components]]
    kind = "logp"
    low = 1
    high = 3
    width = 1

    [[components]]
    kind = "smarts"
    forbidden = ["[N+](=O)[O-]"]

A mistake (unknown kind or setting, bad SMARTS, impossible window, function that
does not load) raises one :class:`UserInputError` naming the file and line.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from genforge.errors import UserInputError
from genforge_molecule.objectives.components import ComponentError, make_component
from genforge_molecule.objectives.scoring import AGGREGATES, ScoringFunction

TOP_LEVEL = {"max_calls", "aggregate", "components"}
_HEADER = re.compile(r"^\s*\[\[\s*components\s*\]\]")


def _table_lines(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) 1-based line numbers of each ``[[components]]`` table."""
    starts = [k + 1 for k, line in enumerate(lines) if _HEADER.match(line)]
    ends = []
    for k, start in enumerate(starts):
        stop = starts[k + 1] - 1 if k + 1 < len(starts) else len(lines)
        for j in range(start, stop):  # a following [table] header ends this one
            if lines[j].lstrip().startswith("["):
                stop = j
                break
        ends.append(stop)
    return list(zip(starts, ends))


def _line_of(lines: list[str], span: tuple[int, int], key: str | None, value: object) -> int:
    first, last = span
    for number in range(first, last + 1):
        text = lines[number - 1]
        if value is not None and isinstance(value, str) and value in text:
            return number
    for number in range(first, last + 1):
        if key and re.match(rf"^\s*{re.escape(key)}\s*=", lines[number - 1]):
            return number
    return first


def parse_objective(text: str, where: str = "objective") -> ScoringFunction:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserInputError(f"{where}: not valid TOML ({exc})") from None
    lines = text.splitlines()
    unknown = sorted(set(data) - TOP_LEVEL)
    if unknown:
        number = next((k + 1 for k, line in enumerate(lines) if line.strip().startswith(unknown[0])), 1)
        raise UserInputError(f"{where} line {number}: unknown key {unknown[0]!r}; top-level keys: "
                             f"{', '.join(sorted(TOP_LEVEL - {'components'}))} and [[components]] tables")
    tables = data.get("components")
    if not isinstance(tables, list) or not tables:
        raise UserInputError(f"{where}: no [[components]] table; add one per scoring component "
                             "(kind = \"qed\", \"logp\", \"similarity\", ...)")
    spans = _table_lines(lines)
    components = []
    for k, settings in enumerate(tables):
        try:
            components.append(make_component(settings))
        except ComponentError as exc:
            span = spans[k] if k < len(spans) else (1, len(lines))
            number = _line_of(lines, span, exc.key, exc.value)
            raise UserInputError(f"{where} line {number} (component {k + 1}, kind "
                                 f"{settings.get('kind')!r}): {exc}") from None
    aggregate = data.get("aggregate", "geometric")
    if aggregate not in AGGREGATES:
        raise UserInputError(f"{where}: aggregate must be one of {', '.join(AGGREGATES)}, got {aggregate!r}")
    max_calls = data.get("max_calls")
    if max_calls is not None and (not isinstance(max_calls, int) or max_calls <= 0):
        raise UserInputError(f"{where}: max_calls must be a positive integer, got {max_calls!r}")
    return ScoringFunction(components, aggregate, max_calls)


def read_objective(path: Path) -> ScoringFunction:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserInputError(f"{path}: cannot read objective file ({exc.strerror})") from None
    return parse_objective(text, str(path))
