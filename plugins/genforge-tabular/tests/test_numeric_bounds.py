"""Inequalities between numeric columns (``numeric_bounds.py``): found on a planted table (a chain
role <= company <= working <= age - 18), not between columns that never meet or are independent;
every sampled row keeps them, also after a reload; off with ``dependencies=false``."""
import numpy as np
import pandas as pd
import pytest

from genforge.errors import UserInputError
from genforge_tabular import TabularGAN
from genforge_tabular.columns import infer_columns
from genforge_tabular.domain import TabularDomain
from genforge_tabular.numeric_bounds import BoundRule, find_bounds
from genforge_tabular.transformer import TableTransformer


def _bounds(df: pd.DataFrame, target: str | None = None) -> dict[str, BoundRule]:
    rules = TableTransformer.fit(df, infer_columns(df, "t"), 0, relations=True, target=target).rules
    return {r.child: r for r in rules if isinstance(r, BoundRule)}


@pytest.fixture(scope="module")
def staff() -> pd.DataFrame:
    """Age 25-60; working years at most age - 18 (18 reached); years at the company at most
    the working years (equal on 30 % of rows); years in the role (at most 15 distinct values, so a
    categorical column) at most those at the company; rates on scales that never meet; noise."""
    rng = np.random.default_rng(0)
    n = 900
    age = rng.integers(25, 61, n)
    working = age - 18 - rng.integers(0, 8, n)
    working[:5] = age[:5] - 18
    company = np.where(rng.random(n) < 0.3, working, np.floor(working * rng.random(n))).astype(int)
    role = np.minimum(np.floor(company * rng.random(n)), 14).astype(int)
    return pd.DataFrame({"age": age, "working": working, "company": company, "role": role,
                         "daily": rng.integers(1000, 5000, n), "hourly": rng.integers(30, 100, n),
                         "score": np.round(rng.normal(50, 10, n), 1),
                         "left": np.where(rng.random(n) < 0.2, "yes", "no")})


def test_finds_the_chain_and_nothing_between_unrelated_columns(staff):
    bounds = _bounds(staff, target="left")
    assert set(bounds) == {"working", "company", "role"}
    working, company, role = bounds["working"], bounds["company"], bounds["role"]
    assert (working.parents, working.state["side"], working.state["offset"]) == (["age"], "upper", 18.0)
    assert (company.parents, company.state["side"], company.state["offset"]) == (["working"], "upper", 0.0)
    assert (role.parents, role.state["side"]) == (["company"], "upper")
    assert role.state["grid"]["levels"] == sorted(staff.role.unique().tolist())
    rules = TableTransformer.fit(staff, infer_columns(staff, "t"), 0, relations=True, target="left").rules
    order = [r.child for r in rules if isinstance(r, BoundRule)]
    assert order.index("working") < order.index("company") < order.index("role")  # parents first
    assert "column 'working' <= 'age' - 18 on every training row" in working.describe()


def test_independent_or_crossing_columns_have_no_bound():
    rng = np.random.default_rng(1)
    n = 1000
    df = pd.DataFrame({"a": rng.integers(0, 50, n), "b": rng.integers(0, 50, n), "x": rng.normal(size=n)})
    kinds = {"a": "integer", "b": "integer", "x": "continuous"}
    assert find_bounds(df, kinds, ["a", "b", "x"], ["a", "b", "x"], None) == []
    few = pd.DataFrame({"lo": [1, 2, 3, 4], "hi": [5, 6, 7, 8]})  # holds, but 4 rows explain nothing
    assert find_bounds(few, {"lo": "integer", "hi": "integer"}, ["lo", "hi"], ["lo", "hi"], None) == []


@pytest.fixture(scope="module")
def fitted(staff) -> TabularGAN:
    return TabularGAN(epochs=3, target="left", seed=0, resample=False).fit(staff)


def _broken(rows: pd.DataFrame) -> dict[str, int]:
    return {"working": int((rows.working > rows.age - 18).sum()), "company": int((rows.company > rows.working).sum()),
            "role": int((rows.role > rows.company).sum())}


def test_every_sampled_row_keeps_the_bounds_also_after_a_reload(fitted, staff, tmp_path):
    from genforge import TrainedGAN

    rows = fitted.sample(3000, seed=1)
    assert _broken(rows) == {"working": 0, "company": 0, "role": 0}
    assert set(rows.role.unique()) <= set(staff.role.unique()) and rows.role.dtype.kind == "i"
    assert (rows.company == rows.working).mean() > 0.05  # the gap's point mass at 0 is learned, not lost
    reloaded = TrainedGAN.load(fitted.save(tmp_path / "model.pt"), domain="tabular")
    again = reloaded.sample(3000, seed=1)
    pd.testing.assert_frame_equal(again, rows)
    conditioned = fitted.sample(500, {"left": "yes"}, seed=2)
    assert _broken(conditioned) == {"working": 0, "company": 0, "role": 0}


def test_a_condition_on_a_bounded_column_is_refused_by_name(fitted):
    with pytest.raises(UserInputError, match="'role'.*'company'"):
        fitted.sample(10, {"role": 3}, seed=0)


def test_the_option_turns_them_off_and_the_model_then_breaks_them(staff):
    infos = infer_columns(staff, "t")
    plain = TabularDomain.fit_transformer(staff, infos, "left", {"dependencies": False}, 0)
    assert not any(isinstance(r, BoundRule) for r in plain.rules)
    rows = TabularGAN(epochs=3, target="left", seed=0, resample=False, dependencies=False).fit(staff).sample(3000, seed=1)
    assert sum(_broken(rows).values()) > 100  # what the rule prevents: a GAN alone breaks the order
