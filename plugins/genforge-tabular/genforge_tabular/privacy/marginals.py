"""Differentially private column statistics, released as a *proxy table* the encoders fit on.

Every statistic the column encoders keep (numeric ranges, mixture fits, category sets and
frequencies, missing rates; and through them training-by-sampling's condition frequencies)
is computed from a proxy table drawn from per-column DP histograms, so it is post-processing
of those histograms and costs nothing more. Each column's histogram is a Laplace mechanism
(one row changes one bin by 1: L1 sensitivity 1); columns compose sequentially, so each gets
``epsilon / columns``.

* a numeric column with declared bounds (``public={col: [lo, hi]}``): a 32-bin histogram in
  them, plus a missing bin;
* a numeric column without: half of its epsilon finds the range (a histogram over the
  signed powers of two, 1st to 99th noisy percentile), half the histogram in it;
* a categorical column with declared levels: a histogram over them (plus missing);
* without: the stability histogram (Korolova et al. 2009; Bun et al.): a level is released
  only if its noisy count passes ``1 + ln(1 / (2 delta)) / epsilon``, which a level held by a
  single row passes with probability at most ``delta``.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from genforge.errors import UserInputError
from genforge_tabular.columns import MODELLED_AS_CONTINUOUS, ColumnInfo
from genforge_tabular.encoders import to_numbers

NUMERIC_BINS = 32
#: signed powers of two for the range search: +-2**-8 ... +-2**40 (and 0)
RANGE_EXPONENTS = np.arange(-8, 41)
RANGE_QUANTILES = (0.01, 0.99)
#: range-search bins whose noisy count is below RANGE_FLOOR / epsilon count as empty (post-processing)
RANGE_FLOOR = 10.0


def range_edges() -> np.ndarray:
    powers = 2.0 ** RANGE_EXPONENTS
    return np.concatenate([-powers[::-1], [0.0], powers])


def noisy_counts(counts: np.ndarray, epsilon: float, rng: np.random.Generator) -> np.ndarray:
    """Laplace(1/epsilon) counts; those below the noise scale 1/epsilon set to 0 (post-processing:
    an empty bin, e.g. a missing slot the column never had, should not get rows)."""
    noisy = counts + rng.laplace(0.0, 1.0 / epsilon, size=len(counts))
    return np.where(noisy < 1.0 / epsilon, 0.0, noisy)


def private_range(x: np.ndarray, epsilon: float, rng: np.random.Generator) -> tuple[float, float]:
    """The noisy 1st-99th percentile range, to a power of two, from a histogram over signed powers."""
    edges = range_edges()
    counts = np.histogram(np.clip(x, edges[0], edges[-1]), bins=edges)[0]
    noisy = noisy_counts(counts, epsilon, rng)
    noisy[noisy < RANGE_FLOOR / epsilon] = 0.0  # most of ~100 bins are empty: keep their noise out
    if noisy.sum() <= 0:
        raise UserInputError("privacy: a numeric column's range could not be found privately "
                             "(too few rows for the budget); declare it in privacy public={column = [lo, hi]}")
    cdf = np.cumsum(noisy) / noisy.sum()
    lo = edges[int(np.searchsorted(cdf, RANGE_QUANTILES[0]))]
    hi = edges[min(len(edges) - 1, int(np.searchsorted(cdf, RANGE_QUANTILES[1])) + 1)]
    return float(lo), float(hi if hi > lo else lo + 1.0)


def numeric_proxy(values: np.ndarray, bounds: list[float] | None, epsilon: float, rows: int,
                  rng: np.random.Generator, integer: bool) -> tuple[np.ndarray, tuple[float, float]]:
    """``rows`` proxy values drawn from the column's DP histogram (missing as NaN), and the range."""
    missing = np.isnan(values)
    x = values[~missing]
    if bounds is None:
        lo, hi = private_range(x, epsilon / 2, rng)
        epsilon = epsilon / 2
    else:
        lo, hi = float(bounds[0]), float(bounds[1])
    edges = np.linspace(lo, hi, NUMERIC_BINS + 1)
    counts = np.append(np.histogram(np.clip(x, lo, hi), bins=edges)[0], missing.sum())
    shares = noisy_counts(counts, epsilon, rng)
    shares = shares / shares.sum() if shares.sum() > 0 else np.full(len(shares), 1.0 / len(shares))
    bins = allocate(shares, rows, rng)
    out = np.full(rows, np.nan)
    real_bins = bins < NUMERIC_BINS
    out[real_bins] = rng.uniform(edges[bins[real_bins]], edges[bins[real_bins] + 1])
    if integer:
        out = np.round(out)
    return out, (lo, hi)


