import io

import numpy as np
import pandas as pd
import pytest
import torch

from genforge_tabular.columns import infer_columns
from genforge_tabular.transformer import TableTransformer


def fit(df, **kw):
    return TableTransformer.fit(df, infer_columns(df, "t", **kw), seed=0)


def test_kinds_are_inferred(mixed_table):
    df = mixed_table.assign(const=7, rid=np.arange(len(mixed_table)), flag=mixed_table.label == "rare",
                            day=pd.date_range("2020-01-01", periods=len(mixed_table)).astype(str))
    kinds = {i.name: i.kind for i in infer_columns(df, "t")}
    assert kinds == {"x": "continuous", "age": "integer", "colour": "categorical", "label": "categorical",
                     "const": "constant", "rid": "id", "flag": "boolean", "day": "datetime"}
    assert {i.name: i.kind for i in infer_columns(df, "t", metadata={"age": "categorical"})}["age"] == "categorical"


def test_categorical_round_trip_is_exact_with_missing_values():
    df = pd.DataFrame({"c": ["a", None, "b", "a", "c"] * 20, "n": [1, 2, 3, 2, 1] * 20,
                       "b": [True, False, True, True, False] * 20})
    t = fit(df, discrete_columns=["n"])
    back = t.decode(t.encode(df, torch.Generator().manual_seed(0)))
    pd.testing.assert_frame_equal(back, df)


def test_continuous_round_trip_and_modes(mixed_table):
    t = fit(mixed_table)
    enc = t.encoders[0]
    assert enc.modes >= 2  # bimodal column: at least two modes
    assert sorted(round(m) for m in enc.means)[0] < -3 and sorted(round(m) for m in enc.means)[-1] > 3
    back = t.decode(t.encode(mixed_table, torch.Generator().manual_seed(0)))
    assert back["x"].isna().sum() == mixed_table["x"].isna().sum()
    np.testing.assert_allclose(back["x"].dropna(), mixed_table["x"].dropna(), atol=0.011)
    assert (back["age"] == mixed_table["age"]).all() and back["age"].dtype == np.int64


def test_high_cardinality_uses_bounded_width_and_keeps_frequencies():
    rng = np.random.default_rng(0)
    levels = [f"L{i}" for i in range(5000)]
    df = pd.DataFrame({"city": rng.choice(levels, 20000), "v": rng.normal(size=20000)})
    t = TableTransformer.fit(df, infer_columns(df, "t"), seed=0, max_categories=100)
    assert t.encoders[0].width == 101  # 100 levels + "other", not a 5000-wide one-hot
    encoded = t.encode(df, torch.Generator().manual_seed(0))
    back = t.decode(encoded)
    kept = set(t.encoders[0].categories)
    same = df["city"].isin(kept)
    assert (back["city"][same] == df["city"][same]).all()  # kept levels: exact
    assert back["city"][~same].isin(levels).all()           # rare ones: drawn from the rare levels


def test_fit_uses_a_bounded_subsample_and_is_vectorized():
    import time
    df = pd.DataFrame({"v": np.random.default_rng(0).normal(size=200_000)})
    started = time.perf_counter()
    t = TableTransformer.fit(df, infer_columns(df, "t"), seed=0, fit_rows=2000)
    encoded = t.encode(df, torch.Generator().manual_seed(0))
    t.decode(encoded)
    assert time.perf_counter() - started < 20


def test_state_is_weights_only_serialisable(mixed_table):
    t = fit(mixed_table)
    buf = io.BytesIO()
    torch.save(t.to_state(), buf)
    buf.seek(0)
    again = TableTransformer.from_state(torch.load(buf, weights_only=True))
    x = t.encode(mixed_table, torch.Generator().manual_seed(1))
    pd.testing.assert_frame_equal(again.decode(x), t.decode(x))


def test_datetime_and_boolean_columns_round_trip():
    days = pd.to_datetime("2020-01-01") + pd.to_timedelta(np.random.default_rng(0).integers(0, 900, 300), unit="D")
    df = pd.DataFrame({"when": days.strftime("%Y-%m-%d"), "ok": np.arange(300) % 3 == 0})
    t = fit(df)
    assert [e.state["kind"] for e in t.encoders] == ["datetime", "boolean"]
    back = t.decode(t.encode(df, torch.Generator().manual_seed(0)))
    assert (back["ok"] == df["ok"]).all() and back["ok"].dtype == bool
    gap = (back["when"] - pd.to_datetime(df["when"])).abs().max()
    assert gap <= pd.Timedelta(seconds=1)


def test_calibration_maps_generated_values_onto_the_real_marginal_keeping_their_order():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"v": rng.exponential(2.0, 3000).round(3), "k": rng.integers(0, 100, 3000)})
    t = fit(real)
    # "generated": the wrong shape (uniform over the range; 30 % piled on the lower bound and
    # 'k' shifted up), encoded as the generator would output it
    gen = pd.DataFrame({"v": np.where(rng.random(5000) < 0.3, 0.0, rng.uniform(0, real.v.max(), 5000)),
                        "k": rng.integers(40, 100, 5000)})
    encoded = t.encode(gen, torch.Generator().manual_seed(0))
    before = t.decode(encoded)
    t.calibrate([encoded[:2500], encoded[2500:]])
    after = t.decode(encoded)
    levels = [0.4, 0.5, 0.75, 0.9]
    np.testing.assert_allclose(after.v.quantile(levels), real.v.quantile(levels), rtol=0.05, atol=0.05)
    np.testing.assert_allclose(after.k.quantile(levels), real.k.quantile(levels), atol=2.5)
    assert np.abs(before.v.quantile(levels) - real.v.quantile(levels)).max() > 1.0  # it was off before
    # the tie (30 % at 0) is spread over the real values of the quantile levels it spans
    tied = after.v[gen.v == 0.0]
    assert tied.max() <= real.v.quantile(0.31) and tied.nunique() > 100
    assert abs(tied.median() - real.v.quantile(0.15)) < 0.05
    raw, _ = t.encoders[0].values(encoded[:, :t.blocks[0][1]].numpy())
    untied = (gen.v != 0.0).to_numpy()
    kept = after.v.to_numpy()[untied][np.argsort(raw[untied], kind="stable")]
    assert (np.diff(kept) >= 0).all()  # elsewhere monotone in the generator's (unrounded) values
    pd.testing.assert_frame_equal(t.decode(encoded), after)  # ties are drawn from the output: repeatable
    assert after.k.dtype == np.int64 and after.v.round(3).equals(after.v)  # rounding still applies
    state = t.encoders[0].state["calibration"]
    assert len(state["knots"]) < 201 and np.all(np.diff(state["knots"]) > 0)  # the 30 % tie is one knot
    # off: no quantiles kept, nothing calibrated
    plain = TableTransformer.fit(real, infer_columns(real, "t"), calibrate=False)
    plain.calibrate([encoded])
    assert not plain.calibrated_columns() and "calibration" not in plain.encoders[0].state
