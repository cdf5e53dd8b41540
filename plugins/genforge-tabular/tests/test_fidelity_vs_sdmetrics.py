"""The plugin's quality, column shapes and pair trends agree with SDMetrics' QualityReport on
the same rows and column types (``sdmetrics`` is a test dependency)."""
import warnings

import numpy as np
import pandas as pd
import pytest

from genforge_tabular import fidelity
from genforge_tabular.bundled import load_bundled
from genforge_tabular.columns import infer_columns
from genforge_tabular.metrics import TabularReference

sdmetrics_report = pytest.importorskip("sdmetrics.reports.single_table", reason="sdmetrics is a [test] extra")


def _sdmetrics_scores(real, synth, kinds):
    metadata = {"columns": {c: {"sdtype": fidelity.SDTYPES[k]} for c, k in kinds.items()}}
    report = sdmetrics_report.QualityReport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report.generate(real, synth, metadata, verbose=False)
    props = report.get_properties().set_index("Property")["Score"]
    return report.get_score(), props["Column Shapes"], props["Column Pair Trends"]


def _perturbed(df: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Synthetic-looking rows: resampled, one numeric column shifted and another shuffled,
    a categorical column partly redrawn, extra missing values."""
    rng = np.random.default_rng(seed)
    out = df.sample(len(df), replace=True, random_state=seed).reset_index(drop=True)
    numeric = [c for c in out.columns if pd.api.types.is_float_dtype(out[c])]
    if numeric:
        out[numeric[0]] = out[numeric[0]] + rng.normal(0, out[numeric[0]].std(), len(out))
        out.loc[rng.random(len(out)) < 0.1, numeric[0]] = np.nan
    if len(numeric) > 1:
        out[numeric[1]] = rng.permutation(out[numeric[1]].to_numpy())
    text = [c for c in out.columns if out[c].dtype == object]
    if text:
        redraw = rng.random(len(out)) < 0.3
        out.loc[redraw, text[0]] = rng.choice(df[text[0]].dropna().unique(), int(redraw.sum()))
    return out


@pytest.mark.parametrize("table, seed", [("penguins", 0), ("penguins", 1), ("actg175", 0)])
def test_quality_matches_sdmetrics(table, seed):
    real = load_bundled(table).frame
    if table == "actg175":
        real = real.iloc[:800]
    kinds = {i.name: i.kind for i in infer_columns(real, table)}
    synth = _perturbed(real, seed)
    ref = TabularReference(real, kinds)
    ours = fidelity.quality(synth, ref), fidelity.column_shapes(synth, ref), fidelity.column_pair_trends(synth, ref)
    theirs = _sdmetrics_scores(real, synth, kinds)
    assert ours == pytest.approx(theirs, abs=0.01)
    assert ours[0] < 0.99  # the perturbation shows


def test_unrelated_pairs_do_not_count():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(size=500), "y": rng.normal(size=500), "c": rng.choice(list("ab"), 500)})
    kinds = {"x": "continuous", "y": "continuous", "c": "categorical"}
    real["z"] = real["x"] * 2 + rng.normal(0, 0.1, 500)
    kinds["z"] = "continuous"
    pairs = fidelity.pair_trend_scores(real.iloc[::-1].reset_index(drop=True), TabularReference(real, kinds))
    assert pairs.loc[pairs["counted"], ["a", "b"]].values.tolist() == [["x", "z"]]
