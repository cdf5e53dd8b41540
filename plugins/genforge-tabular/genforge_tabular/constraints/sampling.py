"""Sampling under rules: candidate rows from the domain's own (conditional) sampler, undone
constructions, rejection of rows that break a rule, a bounded number of rounds, and the
rejection rate reported.

Conditions on columns that a construction merged (fixed combinations, one-hot groups) become
conditions on the merged column: each row's merged value is drawn, by real frequency, among
those that agree with the conditions. A condition that contradicts a rule is refused before
anything is generated where the rule can tell (fixed combinations, one-hot groups, rules on
conditioned columns only), and otherwise when no generated row obeys the rule.
"""
from __future__ import annotations

import sys
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd
import torch

from genforge.errors import UserInputError
from genforge_tabular.constraints.plan import TableRules

#: rounds of generate-and-reject for one chunk before giving up
MAX_ROUNDS = 60
#: give up when no generated row obeyed the rules after this many
GIVE_UP_ROWS = 20_000
#: the largest batch of candidates asked for at once (relative to the chunk size)
MAX_ASK = 8
#: where the rejection rate is reported: "stderr" (looked up when printing), a stream, or None
#: (only ``TableRules.last_sampling``)
REPORT_STREAM: Any = "stderr"

Source = Callable[[int, dict[str, Any]], Iterator[pd.DataFrame]]


def constrained_chunks(rules: TableRules, source: Source, n: int, conditions: dict[str, Any],
                       rng: torch.Generator, chunk_size: int,
                       levels: Callable[[str], list[Any] | None]) -> Iterator[pd.DataFrame]:
    """``n`` rows in original columns, every one obeying every rule and condition.
    ``levels(column)``: the values of a learned categorical column the model conditions on."""
    plain, groups = translate(rules, conditions, levels)
    seed_rng = np.random.default_rng(int(torch.randint(0, 2**62, (1,), generator=rng)))
    produced = generated = kept = 0
    broken = np.zeros(len(rules.rules), dtype=np.int64)
    while produced < n:
        k = min(chunk_size, n - produced)
        parts, have = [], 0
        for _ in range(MAX_ROUNDS):
            rate = kept / generated if generated else 1.0
            margin = 1.0 if rate >= 1.0 else 1.05  # no rejection seen: ask for exactly what is missing
            ask = int(min(max((k - have) / max(rate, 1 / MAX_ASK) * margin + 8 * (margin > 1), 1),
                          MAX_ASK * chunk_size))
            candidates = _draw(source, ask, plain, groups, seed_rng)
            rows = rules.inverse(candidates.reset_index(drop=True), int(seed_rng.integers(2**62)), produced)
            ok, counts = rules.valid(rows)
            broken += np.asarray(counts, dtype=np.int64)
            generated += len(rows)
            kept += int(ok.sum())
            parts.append(rows[ok])
            have += int(ok.sum())
            if have >= k:
                break
            if kept == 0 and generated >= GIVE_UP_ROWS:
                break
        if have < k:
            raise UserInputError(_failure(rules, conditions, generated, kept, broken))
        chunk = pd.concat(parts, ignore_index=True).iloc[:k].reset_index(drop=True)
        yield rules.finish(chunk, produced)
        produced += k
    rules.last_sampling = {"generated": generated, "kept": kept,
                           "broken": {rules.where(i): int(b) for i, b in enumerate(broken) if b}}
    by_rejection = len(rules.order) < len(rules.rules)  # some rule holds only by rejecting rows
    if (generated > kept or by_rejection) and REPORT_STREAM is not None:
        broken = "; ".join(f"{w} broken by {b:,}" for w, b in rules.last_sampling["broken"].items())
        print(f"constraints: kept {kept:,} of {generated:,} generated rows "
              f"({1 - kept / max(generated, 1):.2%} rejected{': ' + broken if broken else ''})",
              file=sys.stderr if REPORT_STREAM == "stderr" else REPORT_STREAM)


