"""How the tabular domain uses rules: ``constraints=`` and SDV ``metadata=`` dataset options
turned into the frame the GAN learns, the reference rows the metrics see, and the saved state."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pandas as pd

from genforge_tabular.columns import infer_columns, read_metadata
from genforge_tabular.constraints.plan import TableRules
from genforge_tabular.pii import check_locales
from genforge_tabular.sdv_metadata import looks_like_sdv, parse_datetimes, read_sdv_metadata

#: the dataset options this layer reads
RULE_OPTIONS = ("constraints", "metadata", "pii_locales")
#: the key of the rules in the saved schema state
STATE_KEY = "rules"


@dataclass
class PreparedRules:
    """The rules, the real rows that obey them (original columns), what the GAN learns and
    the kinds that go with each, and report lines."""

    rules: TableRules
    original: pd.DataFrame
    model_frame: pd.DataFrame
    metadata: dict[str, str]
    original_kinds: dict[str, str]
    report: dict[str, int]

    def reference(self, split: Callable, fraction: float, target: str | None, seed: int):
        """The metrics' reference (original columns) and up to 2,000 real rows for the
        diversity check; ``split`` is the domain's hold-out split, so rows match training's."""
        from genforge_tabular.metrics import TabularReference
        train, holdout = split(self.original, fraction, target, seed)
        real = train if len(train) <= 2000 else train.sample(2000, random_state=seed % 2**31)
        return TabularReference(train, self.original_kinds, holdout, target, seed), real.reset_index(drop=True)


def prepare_rules(df: pd.DataFrame, options: dict[str, Any], where: str, target: str | None) -> PreparedRules | None:
    """None unless the options declare constraints or give an SDV metadata file."""
    metadata, constraints = options.get("metadata"), options.get("constraints")
    sdv = looks_like_sdv(metadata) if metadata is not None else False
    if not constraints and not sdv:
        return None
    generated, formats = [], {}
    if sdv:
        parsed = read_sdv_metadata(metadata, df, check_locales(options.get("pii_locales"), where))
        kinds, generated, formats = dict(parsed.kinds), parsed.generated, parsed.datetime_formats
        df = parse_datetimes(df, formats)
    else:
        kinds = read_metadata(metadata, where)
    for column in options.get("discrete_columns") or ():
        kinds.setdefault(str(column), "categorical")
    shown = {**kinds, **{g.column: "id" for g in generated}}
    original_kinds = {i.name: i.kind for i in infer_columns(df, where, None, shown)}
    rules, clean, report = TableRules.fit(df, constraints, original_kinds, target, generated, formats)
    model_frame = rules.transform(clean)
    learned = {c: k for c, k in kinds.items() if c in model_frame.columns}
    learned.update(rules.learned_kinds())
    for g in generated:
        report[f"column {g.column!r} ({g.sdtype}) is generated, not learned: "
               f"{'unique keys' if g.primary_key else 'Faker values'}"] = 1
    return PreparedRules(rules, clean, model_frame, learned, original_kinds, report)


def rules_of(schema: Any) -> TableRules | None:
    """The rules a schema carries (None for a table without any)."""
    return getattr(schema, "rules", None)


def save_rules(state: dict[str, Any], schema: Any) -> dict[str, Any]:
    rules = rules_of(schema)
    if rules is not None:
        state = {**state, STATE_KEY: rules.to_state()}
    return state


def load_rules(schema: Any, state: dict[str, Any]) -> Any:
    schema.rules = TableRules.from_state(state.get(STATE_KEY))
    return schema