def category_proxy(series: pd.Series, levels: list[Any] | None, epsilon: float, delta: float, rows: int,
                   rng: np.random.Generator) -> np.ndarray:
    """``rows`` proxy values from the column's DP histogram over declared levels, or over the levels
    a stability histogram releases; missing values stay a level of their own."""
    counts = series.value_counts(dropna=True)
    if levels is None:
        noisy = noisy_counts(counts.to_numpy(dtype=float), epsilon, rng)
        threshold = 1.0 + math.log(1.0 / (2.0 * delta)) / epsilon
        keep = noisy > threshold
        levels, noisy = list(counts.index[keep]), noisy[keep]
    else:
        noisy = noisy_counts(counts.reindex(levels, fill_value=0).to_numpy(dtype=float), epsilon, rng)
    missing = noisy_counts(np.array([float(series.isna().sum())]), epsilon, rng)
    weights = np.append(noisy, missing)
    if levels and weights.sum() <= 0:  # declared levels, all drowned in noise: uniform over them
        weights[:-1] = 1.0
    if not levels:
        raise UserInputError(f"privacy: column {series.name!r}: no level survives the noise at this budget; "
                             "declare its levels in privacy public={column = [levels]} or raise epsilon")
    values = np.empty(len(levels) + 1, dtype=object)
    values[:-1], values[-1] = levels, None
    if rows < len(levels):  # fewer rows than levels: drawn by weight alone
        return values[allocate(weights / weights.sum(), rows, rng)]
    drawn = allocate(weights / weights.sum(), rows - len(levels), rng)
    return values[rng.permutation(np.concatenate([np.arange(len(levels)), drawn]))]  # every level kept


def allocate(shares: np.ndarray, rows: int, rng: np.random.Generator) -> np.ndarray:
    """Bin indices, ``rows`` of them, in the proportions ``shares`` (largest remainder), shuffled."""
    exact = shares * rows
    counts = np.floor(exact).astype(int)
    counts[np.argsort(-(exact - counts))[:rows - counts.sum()]] += 1
    return rng.permutation(np.repeat(np.arange(len(shares)), counts))


def _fits(values: pd.Series, dtype: Any) -> bool:
    """Whether proxy ``values`` are exactly representable in the real column's ``dtype``: whole
    numbers for an integer column, True/False for a boolean one (else they stay as drawn)."""
    if pd.api.types.is_bool_dtype(dtype):
        return bool(values.isin([True, False]).all())
    if pd.api.types.is_integer_dtype(dtype):
        return pd.api.types.is_numeric_dtype(values) and bool((values % 1 == 0).all())
    return False


def private_proxy(train: pd.DataFrame, infos: list[ColumnInfo], public: dict[str, list[Any]], epsilon: float,
                  delta: float, rows: int, seed: int) -> tuple[pd.DataFrame, dict[str, tuple[float, float]], int]:
    """The proxy table (``rows`` rows), the numeric ranges (for clipping the real rows) and how
    many columns shared the budget. ID-like columns are regenerated and cost nothing."""
    rng = np.random.default_rng(seed)
    modelled = [i for i in infos if i.kind != "id"]
    eps_col, delta_col = epsilon / max(1, len(modelled)), delta / max(1, len(modelled))
    columns, ranges = {}, {}
    for info in infos:
        series = train[info.name]
        if info.kind == "id":
            columns[info.name] = np.arange(rows) if pd.api.types.is_numeric_dtype(series) \
                else np.array([f"id-{i}" for i in range(rows)], dtype=object)
        elif info.kind in MODELLED_AS_CONTINUOUS:
            values, ranges[info.name] = numeric_proxy(to_numbers(series, info.kind), public.get(info.name), eps_col,
                                                      rows, rng, info.kind != "continuous")
            columns[info.name] = pd.to_datetime(values, unit="s") if info.kind == "datetime" else values
        else:  # categorical, boolean, constant
            columns[info.name] = category_proxy(series, public.get(info.name), eps_col, delta_col, rows, rng)
    proxy = pd.DataFrame(columns)
    for info in infos:  # the real dtypes are part of the (public) schema
        values, dtype = proxy[info.name], train[info.name].dtype
        if info.kind in ("integer", "boolean") and not values.isna().any() and _fits(values, dtype):
            proxy[info.name] = values.astype(dtype)
    return proxy, ranges, len(modelled)


def domains_of(frame: pd.DataFrame, kinds: dict[str, str]) -> dict[str, list[Any]]:
    """Column domains of a table that may be treated as public (a data dictionary, a code list,
    a public release of the same survey): ``[lo, hi]`` per numeric column, the levels of the
    others; for ``PrivacySpec.public``. Using the private table itself here is NOT private."""
    out: dict[str, list[Any]] = {}
    for name, kind in kinds.items():
        if kind in MODELLED_AS_CONTINUOUS and kind != "datetime":
            x = to_numbers(frame[name], kind)
            out[name] = [float(np.nanmin(x)), float(np.nanmax(x))]
        elif kind != "id" and kind not in MODELLED_AS_CONTINUOUS:
            out[name] = sorted(frame[name].dropna().unique().tolist(), key=str)
    return out
