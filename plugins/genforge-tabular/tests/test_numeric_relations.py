"""Numeric relations and tied zero masses (``numeric_relations.py``): found on planted tables,
not on tables without them, applied at decode, saved with the schema, shown in the report."""
import numpy as np
import pandas as pd
import pytest

from genforge_tabular import TabularGAN
from genforge_tabular.columns import infer_columns
from genforge_tabular.domain import TabularDomain
from genforge_tabular.numeric_relations import NumericRelation, ZeroRule, describe
from genforge_tabular.schema import TableSchema
from genforge_tabular.transformer import TableTransformer


def _rules(df: pd.DataFrame, target: str | None = None) -> list:
    return TableTransformer.fit(df, infer_columns(df, "t"), 0, relations=True, target=target).rules


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    """A card table: ``share = 0.0012 * spend / income`` (4 decimals, as written) wherever
    spend > 0, spend 0 whenever there is no card, ``total = a + b`` on every row, ``days``
    0 exactly for stratum "naive" (but for 2 % of its rows), ``pay = exp(logpay)``, and
    ``rate`` = 0.05 * spend / income from an unrounded spend (near: off by up to 1 %)."""
    rng = np.random.default_rng(0)
    n = 800
    income = np.round(rng.lognormal(1.0, 0.4, n), 2)
    card = np.where(rng.random(n) < 0.7, "yes", "no")
    spend = np.where(card == "yes", np.round(rng.gamma(2.0, 100.0, n), 2), 0.0)
    spend[(card == "yes") & (rng.random(n) < 0.05)] = 0.0
    share = np.where(spend > 0, np.round(0.0012 * spend / income, 4), np.round(rng.uniform(1e-4, 5e-4, n), 4))
    a, b = rng.integers(0, 40, n), rng.integers(0, 60, n)
    stratum = rng.choice(["naive", "short", "long"], n)
    days = np.where(stratum == "naive", 0, rng.integers(1, 2000, n))
    days[(stratum == "naive") & (rng.random(n) < 0.02)] = 5
    logpay = np.round(rng.normal(4.5, 0.3, n), 6)
    rate = np.where(spend > 0, np.round(0.05 * (spend + rng.uniform(0, 0.01, n) * spend) / income, 6),
                    np.round(rng.uniform(0.01, 0.02, n), 6))
    return pd.DataFrame({"income": income, "card": card, "spend": spend, "share": share, "a": a, "b": b,
                         "total": a + b, "stratum": stratum, "days": days, "noise": rng.normal(size=n),
                         "logpay": logpay, "pay": np.exp(logpay), "rate": rate})


def test_finds_the_planted_relations_and_zero_masses(planted):
    rules = {r.child: r for r in _rules(planted, target="card")}
    share, total = rules["share"], rules["total"]
    assert isinstance(share, NumericRelation) and share.state["op"] == "ratio"
    assert share.parents == ["spend", "income"] and share.state["constant"] == pytest.approx(0.0012)
    assert share.state["hold"] == 1.0 and 0.6 < share.state["support"] < 0.7  # rows with spend > 0
    assert isinstance(total, NumericRelation) and total.state["op"] == "sum" and total.state["constant"] == 1
    assert sorted(total.parents) == ["a", "b"]
    days = rules["days"]  # 0 for "naive" on 98 % of its rows, and only there
    assert isinstance(days, ZeroRule) and days.state["levels"] == ["naive"] and days.state["nonzero_quantiles"]
    assert 0.96 < days.state["zero_when"] < 0.99 and days.state["only_when"] == 1.0
    spend = rules["spend"]  # 0 whenever card is "no"; also on 5 % of card holders: one-sided
    assert isinstance(spend, ZeroRule) and spend.state["levels"] == ["no"] and spend.state["zero_when"] == 1.0
    assert spend.state["nonzero_quantiles"] is None
    pay, rate = rules["pay"], rules["rate"]
    assert pay.state["op"] == "exp" and pay.parents == ["logpay"] and pay.exact
    assert not rate.exact and rate.state["op"] == "ratio" and rate.parents == ["spend", "income"]
    assert rate.state["constant"] == pytest.approx(0.05025, rel=0.01) and rate.state["explained"] > 0.999
    assert set(rules) == {"share", "total", "days", "spend", "pay", "rate"}  # nothing on noise, income, a, b
    lines = describe(list(rules.values()))
    assert "column 'share' = 0.0012 * spend / income on 100.0% of the rows where it is defined (6" in lines[1]
    assert lines[0].startswith("column 'total' = a + b on 100.0%")
    assert "the residual is modelled" in lines[3] and lines[2].startswith("column 'pay' = exp(logpay) on 100.0%")


