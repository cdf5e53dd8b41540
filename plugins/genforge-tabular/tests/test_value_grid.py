"""Every synthetic number is written as the data writes it: levels, float32 values, steps."""
import io

import numpy as np
import pandas as pd
import torch

from genforge_tabular.columns import infer_columns
from genforge_tabular.transformer import TableTransformer


def _fit_and_decode(df: pd.DataFrame, n: int = 4000) -> tuple[TableTransformer, pd.DataFrame]:
    """Fit, calibrate on (deliberately wrong) generator output, decode random generator output."""
    t = TableTransformer.fit(df, infer_columns(df, "t"), seed=0)
    rng = torch.Generator().manual_seed(0)
    fake = torch.rand(n, t.width, generator=rng) * 2 - 1
    t.calibrate([fake])
    return t, t.decode(torch.rand(n, t.width, generator=rng) * 2 - 1)


def test_float32_values_come_out_as_float32_values():
    rng = np.random.default_rng(0)
    written = pd.DataFrame({"v": rng.normal(5, 2, 600).round(1).astype(np.float32).astype(np.float64)}).to_csv(index=False)
    df = pd.read_csv(io.StringIO(written))  # 3.200000047683716, as a float32 CSV reads
    assert (df["v"] != df["v"].round(6)).any()
    t, out = _fit_and_decode(df)
    v = out["v"].to_numpy()
    single = v.astype(np.float32)
    assert (single.astype(np.float64) == v).all()               # stored as float32 numbers
    assert (np.round(v, 1).astype(np.float32) == single).all()  # with the data's one decimal


def test_few_distinct_values_are_written_as_those_values_with_their_shares():
    rng = np.random.default_rng(1)
    levels = np.array([0.5, 1.25, 2.0, 3.5, 7.0, 7.5, 8.0, 9.25, 10.0, 12.5])
    shares = np.array([0.3, 0.2, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05])
    df = pd.DataFrame({"v": rng.choice(levels, 3000, p=shares)})
    t, out = _fit_and_decode(df)
    assert set(out["v"]) <= set(levels)  # calibration never invents a value between levels
    got = out["v"].value_counts(normalize=True).reindex(levels, fill_value=0).to_numpy()
    np.testing.assert_allclose(got, df["v"].value_counts(normalize=True).reindex(levels).to_numpy(), atol=0.03)


def test_values_on_a_step_stay_on_it():
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"price": rng.integers(10, 400, 2000) * 50, "half": rng.integers(0, 200, 2000) / 2})
    _, out = _fit_and_decode(df)
    assert (out["price"] % 50 == 0).all() and (out["half"] * 2 % 1 == 0).all()
    assert out["price"].nunique() > 32 and out["half"].nunique() > 32  # not turned into levels


def test_a_column_of_repeated_values_is_written_as_those_values():
    """Wages drawn from 120 rounded salaries (log-scaled, many decimals: ISLR Wage's logwage) are
    written as training values; a column whose values rarely repeat keeps a continuous grid."""
    rng = np.random.default_rng(1)
    salaries = np.log(np.round(rng.lognormal(4.5, 0.4, 120), 1))
    df = pd.DataFrame({"logwage": salaries[rng.integers(0, 120, 2000)], "free": rng.normal(size=2000).round(4)})
    t, out = _fit_and_decode(df)
    grids = t.grids()
    assert len(grids["logwage"]["levels"]) == df.logwage.nunique() > 32 and grids["free"]["levels"] is None
    assert out["logwage"].isin(set(df.logwage)).all()
    assert (~out["free"].isin(set(df.free))).mean() > 0.5


def test_a_rule_computing_a_repeated_columns_value_writes_that_value():
    """wage = exp(logwage), both columns of repeated values (ISLR Wage): the computed wage is the
    training wage of its logwage level, to the last digit, not a 6-decimal rounding of it."""
    rng = np.random.default_rng(2)
    levels = np.log(np.round(rng.lognormal(4.5, 0.4, 120), 1))
    logwage = levels[rng.integers(0, 120, 2000)]
    df = pd.DataFrame({"logwage": logwage, "wage": np.exp(logwage), "age": rng.integers(18, 80, 2000)})
    t = TableTransformer.fit(df, infer_columns(df, "t"), seed=0, relations=True)
    assert [r.child for r in t.rules] == ["wage"] and t.grids()["logwage"]["repeated"]
    rng_t = torch.Generator().manual_seed(0)
    t.calibrate([torch.rand(4000, t.width, generator=rng_t) * 2 - 1])
    out = t.decode(torch.rand(4000, t.width, generator=rng_t) * 2 - 1)
    assert out["wage"].isin(set(df.wage)).all() and out["logwage"].isin(set(df.logwage)).all()
