"""Metric formulas on small hand-computed cases (SDMetrics definitions)."""
import numpy as np
import pandas as pd
import pytest

from genforge_tabular import metrics as m
from genforge_tabular.metrics import TabularReference


def test_ks_complement_hand_computed():
    # ECDFs differ most at 4: real F(4)=1.0, synthetic F(4)=0.75 -> KS 0.25
    assert m.ks_complement(pd.Series([1, 2, 3, 4]), pd.Series([1, 2, 3, 5])) == pytest.approx(0.75)
    assert m.ks_complement(pd.Series([1.0, np.nan, 2.0]), pd.Series([1.0, 2.0])) == pytest.approx(1.0)


def test_tv_complement_hand_computed():
    # p = (a .5, b .5), q = (a .25, b .75): TV = (.25 + .25) / 2
    assert m.tv_complement(pd.Series(list("aabb")), pd.Series(list("abbb"))) == pytest.approx(0.75)
    # missing values are dropped first, as SDMetrics does: p = (a 1), q = (a 1) -> TV 0
    assert m.tv_complement(pd.Series(["a", None]), pd.Series(["a", "a"])) == pytest.approx(1.0)
    # a level only the synthetic rows have counts against them: p = (a 1), q = (a .5, z .5)
    assert m.tv_complement(pd.Series(["a", "a"]), pd.Series(["a", "z"])) == pytest.approx(0.5)


def test_pair_trends_hand_computed():
    kinds = {"u": "continuous", "v": "continuous", "c": "categorical", "d": "categorical"}
    real = pd.DataFrame({"u": [1.0, 2, 3, 4], "v": [1.0, 2, 3, 4], "c": list("abab"), "d": list("xyxy")})
    fake = pd.DataFrame({"u": [1.0, 2, 3, 4], "v": [4.0, 3, 2, 1], "c": list("aaaa"), "d": list("xxxx")})
    # Pearson r: real +1, synthetic -1 -> 1 - |1 - (-1)| / 2 = 0
    assert m.correlation_similarity(real, fake, "u", "v", kinds) == pytest.approx(0.0)
    # joint (c,d): real {(a,x): .5, (b,y): .5}, synthetic {(a,x): 1} -> 1 - (.5 + .5) / 2
    assert m.contingency_similarity(real, fake, "c", "d", kinds) == pytest.approx(0.5)
    ref = TabularReference(real, kinds)
    assert m.quality(real, ref) == pytest.approx(1.0)
    # u and v hold the same values (KS complement 1 each), c and d have TV complement .5 each
    assert m.column_shapes(fake, ref) == pytest.approx(0.75)
    assert m.column_pair_trends(fake, ref) == pytest.approx(np.mean([0.0, 0.5, 0.5, 0.5, 0.5, 0.5]))



def test_metrics_sharing_a_computation_do_it_once_per_samples_object(monkeypatch):
    from genforge_tabular import fidelity

    calls = []
    real_scores = fidelity.pair_trend_scores
    monkeypatch.setattr(fidelity, "pair_trend_scores", lambda synth, ref: calls.append(1) or real_scores(synth, ref))
    kinds = {"u": "continuous", "v": "continuous"}
    real = pd.DataFrame({"u": [1.0, 2, 3, 4], "v": [1.0, 2, 3, 4]})
    fake = pd.DataFrame({"u": [1.0, 2, 3, 4], "v": [4.0, 3, 2, 1]})
    ref = TabularReference(real, kinds)
    assert m.column_pair_trends(fake, ref) == pytest.approx(0.0)
    assert m.quality(fake, ref) == pytest.approx(0.5) and len(calls) == 1  # the pair trends of quality: reused
    assert m.column_pair_trends(fake.copy(), ref) == pytest.approx(0.0) and len(calls) == 2  # other samples

def test_exact_copies_and_dcr_protection():
    rng = np.random.default_rng(0)
    kinds = {"x": "continuous", "c": "categorical"}
    table = pd.DataFrame({"x": rng.normal(size=400), "c": rng.choice(list("abc"), 400)})
    ref = TabularReference(table.iloc[:200].reset_index(drop=True), kinds,
                           table.iloc[200:].reset_index(drop=True), seed=0)
    fake = pd.concat([ref.real.iloc[:1], ref.holdout.iloc[:3]], ignore_index=True)
    assert m.exact_copies(fake, ref) == pytest.approx(0.25)
    assert m.dcr_overfitting_protection(ref.real.iloc[:100], ref) == pytest.approx(0.0)   # memorised
    assert m.dcr_overfitting_protection(ref.holdout.iloc[:100], ref) == pytest.approx(1.0)  # new rows


def test_dcr_protection_averages_subsamples():
    """On a 4:1 split, one subsample's score moves with its seed; ten averaged move less than 1/2.5 as much."""
    rng = np.random.default_rng(1)
    kinds = {"x": "continuous", "y": "continuous", "c": "categorical"}
    make = lambda n: pd.DataFrame({"x": rng.normal(size=n), "y": rng.normal(size=n),  # noqa: E731
                                   "c": rng.choice(list("abc"), n)})
    train, holdout = make(400), make(100)
    fake = pd.concat([train.sample(150, random_state=0), make(250)], ignore_index=True)  # 37.5 % copies
    spread = {k: np.std([m.dcr_overfitting_protection(fake, TabularReference(train, kinds, holdout, seed=s), k)
                         for s in range(8)]) for k in (1, 10)}
    assert spread[10] < spread[1] / 2.5
    assert 0.5 < m.dcr_overfitting_protection(fake, TabularReference(train, kinds, holdout, seed=0)) < 0.95


def test_detection_separates_shifted_data_only():
    rng = np.random.default_rng(0)
    kinds = {"x": "continuous", "c": "categorical"}
    make = lambda shift: pd.DataFrame({"x": rng.normal(shift, 1, 600), "c": rng.choice(list("ab"), 600)})  # noqa
    ref = TabularReference(make(0), kinds, seed=0)
    for model in ("logistic", "gb"):
        assert abs(m.detection_auc(make(0), ref, model) - 0.5) < 0.08
        assert m.detection_auc(make(3), ref, model) > 0.95


def test_efficacy_and_uplift_use_the_holdout():
    rng = np.random.default_rng(0)
    kinds = {"x": "continuous", "y": "categorical"}
    x = rng.normal(size=600)
    table = pd.DataFrame({"x": x, "y": np.where(x > 1.2, "pos", "neg")})
    ref = TabularReference(table.iloc[:400].reset_index(drop=True), kinds,
                           table.iloc[400:].reset_index(drop=True), target="y", seed=0)
    assert m.tstr_macro_f1(ref.real, ref) > 0.95
    assert m.efficacy_gap(ref.real, ref) == pytest.approx(0.0)
    flipped = ref.real.assign(y=np.where(ref.real.y == "pos", "neg", "pos"))
    assert m.tstr_macro_f1(flipped, ref) < 0.1
    assert m.augmentation_uplift(ref.real.iloc[:0], ref) == pytest.approx(0.0)
