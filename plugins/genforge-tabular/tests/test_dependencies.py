"""Functional dependencies (derived columns) and code-like integer columns."""
import numpy as np
import pandas as pd
import pytest
import torch

from genforge.errors import UserInputError
from genforge_tabular import TabularGAN
from genforge_tabular.columns import infer_columns
from genforge_tabular.dependencies import _chance, find_dependencies
from genforge_tabular.encoders.value_grid import snap as _snap
from genforge_tabular.transformer import TableTransformer

CONTINENT = {"France": "Europe", "Spain": "Europe", "Japan": "Asia", "India": "Asia", "Peru": "Americas",
             "Chile": "Americas", "Kenya": "Africa", "Ghana": "Africa"}
KINDS = {"code": "integer", "pcode": "integer"}  # numbers, not the categories 8 levels would suggest
CODE = {"France": 220, "Spain": 230, "Japan": 740, "India": 750, "Peru": 135, "Chile": 155, "Kenya": 501,
        "Ghana": 452}


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    """Countries with a continent and a code each (exact), a population code that changed
    once for one country (near), an unrelated noise level and a class target."""
    rng = np.random.default_rng(0)
    n = 600
    country = rng.choice(list(CONTINENT), n)
    df = pd.DataFrame({"country": country, "continent": [CONTINENT[c] for c in country],
                       "code": [CODE[c] for c in country], "noise": rng.choice(["u", "v", "w"], n),
                       "year": rng.integers(1950, 2000, n),
                       "label": np.where(rng.random(n) < 0.3, "yes", "no")})
    df["pcode"] = df["code"] + 1
    df.loc[(df.country == "Peru") & (df.year > 1995), "pcode"] = 999
    return df


def test_finds_exact_and_near_dependencies_and_not_chance_ones(panel):
    deps = find_dependencies(panel, infer_columns(panel, "t", metadata=KINDS), target="label")
    assert deps == {"continent": "country", "code": "country", "pcode": "country"}
    # the target is never derived, even when a column determines it
    with_target = panel.assign(label=panel["continent"])
    assert "label" not in find_dependencies(with_target, infer_columns(with_target, "t", metadata=KINDS), target="label")
    # a parent with a level per row or two explains nothing: no dependency
    few = panel.head(12)
    assert find_dependencies(few, infer_columns(few, "t", metadata=KINDS), target="label") == {}


def test_chance_probability_matches_hand_computation():
    # parent levels of sizes 2 and 3, both constant; child frequencies 1/2, 1/2
    parent = np.array([0, 0, 1, 1, 1])
    child = np.array([0, 0, 1, 1, 1])
    q = np.array([2 / 5, 3 / 5])
    expected = (q ** 2).sum() * (q ** 3).sum()
    assert _chance(parent, child) == pytest.approx(expected)


def test_derived_columns_follow_their_parent_through_a_round_trip(panel):
    infos = infer_columns(panel, "t", metadata=KINDS)
    deps = find_dependencies(panel, infos, target="label")
    t = TableTransformer.fit(panel, infos, seed=0, dependencies=deps)
    assert set(t.derived) == {"continent", "code", "pcode"}
    full = TableTransformer.fit(panel, infos, seed=0)
    assert t.width == full.width - sum(e.width for e in full.encoders if e.state["name"] in deps)
    back = t.decode(t.encode(panel, torch.Generator().manual_seed(0)))
    assert (back["continent"] == panel["country"].map(CONTINENT)).all()
    assert (back["code"] == panel["country"].map(CODE)).all() and back["code"].dtype == np.int64
    peru = back["country"] == "Peru"
    assert set(back.loc[~peru, "pcode"]) <= set(panel["pcode"]) and (back.loc[~peru, "pcode"] == back.loc[~peru, "code"] + 1).all()
    assert set(back.loc[peru, "pcode"]) <= {136, 999}  # Peru's two values, drawn by frequency
    state = TableTransformer.from_state(t.to_state())
    pd.testing.assert_frame_equal(state.decode(t.encode(panel, torch.Generator().manual_seed(0))), back)


def test_code_like_integers_snap_to_observed_values():
    np.testing.assert_array_equal(_snap(np.array([0.0, 3.4, 3.6, 7.0, 100.0]), [2, 5, 9]), [2, 2, 5, 5, 9])
    codes = pd.DataFrame({"c": np.random.default_rng(0).choice([2, 20, 40, 200, 700], 300),
                          "n": np.random.default_rng(1).integers(0, 400, 300)})  # counts: dense, rarely repeated
    t = TableTransformer.fit(codes, infer_columns(codes, "t", metadata={"c": "integer"}), seed=0)
    c, n = t.encoders
    assert c.state["levels"] == [2, 20, 40, 200, 700] and n.state["levels"] is None  # counts are not codes
    block = np.zeros((3, c.width), dtype=np.float32)
    block[:, 1] = 1.0
    block[:, 0] = [-1, 0, 1]  # anywhere in the mode: always an observed code
    assert set(c.decode(block)) <= {2, 20, 40, 200, 700}


@pytest.fixture(scope="module")
def fitted(panel, tiny):
    return TabularGAN(epochs=3, target="label", seed=0, metadata=KINDS, **tiny).fit(panel)


def test_the_model_keeps_dependencies_and_reports_them(fitted, panel):
    rows = fitted.sample(400, seed=1)
    assert (rows["continent"] == rows["country"].map(CONTINENT)).all()
    assert (rows["code"] == rows["country"].map(CODE)).all()
    assert sum("determined by column 'country'" in k for k in fitted.report_.skipped) == 3


def test_conditions_on_derived_columns_go_through_the_parent(fitted):
    asia = fitted.sample(60, conditions={"continent": "Asia"}, seed=2)
    assert len(asia) == 60 and (asia["continent"] == "Asia").all() and set(asia["country"]) <= {"Japan", "India"}
    both = fitted.sample(30, conditions={"continent": "Asia", "label": "yes"}, seed=3)
    assert (both["continent"] == "Asia").all() and (both["label"] == "yes").all()
    assert (fitted.sample(10, conditions={"code": 740}, seed=4)["country"] == "Japan").all()


@pytest.mark.parametrize("conditions, message", [
    ({"continent": "Atlantis"}, "never occurs in column 'continent'"),
    ({"country": "Japan", "continent": "Europe"}, "no training row satisfies them together"),
    ({"pcode": 136}, "nearly determined by it"),
])
def test_bad_conditions_on_derived_columns(fitted, conditions, message):
    with pytest.raises(UserInputError, match=message):
        fitted.sample(5, conditions=conditions)


def test_dependencies_can_be_switched_off(panel, tiny):
    gan = TabularGAN(epochs=1, target="label", dependencies=False, **tiny).fit(panel)
    assert not gan.schema_.transformer.derived
    with pytest.raises(UserInputError, match="dependencies=.yes.: expected true or false"):
        TabularGAN(epochs=1, target="label", dependencies="yes", **tiny).fit(panel)
