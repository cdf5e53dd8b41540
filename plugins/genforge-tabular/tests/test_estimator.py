"""TabularGAN and GANOverSampler: the scikit-learn / imbalanced-learn contracts, on a tiny model."""
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from genforge.errors import CheckpointError, UserInputError
from genforge_tabular import GANOverSampler, TabularGAN


@pytest.fixture(scope="module")
def fitted(mixed_table, tiny):
    return TabularGAN(steps=60, target="label", **tiny).fit(mixed_table)


def test_estimator_contract(fitted):
    params = fitted.get_params()
    assert params["steps"] == 60 and params["pac"] == 2
    twin = clone(fitted)
    assert twin.get_params() == params and not hasattr(twin, "model_")
    assert twin.set_params(pac=5) is twin and twin.pac == 5
    with pytest.raises(UserInputError, match="not fitted yet"):
        twin.sample(3)


def test_samples_have_the_table_shape_and_missing_values(fitted, mixed_table):
    rows = fitted.sample(2000)
    assert list(rows.columns) == list(mixed_table.columns) and len(rows) == 2000
    assert set(rows["colour"]) <= {"red", "blue", "green"} and set(rows["label"]) <= {"rare", "common"}
    assert rows["x"].isna().any()  # missing values are modelled, not rejected
    assert rows["age"].between(18, 89).all() and rows["age"].dtype == np.int64
    pd.testing.assert_frame_equal(fitted.sample(50, seed=4), fitted.sample(50, seed=4))
    assert not fitted.sample(50, seed=4).equals(fitted.sample(50, seed=5))


def test_conditional_sampling_is_exact(fitted):
    rows = fitted.sample(300, conditions={"label": "rare"})
    assert len(rows) == 300 and (rows["label"] == "rare").all()
    both = fitted.sample(77, conditions={"label": "rare", "colour": "blue"})
    assert len(both) == 77 and (both["label"] == "rare").all() and (both["colour"] == "blue").all()


@pytest.mark.parametrize("conditions, message", [
    ({"nope": "x"}, "condition on column 'nope': no such column"),
    ({"label": "unseen"}, "condition label='unseen': this value never occurs in column 'label'"),
    ({"x": "1.0"}, "condition on column 'x': it is continuous"),
])
def test_bad_conditions(fitted, conditions, message):
    with pytest.raises(UserInputError, match=message):
        fitted.sample(5, conditions=conditions)


def test_save_load_round_trip_is_weights_only(fitted, tmp_path):
    path = fitted.save(tmp_path / "gan.pt")
    again = TabularGAN.load(path)
    pd.testing.assert_frame_equal(again.sample(40, {"label": "rare"}, seed=2), fitted.sample(40, {"label": "rare"}, seed=2))
    assert again.get_params() == fitted.get_params()
    bad = tmp_path / "evil.pt"
    import pickle
    bad.write_bytes(pickle.dumps({"x": object()}))
    with pytest.raises(CheckpointError):
        TabularGAN.load(bad)


@pytest.mark.parametrize("strategy", ["auto", "minority", 0.5, {"rare": 100}])
def test_oversampler_follows_sampling_strategy(mixed_table, tiny, strategy):
    X, y = mixed_table.drop(columns="label"), mixed_table["label"]
    counts = Counter(y)
    rare = {"auto": counts["common"], "minority": counts["common"], 0.5: int(0.5 * counts["common"])}.get(
        strategy if isinstance(strategy, (str, float)) else None, 100)
    expected = {"common": counts["common"], "rare": rare}
    sampler = GANOverSampler(sampling_strategy=strategy, random_state=0, gan_params={"steps": 5, **tiny})
    X_res, y_res = sampler.fit_resample(X, y)
    assert Counter(y_res) == expected
    assert list(X_res.columns) == list(X.columns) and len(X_res) == len(y_res)
    pd.testing.assert_frame_equal(X_res.iloc[:len(X)], X.reset_index(drop=True), check_dtype=False)


def test_oversampler_in_an_imblearn_pipeline(mixed_table, tiny):
    from imblearn.pipeline import Pipeline
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import OneHotEncoder
    from sklearn.impute import SimpleImputer

    X, y = mixed_table.drop(columns="label"), mixed_table["label"]
    features = ColumnTransformer([("num", SimpleImputer(), ["x", "age"]),
                                  ("cat", OneHotEncoder(handle_unknown="ignore"), ["colour"])])
    pipe = Pipeline([("gan", GANOverSampler(random_state=0, gan_params={"steps": 5, **tiny})),
                     ("features", features), ("clf", LogisticRegression(max_iter=200))])
    pipe.fit(X, y)
    assert set(pipe.predict(X)) <= {"rare", "common"}
    with pytest.raises(UserInputError, match="the target has one class"):
        GANOverSampler().fit_resample(X, ["a"] * len(X))


def test_oversampler_on_numpy_arrays(mixed_table, tiny):
    X = mixed_table[["x", "age"]].fillna(0).to_numpy()
    y = (mixed_table["label"] == "rare").astype(int).to_numpy()
    X_res, y_res = GANOverSampler(random_state=0, gan_params={"steps": 5, **tiny}).fit_resample(X, y)
    assert isinstance(X_res, np.ndarray) and X_res.shape == (2 * (y == 0).sum(), 2)
    assert Counter(y_res) == {0: (y == 0).sum(), 1: (y == 0).sum()} and y_res.dtype == y.dtype
    np.testing.assert_array_equal(X_res[:len(X)], X)


def test_calibration_brings_the_numeric_marginals_to_the_data_and_is_saved(mixed_table, tiny, tmp_path):
    from genforge_tabular.columns import infer_columns
    from genforge_tabular.metrics import TabularReference, ks_complement

    kinds = {i.name: i.kind for i in infer_columns(mixed_table, "t", ["label"])}
    ref = TabularReference(mixed_table, kinds, None, "label", 0)
    shapes = {}
    for calibrate in (False, True):
        # the resampling step off: it corrects marginals too, and this measures calibration alone
        gan = TabularGAN(steps=40, target="label", calibrate=calibrate, resample=False, **tiny).fit(mixed_table)
        rows = gan.sample(2000, seed=1)
        shapes[calibrate] = [ks_complement(ref.real[c], rows[c], kinds[c]) for c in ("x", "age")]
        calibrated = [e.state.get("calibration") is not None for e in gan.schema_.transformer.encoders[:2]]
        assert calibrated == [calibrate] * 2
    # after 40 steps the raw marginals are far off; calibrated ones are close
    assert max(shapes[False]) < 0.85 and min(shapes[True]) > 0.93
    again = TabularGAN.load(gan.save(tmp_path / "calibrated.pt"))
    pd.testing.assert_frame_equal(again.sample(300, seed=3), gan.sample(300, seed=3))
    with pytest.raises(UserInputError, match="calibrate='yes'.*true or false"):
        TabularGAN(steps=2, calibrate="yes", **tiny).fit(mixed_table)