def translate(rules: TableRules, conditions: dict[str, Any],
              levels: Callable[[str], list[Any] | None]) -> tuple[dict[str, Any], list[tuple[str, list, np.ndarray]]]:
    """User conditions -> conditions on learned columns, plus merged columns whose value is
    drawn per row: ``(column, values, probabilities)``."""
    generated = {g.column: g for g in rules.generated}
    for column in conditions:
        if column in generated:
            raise UserInputError(f"condition on column {column!r}: it is generated ({generated[column].sdtype}"
                                 f"{', the primary key' if generated[column].primary_key else ''}), not learned, "
                                 "so it cannot be conditioned on")
    plain, groups = dict(conditions), []
    for i, (rule, state) in enumerate(zip(rules.rules, rules.states)):
        members = {c: conditions[c] for c in rule.columns() if c in conditions}
        values = rule.condition_values(state, members) if members and state is not None else None
        if values is not None and not values:
            shown = ", ".join(f"{c}={v!r}" for c, v in members.items())
            raise UserInputError(f"condition {shown} contradicts {rules.where(i)}: no real row of "
                                 f"{rule.describe()} has {'these values' if len(members) > 1 else 'this value'}")
        if values is not None and i in rules.order:
            column = next(iter(rule.learned(state)))
            known = levels(column)
            usable = [(v, w) for v, w in values if known is None or v in known]
            if not usable:
                raise UserInputError(f"condition {members}: the combinations of {rules.where(i)} that agree "
                                     "with it are rare levels the model does not condition on; refit with a "
                                     "larger max_categories")
            for c in members:
                plain.pop(c)
            weights = np.array([w for _, w in usable], dtype=float)
            groups.append((column, [v for v, _ in usable], weights / weights.sum()))
        elif values is None and members and set(rule.columns()) <= set(conditions):
            _check_alone(rules, i, members)
    return plain, groups


def _check_alone(rules: TableRules, i: int, members: dict[str, Any]) -> None:
    """A rule on conditioned columns only: the conditions alone must obey it."""
    row = pd.DataFrame({c: [_number_or_text(v)] for c, v in members.items()})
    try:
        ok = bool(rules.rules[i].valid(row, rules.where(i), rules.states[i])[0])
    except (UserInputError, KeyError, TypeError, ValueError):
        return  # the rule cannot judge one row alone; rejection will tell
    if not ok:
        shown = ", ".join(f"{c}={v!r}" for c, v in members.items())
        raise UserInputError(f"condition {shown} contradicts {rules.where(i)} ({rules.rules[i].describe()})")


def _number_or_text(value: Any) -> Any:
    try:
        return float(value) if isinstance(value, str) else value
    except ValueError:
        return value


def _draw(source: Source, n: int, plain: dict[str, Any], groups, rng: np.random.Generator) -> pd.DataFrame:
    if not groups:
        return pd.concat(list(source(n, plain)), ignore_index=True)
    picks = np.column_stack([rng.choice(len(values), size=n, p=p) for _, values, p in groups])
    combos, counts = np.unique(picks, axis=0, return_counts=True)
    parts = []
    for combo, count in zip(combos, counts):
        cond = dict(plain)
        cond.update({column: values[j] for (column, values, _), j in zip(groups, combo)})
        parts.extend(source(int(count), cond))
    frame = pd.concat(parts, ignore_index=True)
    return frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)


def _failure(rules: TableRules, conditions: dict[str, Any], generated: int, kept: int, broken: np.ndarray) -> str:
    worst = int(np.argmax(broken))
    what = f"{rules.where(worst)} ({rules.rules[worst].describe()})"
    head = f"sampling with conditions {conditions}" if conditions else "sampling"
    tail = ("the conditions contradict it" if conditions else
            "the model has not learned rows that obey it") + (" (or rarely generates them)" if kept else "")
    return (f"{head}: only {kept:,} of {generated:,} generated rows obey every constraint; {what} rejected "
            f"{int(broken[worst]):,} of them: {tail}; check the rule, train longer, or state it so that it "
            "holds by construction")
