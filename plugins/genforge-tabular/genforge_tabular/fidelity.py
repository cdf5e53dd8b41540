"""Column shapes, column-pair trends and quality, computed as SDMetrics' ``QualityReport`` does.

Checked against ``sdmetrics`` itself (``tests/test_fidelity_vs_sdmetrics.py``) on the same rows
and the same column types (:data:`SDTYPES`):

* column shapes: KSComplement ``1 - KS`` (numeric / datetime, missing values dropped, values
  rounded to 14 decimals) and TVComplement ``1 - 1/2 sum |p_real - p_syn|`` (categorical,
  missing values dropped);
* column-pair trends: CorrelationSimilarity ``1 - |r_real - r_syn| / 2`` (two numeric
  columns, Pearson on the rows where both are present; a constant column scores nothing) and
  ContingencySimilarity ``1 - 1/2 sum |P_real(a,b) - P_syn(a,b)|`` (otherwise; a numeric
  column is cut into 10 equal-width bins of *its own table's* range, real and synthetic each,
  ``np.digitize`` putting a missing value with the maximum, exactly as SDMetrics does);
* only pairs that are related in the real rows count toward the pair trends (SDMetrics 0.32's
  QualityReport defaults): real ``|r| > 0.5`` for two numeric columns, Cramér's V of the real
  contingency table ``> 0.3`` otherwise;
* quality: the mean of the two property scores; a pair or column that SDMetrics cannot score
  is left out of its mean (no related pair at all: quality is the column shapes).
"""
from __future__ import annotations

from itertools import combinations
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from genforge_tabular.columns import MODELLED_AS_CONTINUOUS
from genforge_tabular.encoders import to_numbers

if TYPE_CHECKING:
    from genforge_tabular.metrics import TabularReference

#: genforge column kind -> SDMetrics sdtype (constant and ID-like columns are not scored)
SDTYPES = {"continuous": "numerical", "integer": "numerical", "datetime": "datetime",
           "categorical": "categorical", "boolean": "categorical", "constant": "id", "id": "id"}
BINS = 10
KS_DECIMALS = 14
#: a pair counts toward the pair trends when the real rows relate it more than this
#: (SDMetrics' DEFAULT_REAL_CORRELATION_THRESHOLD / DEFAULT_REAL_ASSOCIATION_THRESHOLD)
CORRELATION_THRESHOLD, ASSOCIATION_THRESHOLD = 0.5, 0.3


def ks_complement(real: pd.Series, synth: pd.Series, kind: str = "continuous") -> float:
    from scipy.stats import ks_2samp

    a, b = to_numbers(real, kind), to_numbers(synth, kind)
    a, b = np.round(a[~np.isnan(a)], KS_DECIMALS), np.round(b[~np.isnan(b)], KS_DECIMALS)
    if len(a) == 0 or len(b) == 0:
        return float("nan")
    return 1.0 - float(ks_2samp(a, b).statistic)


def _shares(series: pd.Series) -> pd.Series:
    return series.dropna().astype(object).value_counts(normalize=True)


def tv_complement(real: pd.Series, synth: pd.Series) -> float:
    p, q = _shares(real), _shares(synth)
    if not len(p) or not len(q):
        return float("nan")
    return 1.0 - 0.5 * float(p.subtract(q, fill_value=0).abs().sum())


def _pearson(df: pd.DataFrame, a: str, b: str, kinds) -> float:
    x, y = to_numbers(df[a], kinds[a]), to_numbers(df[b], kinds[b])
    if len(np.unique(x[~np.isnan(x)])) < 2 or len(np.unique(y[~np.isnan(y)])) < 2:
        return float("nan")  # SDMetrics refuses a constant column
    ok = ~(np.isnan(x) | np.isnan(y))
    if ok.sum() < 2 or np.std(x[ok]) == 0 or np.std(y[ok]) == 0:
        return float("nan")
    return float(np.corrcoef(x[ok], y[ok])[0, 1])


def correlation_similarity(real: pd.DataFrame, synth: pd.DataFrame, a: str, b: str, kinds) -> float:
    return 1.0 - abs(_pearson(real, a, b, kinds) - _pearson(synth, a, b, kinds)) / 2