def test_a_table_without_relations_finds_none():
    rng = np.random.default_rng(1)
    n = 1500
    df = pd.DataFrame({"x": np.round(rng.normal(size=n), 3), "y": np.round(rng.lognormal(size=n), 2),
                       "z": rng.integers(0, 100, n), "w": np.round(rng.uniform(1, 2, n), 4),
                       "c": rng.choice(["p", "q", "r"], n), "zeroish": np.where(rng.random(n) < 0.3, 0, 7)})
    df["near"] = np.round(df.x + df.w + rng.normal(0, 0.05, n), 3)  # correlated, not exact
    rules = _rules(df)  # no relation and no zero mass; w >= 1 does make near exceed x on every row:
    assert [r.describe().split(" on every")[0] for r in rules] == ["column 'x' <= 'near' - 0.909"]  # a bound


@pytest.fixture(scope="module")
def fitted(planted) -> TabularGAN:
    return TabularGAN(epochs=2, target="card", seed=0, resample=False).fit(planted)


def test_rules_are_applied_at_decode_and_saved_with_the_schema(fitted):
    gan = fitted
    rows = gan.sample(600, seed=1)
    with np.errstate(divide="ignore"):
        positive = rows.spend > 0
        exact = 0.0012 * rows.spend[positive] / rows.income[positive]  # written with 4 decimals (a tie such
        assert (np.abs(rows.share[positive] - exact) <= 0.5e-4 + 1e-12).all()  # as 0.09675 may go either way)
        assert (rows.share[positive] == np.round(rows.share[positive], 4)).all()
    assert (rows.total == rows.a + rows.b).all()
    assert (rows.spend[rows.card == "no"] == 0).all()
    assert (rows.days[rows.stratum == "naive"] == 0).all() and (rows.days[rows.stratum != "naive"] != 0).all()
    assert np.allclose(rows.pay, np.exp(rows.logpay), rtol=1e-6)
    near = rows.rate[positive] / (0.05 * rows.spend[positive] / rows.income[positive])  # the relation plus
    assert near.median() == pytest.approx(1.005, abs=0.01)  # the generated residual: about the real one
    state = gan.schema_.to_state()
    assert {r["child"] for r in state["relations"]} == {"share", "total", "days", "spend", "pay", "rate"}
    again = TableSchema.from_state(state)
    assert [r.state for r in again.transformer.rules] == state["relations"]
    del state["relations"]  # a file written before the key: no rules
    assert TableSchema.from_state(state).transformer.rules == []


def test_conditioned_rows_keep_the_rules_and_the_option_turns_them_off(planted, fitted):
    rows = fitted.sample(200, {"stratum": "naive", "card": "no"}, seed=2)
    assert (rows.days == 0).all() and (rows.spend == 0).all()
    infos = infer_columns(planted, "t")
    assert len(fitted.schema_.transformer.rules) == 6  # on by default
    assert TabularDomain.fit_transformer(planted, infos, "card", {"dependencies": False}, 0).rules == []


def test_what_gives_rows_away_names_the_rules_before_the_detector(fitted, tmp_path):
    """The diagnosis (what_gives_rows_away.txt, written by train and evaluate) says which columns the
    model sets from others, so a reader does not look for them among the giveaways; a reloaded run too."""
    from genforge import TrainedGAN
    from genforge_tabular.diagnosis import diagnosis_lines

    reloaded = TrainedGAN.load(fitted.save(tmp_path / "model.pt"), domain="tabular")
    for reference in (fitted.reference_, reloaded.reference):
        rules = [line for line in reference.rules if "'share' = 0.0012 * spend / income" in line]
        assert len(reference.rules) == 6 and len(rules) == 1
    lines = diagnosis_lines(fitted.sample(400, seed=2), reloaded.reference)
    assert lines[:6] == [f"set from other columns, not learned: {rule}" for rule in reloaded.reference.rules]
    assert lines[6].startswith("gradient-boosting detector: ROC AUC")
