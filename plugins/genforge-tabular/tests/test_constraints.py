"""Constraints: every sampled row obeys every rule (each kind, with and without conditions),
the rules survive save/load, and bad rules are clear errors naming the rule and column."""
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genforge.errors import UserInputError
from genforge_tabular import TabularGAN
from genforge_tabular.constraints import (FixedCombinations, FormulaColumn, Inequality, Negative, OneHot,
                                          Positive, Predicate, Range, TableRules, read_constraints)

sys.path.insert(0, str(Path(__file__).parent))  # constraint_rules: the predicate and the table
from constraint_rules import ruled_table  # noqa: E402


RULES = [Inequality("a", "b"), Inequality("start", "end", offset="0 days"), Range("age", 0, 99),
         Positive("a"), Negative("debt"), FixedCombinations(["city", "country"]), OneHot(["h0", "h1", "h2"]),
         FormulaColumn("total", "a + b"), Predicate("constraint_rules:x_small")]


def violations(s: pd.DataFrame, real: pd.DataFrame) -> dict[str, int]:
    """Each rule checked by hand (not through the rules' own code)."""
    combos = set(zip(real.city, real.country))
    return {"a<=b": int((s.a > s.b).sum()), "start<=end": int((pd.to_datetime(s.start) > pd.to_datetime(s.end)).sum()),
            "age": int(((s.age < 0) | (s.age > 99)).sum()), "a>=0": int((s.a < 0).sum()),
            "debt<=0": int((s.debt > 0).sum()),
            "combos": int((~pd.Series(list(zip(s.city, s.country))).isin(combos)).sum()),
            "one_hot": int(((s[["h0", "h1", "h2"]].sum(axis=1) != 1) | ~s[["h0", "h1", "h2"]].isin([0, 1]).all(axis=1)).sum()),
            "total": int((s.total != s.a + s.b).sum()), "x": int((s.x.abs() >= 2).sum())}


@pytest.fixture(scope="module")
def fitted(tiny):
    return TabularGAN(steps=40, target="label", constraints=RULES, **tiny).fit(ruled_table())


def test_every_kind_holds_on_every_sampled_row(fitted):
    real = ruled_table()
    samples = fitted.sample(20_000, seed=1)
    assert len(samples) == 20_000 and list(samples.columns) == list(real.columns)
    assert violations(samples, real) == {k: 0 for k in violations(real, real)}
    rules = fitted.schema_.rules
    assert set(rules.order) == set(range(8))  # all but the predicate by construction
    assert rules.last_sampling["generated"] >= rules.last_sampling["kept"] >= 20_000


@pytest.mark.parametrize("conditions", [{"city": "Berlin"}, {"country": "FR", "label": "yes"},
                                        {"h1": 1}, {"h0": 0, "label": "no"}])
def test_conditions_and_constraints_together(fitted, conditions):
    samples = fitted.sample(3000, conditions=conditions, seed=2)
    assert len(samples) == 3000
    for column, value in conditions.items():
        assert (samples[column].astype(str) == str(value)).all()
    assert sum(violations(samples, ruled_table()).values()) == 0
    if "country" in conditions:
        assert set(samples.city) == {"Paris", "Lyon"}


def test_condition_that_contradicts_a_rule_is_refused(fitted):
    with pytest.raises(UserInputError, match=r"city='Paris', country='DE' contradicts constraint #6 "
                                             r"\(fixed_combinations\)"):
        fitted.sample(10, conditions={"city": "Paris", "country": "DE"})
    with pytest.raises(UserInputError, match=r"constraint #7 \(one_hot\)"):
        fitted.sample(10, conditions={"h0": 1, "h2": 1})


def test_rules_are_saved_with_the_model(fitted, tmp_path):
    path = fitted.save(tmp_path / "gan.pt")
    loaded = TabularGAN.load(path)
    again = loaded.sample(2000, seed=5)
    assert again.equals(fitted.sample(2000, seed=5))
    assert sum(violations(again, ruled_table()).values()) == 0
    state = loaded.schema_.rules.to_state()
    import json
    assert TableRules.from_state(json.loads(json.dumps(state))).to_state() == state


