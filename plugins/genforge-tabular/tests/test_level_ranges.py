"""Numeric columns whose range a categorical level fixes (``level_ranges.py``): found on a planted
pay-band table, not for an independent or a merely trimmed column; every sampled row stays in its
level's range, also after a reload; small levels keep the whole range."""
import numpy as np
import pandas as pd
import pytest

from genforge_tabular import TabularGAN
from genforge_tabular.columns import infer_columns
from genforge_tabular.level_ranges import LevelRange, find_level_ranges
from genforge_tabular.transformer import TableTransformer

BANDS = {"junior": (1000, 4000), "senior": (5000, 9000), "lead": (12000, 20000)}


@pytest.fixture(scope="module")
def pay() -> pd.DataFrame:
    """Pay in bands by level (a rare level "intern", 8 rows, anywhere); a bonus independent of it."""
    rng = np.random.default_rng(0)
    n = 1200
    level = rng.choice(list(BANDS), n, p=[0.5, 0.3, 0.2]).astype(object)
    level[:8] = "intern"
    low, high = np.array([BANDS.get(v, (1000, 20000)) for v in level]).T
    return pd.DataFrame({"level": level, "pay": rng.integers(low, high + 1),
                         "bonus": np.round(rng.gamma(2.0, 300.0, n), 2),
                         "site": rng.choice(["north", "south", "east"], n)})


def _ranges(df: pd.DataFrame) -> dict[str, LevelRange]:
    rules = TableTransformer.fit(df, infer_columns(df, "t"), 0, relations=True).rules
    return {r.child: r for r in rules if isinstance(r, LevelRange)}


def test_finds_the_bands_and_nothing_for_an_independent_column(pay):
    ranges = _ranges(pay)
    assert set(ranges) == {"pay"}
    rule = ranges["pay"]
    assert rule.parents == ["level"] and set(rule.state["ranges"]) == set(BANDS)  # intern: too few rows
    for level, (low, high) in BANDS.items():
        got = rule.state["ranges"][level]
        assert low <= got[0] < low + 100 and high - 100 < got[1] <= high
    assert "column 'pay' stays within the range of its 'level' level (3 levels" in rule.describe()


def test_a_trimmed_or_small_table_gets_no_rule():
    rng = np.random.default_rng(1)
    n = 1000
    group = rng.choice(["a", "b"], n)
    x = rng.normal(size=n) + np.where(group == "a", 0.3, 0.0)  # shifted, but each level spans the range
    df = pd.DataFrame({"g": group, "x": x})
    assert find_level_ranges(df, {"g": "categorical", "x": "continuous"}, ["x"], ["g"], {"x": {}}) == []
    tiny = pd.DataFrame({"g": ["a"] * 10 + ["b"] * 10, "x": np.r_[np.arange(10), np.arange(10) + 100.0]})
    assert find_level_ranges(tiny, {"g": "categorical", "x": "continuous"}, ["x"], ["g"], {"x": {}}) == []


def test_every_sampled_row_stays_in_its_band_also_after_a_reload(pay, tmp_path):
    from genforge import TrainedGAN

    gan = TabularGAN(epochs=3, seed=0, resample=False).fit(pay)
    rows = gan.sample(3000, seed=1)
    for level, (low, high) in BANDS.items():
        band = rows.pay[rows.level == level]
        real = pay.pay[pay.level == level]
        assert len(band) and band.min() >= real.min() and band.max() <= real.max()
    assert rows.pay.dtype.kind == "i"
    again = TrainedGAN.load(gan.save(tmp_path / "model.pt"), domain="tabular").sample(3000, seed=1)
    pd.testing.assert_frame_equal(again, rows)
    plain = TabularGAN(epochs=3, seed=0, resample=False, dependencies=False).fit(pay).sample(3000, seed=1)
    outside = sum(((plain.level == lv) & ~plain.pay.between(lo, hi)).sum() for lv, (lo, hi) in BANDS.items())
    assert outside > 300  # what the rule prevents: the GAN alone draws pay across the bands