def discretized(series: pd.Series, kind: str) -> np.ndarray:
    """A numeric column as SDMetrics bins it for contingency tables: 10 equal-width bins of the
    column's own range, through ``np.digitize`` (a missing value lands with the maximum)."""
    x = to_numbers(series, kind)
    return np.digitize(x, np.histogram_bin_edges(x[~np.isnan(x)], bins=BINS))


def _pair_values(df: pd.DataFrame, column: str, kind: str) -> pd.Series:
    if kind in MODELLED_AS_CONTINUOUS:
        return pd.Series(discretized(df[column], kind), index=df.index)
    return df[column].astype(object)


def _joint_counts(df: pd.DataFrame, a: str, b: str, kinds) -> pd.Series:
    pairs = pd.DataFrame({"a": _pair_values(df, a, kinds[a]), "b": _pair_values(df, b, kinds[b])})
    return pairs.groupby(["a", "b"], dropna=False).size()


def contingency_similarity(real: pd.DataFrame, synth: pd.DataFrame, a: str, b: str, kinds) -> float:
    p = _joint_counts(real, a, b, kinds) / len(real)
    q = _joint_counts(synth, a, b, kinds) / len(synth)
    return 1.0 - 0.5 * float(p.subtract(q, fill_value=0).abs().sum())


def real_relation(real: pd.DataFrame, a: str, b: str, kinds) -> tuple[str, float]:
    """How strongly the real rows relate ``a`` and ``b``: ``("correlation", |Pearson r|)`` for
    two numeric columns, else ``("association", Cramér's V)`` of their contingency table."""
    if kinds[a] in MODELLED_AS_CONTINUOUS and kinds[b] in MODELLED_AS_CONTINUOUS:
        return "correlation", abs(_pearson(real, a, b, kinds))
    from scipy.stats.contingency import association

    table = _joint_counts(real, a, b, kinds).unstack(fill_value=0)
    if table.to_numpy().sum() == 0 or min(table.shape) < 2:
        return "association", float("nan")
    return "association", float(association(table.to_numpy(), method="cramer"))


def pair_trend_scores(synth: pd.DataFrame, ref: "TabularReference") -> pd.DataFrame:
    """One row per pair of modelled columns: ``a``, ``b``, ``metric``, ``score`` (NaN: not
    scorable), ``real_relation`` (|r| or Cramér's V of the real rows) and ``counted`` (whether
    the pair is related enough to count toward the pair trends, as in SDMetrics)."""
    rows = []
    for a, b in combinations(ref.modelled, 2):
        numeric = ref.kinds[a] in MODELLED_AS_CONTINUOUS and ref.kinds[b] in MODELLED_AS_CONTINUOUS
        fn = correlation_similarity if numeric else contingency_similarity
        how, strength = real_relation(ref.real, a, b, ref.kinds)
        threshold = CORRELATION_THRESHOLD if how == "correlation" else ASSOCIATION_THRESHOLD
        score = fn(ref.real, synth, a, b, ref.kinds)
        rows.append((a, b, fn.__name__, score, strength, bool(strength > threshold and np.isfinite(score))))
    return pd.DataFrame(rows, columns=["a", "b", "metric", "score", "real_relation", "counted"])


def _mean(scores) -> float:
    scores = np.asarray(list(scores), dtype=float)
    return float(np.nanmean(scores)) if np.isfinite(scores).any() else float("nan")


def column_shapes(synth: pd.DataFrame, ref: "TabularReference") -> float:
    return _mean(ks_complement(ref.real[c], synth[c], ref.kinds[c]) if ref.kinds[c] in MODELLED_AS_CONTINUOUS
                 else tv_complement(ref.real[c], synth[c]) for c in ref.modelled)


def column_pair_trends(synth: pd.DataFrame, ref: "TabularReference") -> float:
    """Mean score of the related pairs (NaN when no pair is related enough to count)."""
    pairs = ref.per_samples("pair_trend_scores", synth, lambda: pair_trend_scores(synth, ref))
    return _mean(pairs.loc[pairs["counted"], "score"])


def quality(synth: pd.DataFrame, ref: "TabularReference") -> float:
    return _mean([column_shapes(synth, ref), column_pair_trends(synth, ref)])