def test_rejection_rate_is_reported(tiny, capsys):
    gan = TabularGAN(steps=10, constraints=[Predicate("constraint_rules:x_small"),
                                            FormulaColumn(formula="total = a + b")], **tiny)
    gan.fit(ruled_table(300).assign(x=lambda d: d.x * 0.5))
    samples = gan.sample(2000, seed=0)
    assert (samples.x.abs() < 2).all() and (samples.total == samples.a + samples.b).all()
    report = gan.schema_.rules.last_sampling
    rejected = report["generated"] - report["kept"]
    assert report["broken"].get("constraint #1 (predicate)", 0) == rejected
    if rejected:
        assert "rejected" in capsys.readouterr().err


def test_transform_and_inverse_give_back_the_real_rows():
    real = ruled_table(200)
    kinds = {c: ("categorical" if real[c].dtype == object or c.startswith("h") else "continuous") for c in real}
    rules, clean, report = TableRules.fit(real, RULES, kinds, "label")
    learned = rules.transform(clean)
    assert "total" not in learned and "city & country" in learned and "one hot of h0 & h1 & h2" in learned
    back = rules.inverse(learned)
    for column in ["city", "country", "h0", "h1", "h2", "age", "end"]:
        assert (back[column] == clean[column]).all(), column
    assert np.allclose(back.b, clean.b) and np.allclose(back.total, clean.total)


def test_toml_file(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text('[[constraints]]\nkind = "inequality"\nlow = "a"\nhigh = "b"\noffset = 1\n'
                    '[[constraints]]\nkind = "range"\ncolumn = "age"\nlow = 0\nhigh = 120\n'
                    '[[constraints]]\nkind = "fixed_combinations"\ncolumns = ["city", "country"]\n'
                    '[[constraints]]\nkind = "formula"\nformula = "total = a + b"\n', encoding="utf-8")
    rules, source = read_constraints(path)
    assert rules == [Inequality("a", "b", offset=1), Range("age", 0, 120), FixedCombinations(["city", "country"]),
                     FormulaColumn("total", "a + b")] and source == str(path)


@pytest.mark.parametrize("rules, message", [
    ([{"kind": "sum"}], r"constraint #1: unknown kind 'sum'"),
    ([{"kind": "range", "column": "age", "low": 0}], r"constraint #1 \(range\): 'high' is missing"),
    ([{"kind": "positive", "column": "a", "big": 1}], r"constraint #1 \(positive\): unknown key 'big'"),
    ([Positive("a"), Range("wage", 0, 5)], r"constraint #2 \(range\): column 'wage' is not in the table"),
    ([FormulaColumn("total", "a + city")], r"constraint #1 \(formula\): column 'city' is not numeric"),
    ([FormulaColumn("total", "__import__('os').system('x')")], r"constraint #1 \(formula\).*is not allowed"),
    ([FormulaColumn("total", "a.real + b")], r"'a.real' is not allowed"),
    ([Range("age", 200, 300)], r"constraint #1 \(range\): no row of the table satisfies range 200 <= age <= 300"),
    ([Range("age", 0, 40), Range("age", 60, 99)], r"constraint #1 \(range\) and constraint #2 \(range\) "
                                                   "contradict each other"),
    ([Positive("a"), Inequality("b", "a")], r"constraint #1 \(positive\) and constraint #2 \(inequality\)|"
                                             r"constraint #2 \(inequality\): no row"),
    ([Predicate("constraint_rules:nothing_here")], r"constraint #1 \(predicate\): cannot import"),
    ([OneHot(["h0", "age"])], r"constraint #1 \(one_hot\): column 'age' holds"),
])
def test_bad_rules_name_the_rule_and_column(rules, message):
    real = ruled_table(100)
    with pytest.raises(UserInputError, match=message):
        TableRules.fit(real, rules, {}, None)


def test_bad_toml_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[[constraints]]\nkind = \n", encoding="utf-8")
    with pytest.raises(UserInputError, match="bad.toml: not a valid TOML constraints file"):
        read_constraints(path)
    with pytest.raises(UserInputError, match="constraints file not found"):
        read_constraints(tmp_path / "missing.toml")
