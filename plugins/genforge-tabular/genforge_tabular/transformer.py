"""Tables <-> tensors: mode-specific normalization and one-hot codes, fully vectorized.

Continuous columns (Xu et al. 2019, CTGAN): a variational Gaussian mixture
(scikit-learn's ``BayesianGaussianMixture``) is fitted on a bounded subsample;
a value ``x`` becomes a mode ``k`` drawn from its posterior over the modes and a
scalar ``alpha = (x - mu_k) / (4 sigma_k)`` in (-1, 1). A missing value is an
extra mode. Categorical columns become one-hot codes, with a slot for a
missing value and, for high-cardinality columns, an "other" slot whose values
are drawn from the rare levels by frequency. Categorical codes are exactly
invertible. A column that a categorical column determines (exactly, or nearly
for a numeric one) is derived from it, not modelled (``dependencies.py``).
Integer columns of codes have their synthetic values snapped to observed codes.

Marginal calibration: after training, each numeric column's generated values are
mapped through ``F_real^-1(F_generated(x))``, a monotone map between the two
distributions' quantiles (:meth:`ContinuousEncoder.calibrate`). A monotone map
fixes the column's marginal without changing the ranks of the values, so the
relations between columns (the copula) stay as the generator made them.

The state holds plain Python values only (weights-only checkpoints).
"""
from __future__ import annotations

import hashlib
import warnings
from typing import Any, Iterable

import numpy as np
import pandas as pd
import torch

from genforge_tabular.columns import MODELLED_AS_CONTINUOUS, MODELLED_AS_DISCRETE, ColumnInfo

#: continuous values used to fit each mixture
FIT_ROWS = 5000
#: categorical columns keep this many most frequent levels; the rest share an "other" slot
MAX_CATEGORIES = 300
MAX_MODES = 10
#: an integer column whose observed values cover less than this share of the whole numbers
#: in their range (codes, not counts) has its synthetic values snapped to observed ones
CODE_COVERAGE = 0.5
#: ... when it has at most this many distinct values
MAX_CODES = 5000
MIN_MODE_WEIGHT = 0.005
#: quantile levels of the marginal calibration map (201 knots: every half percentile)
CALIBRATION_LEVELS = np.linspace(0.0, 1.0, 201)


def _plain(value: Any) -> Any:
    """A numpy/pandas scalar as a plain Python value (``None`` for missing)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return str(value)
    return value.item() if isinstance(value, np.generic) else value


def output_seed(block: np.ndarray) -> int:
    """A seed derived from generator output: decoding stays a pure function of it."""
    return int.from_bytes(hashlib.blake2b(np.ascontiguousarray(block).tobytes(), digest_size=8).digest(), "little")


class ContinuousEncoder:
    """Mode-specific normalization of one numeric (or datetime) column."""

    def __init__(self, state: dict[str, Any]):
        self.state = state
        self.means = np.array(state["means"], dtype=float)
        self.stds = np.array(state["stds"], dtype=float)
        self.log_weights = np.log(np.array(state["weights"], dtype=float))
        self.modes = len(self.means)
        self.width = 1 + self.modes + int(state["missing"])

    @classmethod
    def fit(cls, info: ColumnInfo, series: pd.Series, seed: int, fit_rows: int = FIT_ROWS,
            calibrate: bool = True) -> "ContinuousEncoder":
        """``calibrate``: keep the column's quantiles, for :meth:`calibrate` after training."""
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.mixture import BayesianGaussianMixture

        values = to_numbers(series, info.kind)
        x = values[~np.isnan(values)]
        rng = np.random.default_rng(seed)
        sub = x if len(x) <= fit_rows else rng.choice(x, fit_rows, replace=False)
        lo, hi = float(x.min()), float(x.max())
        floor = max((hi - lo) * 1e-3, 1e-6)
        n_unique = len(np.unique(sub))
        if n_unique < 2:
            means, stds, weights = [float(sub[0])], [floor], [1.0]
        else:
            bgm = BayesianGaussianMixture(n_components=min(MAX_MODES, n_unique),
                                         weight_concentration_prior_type="dirichlet_process",
                                         weight_concentration_prior=1e-3, max_iter=100, n_init=1,
                                         covariance_type="diag",  # = "full" in 1-D, 2.8x faster
                                         random_state=seed % 2**31)
            with warnings.catch_warnings():  # 100 EM rounds are plenty for the modes we keep
                warnings.simplefilter("ignore", ConvergenceWarning)
                bgm.fit(sub.reshape(-1, 1))
            keep = bgm.weights_ > MIN_MODE_WEIGHT
            if not keep.any():
                keep = bgm.weights_ == bgm.weights_.max()
            means = bgm.means_[keep, 0].tolist()
            stds = np.maximum(np.sqrt(bgm.covariances_[keep].reshape(-1)), floor).tolist()
            weights = (bgm.weights_[keep] / bgm.weights_[keep].sum()).tolist()
        return cls({"name": info.name, "kind": info.kind, "means": means, "stds": stds, "weights": weights,
                    "missing": bool(np.isnan(values).any()), "lo": lo, "hi": hi,
                    "decimals": _decimals(x) if info.kind == "continuous" else 0, "codes": _code_values(x, info.kind),
                    "resolution": _resolution(x) if info.kind == "datetime" else 1,
                    "quantiles": np.quantile(x, CALIBRATION_LEVELS).tolist() if calibrate else None})

    def spans(self) -> list[tuple[int, str]]:
        return [(1, "tanh"), (self.width - 1, "softmax")]

    def encode(self, series: pd.Series, rng: torch.Generator) -> np.ndarray:
        values = to_numbers(series, self.state["kind"])
        missing = np.isnan(values)
        x = np.where(missing, self.means[0], values)[:, None]
        logp = self.log_weights - np.log(self.stds) - 0.5 * ((x - self.means) / self.stds) ** 2
        gumbel = -torch.log(-torch.log(torch.rand(len(x), self.modes, generator=rng, dtype=torch.float64)
                                       .clamp_min(1e-12))).numpy()
        mode = np.argmax(logp + gumbel, axis=1)
        out = np.zeros((len(x), self.width), dtype=np.float32)
        alpha = (x[:, 0] - self.means[mode]) / (4 * self.stds[mode])
        out[:, 0] = np.where(missing, 0.0, np.clip(alpha, -0.99, 0.99))
        out[np.arange(len(x)), 1 + np.where(missing, self.modes, mode)] = 1.0
        return out

    def values(self, block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The generator's values before calibration and rounding, and which are missing."""
        mode = np.argmax(block[:, 1:], axis=1)
        missing = mode >= self.modes
        mode = np.minimum(mode, self.modes - 1)
        alpha = np.clip(block[:, 0], -1, 1)
        return np.clip(alpha * 4 * self.stds[mode] + self.means[mode], self.state["lo"], self.state["hi"]), missing

    def calibrate(self, generated: np.ndarray) -> None:
        """Fit the map ``F_real^-1(F_generated(x))`` from the generator's (uncalibrated,
        non-missing) values. A value the generator repeats (piled on a bound) spans several
        quantile levels: it maps to the mean of their real quantiles, and in :meth:`decode` each
        of its rows gets a real quantile drawn uniformly from its span, so a map still
        reproduces the real marginal."""
        if not len(generated):
            return
        knots, first, tie = np.unique(np.quantile(generated, CALIBRATION_LEVELS), return_index=True,
                                      return_inverse=True)  # sorted quantiles: each knot's levels are a run
        self.state["calibration"] = {
            "knots": knots.tolist(),
            "values": (np.bincount(tie, weights=self.state["quantiles"]) / np.bincount(tie)).tolist(),
            "first": first.tolist(), "last": (np.r_[first[1:], len(tie)] - 1).tolist()}

    def _calibrated(self, x: np.ndarray, seed: int) -> np.ndarray:
        cal = self.state["calibration"]
        knots = np.asarray(cal["knots"])
        out = np.interp(x, knots, cal["values"])
        at = np.clip(np.searchsorted(knots, x), 0, len(knots) - 1)
        first, last = np.asarray(cal["first"])[at], np.asarray(cal["last"])[at]
        tied = (knots[at] == x) & (last > first)
        if tied.any():  # spread each tie over the real quantiles it spans
            level = first[tied] + np.random.default_rng(seed).random(int(tied.sum())) * (last[tied] - first[tied])
            out[tied] = np.interp(level, np.arange(len(CALIBRATION_LEVELS)), self.state["quantiles"])
        return out

    def decode(self, block: np.ndarray, seed: int = 0) -> pd.Series:
        """Values from the generator's output block; ``seed`` draws the values of calibration ties."""
        x, missing = self.values(block)
        if self.state.get("calibration"):
            x = self._calibrated(x, seed)
        kind = self.state["kind"]
        if kind == "datetime":  # whole days stay whole days (float32 alphas are ~seconds off)
            step = self.state.get("resolution", 1)
            x = np.round(x / step) * step
        elif kind == "integer":
            x = _snap(x, self.state["codes"]) if self.state.get("codes") else np.round(x)
        else:
            x = np.round(x, self.state["decimals"])
        x = np.where(missing, np.nan, x)
        if kind == "datetime":
            return pd.Series(pd.to_datetime(x, unit="s"), name=self.state["name"])
        if kind == "integer" and not missing.any():
            return pd.Series(x.astype(np.int64), name=self.state["name"])
        return pd.Series(x, name=self.state["name"])


class DiscreteEncoder:
    """One-hot codes of one categorical column: exact for every kept level."""

    def __init__(self, state: dict[str, Any]):
        self.state = state
        self.categories = list(state["categories"])
        self.missing_slot = len(self.categories) if state["missing"] else -1
        self.other_slot = len(self.categories) + int(state["missing"]) if state["rare_values"] else -1
        self.width = len(self.categories) + int(state["missing"]) + int(bool(state["rare_values"]))

    @classmethod
    def fit(cls, info: ColumnInfo, series: pd.Series, max_categories: int = MAX_CATEGORIES) -> "DiscreteEncoder":
        counts = series.value_counts(dropna=True)
        kept, rare = counts.iloc[:max_categories], counts.iloc[max_categories:]
        return cls({"name": info.name, "kind": info.kind, "dtype": info.dtype,
                    "categories": [_plain(v) for v in kept.index],
                    "counts": [int(c) for c in kept.to_numpy()],
                    "missing": bool(series.isna().any()), "missing_count": int(series.isna().sum()),
                    "rare_values": [_plain(v) for v in rare.index],
                    "rare_weights": (rare.to_numpy() / max(1, rare.sum())).tolist()})

    def spans(self) -> list[tuple[int, str]]:
        return [(self.width, "softmax")]

    def codes(self, series: pd.Series) -> np.ndarray:
        """Slot index of every value (kept level, missing, or other)."""
        lookup = {v: i for i, v in enumerate(self.categories)}
        plain = series.map(_plain)
        codes = plain.map(lookup)
        codes = codes.where(plain.notna(), self.missing_slot).fillna(self.other_slot)
        return codes.to_numpy(dtype=np.int64)

    def encode(self, series: pd.Series, rng: torch.Generator) -> np.ndarray:
        out = np.zeros((len(series), self.width), dtype=np.float32)
        out[np.arange(len(series)), self.codes(series)] = 1.0
        return out

    def decode_codes(self, codes: np.ndarray, seed: int = 0) -> pd.Series:
        table = np.empty(self.width, dtype=object)
        table[:len(self.categories)] = self.categories
        if self.missing_slot >= 0:
            table[self.missing_slot] = None
        values = table[codes]
        if self.other_slot >= 0:
            other = codes == self.other_slot
            rng = np.random.default_rng(seed)
            rare = np.empty(len(self.state["rare_values"]), dtype=object)
            rare[:] = self.state["rare_values"]
            values[other] = rare[rng.choice(len(rare), int(other.sum()), p=self.state["rare_weights"])]
        series = pd.Series(values, name=self.state["name"])
        return _restore_dtype(series, self.state["dtype"])

    def decode(self, block: np.ndarray, seed: int = 0) -> pd.Series:
        """Levels from the output block; ``seed`` draws the values of the "other" slot."""
        return self.decode_codes(np.argmax(block, axis=1), seed)


class FixedColumn:
    """A column that is not modelled: constant (one value) or ID-like (fresh unique values)."""

    width = 0

    def __init__(self, state: dict[str, Any]):
        self.state = state

    @classmethod
    def fit(cls, info: ColumnInfo, series: pd.Series) -> "FixedColumn":
        values = series.dropna()
        numeric = pd.api.types.is_numeric_dtype(values)
        return cls({"name": info.name, "kind": info.kind, "dtype": info.dtype,
                    "value": _plain(values.iloc[0]) if len(values) and info.kind == "constant" else None,
                    "numeric": bool(numeric),
                    "missing_rate": float(series.isna().mean())})

    def spans(self) -> list[tuple[int, str]]:
        return []

    def decode(self, block: np.ndarray, seed: int = 0) -> pd.Series:
        """As many values as ``block`` (zero columns wide) has rows; ``seed`` draws fresh IDs."""
        n, name = len(block), self.state["name"]
        if self.state["kind"] == "constant":
            return _restore_dtype(pd.Series([self.state["value"]] * n, dtype=object, name=name), self.state["dtype"])
        rng = np.random.default_rng(seed)
        ids = rng.integers(10**11, 10**12, n)
        return pd.Series(ids if self.state["numeric"] else [f"syn-{i:x}" for i in ids], name=name)


class DerivedColumn:
    """A column that a categorical parent determines (``dependencies.py``): not modelled,
    but drawn from the generated parent value through the training rows' values of that
    parent level (one value for an exact dependency; by frequency for a near one)."""

    width = 0

    def __init__(self, state: dict[str, Any]):
        self.state = state
        self.values = list(state["values"])
        self.exact = len(state["parent_values"]) == len(self.values)
        self._index = pd.Index(state["parent_values"], dtype=object)
        owner = np.asarray(state["owner"], dtype=np.int64)
        counts = np.asarray(state["counts"], dtype=float)
        totals = np.bincount(owner, weights=counts)
        before = np.cumsum(totals) - totals  # rows of the levels before each level
        # pair k covers (owner, owner + its cumulative share of the level]: parent index + u picks it
        self._cdf = owner + (np.cumsum(counts) - before[owner]) / totals[owner]

    @classmethod
    def fit(cls, info: ColumnInfo, series: pd.Series, parent: pd.Series) -> "DerivedColumn":
        pairs = pd.DataFrame({"p": parent.map(_plain).astype(object), "c": series.map(_plain).astype(object)})
        counts = pairs.groupby(["p", "c"], dropna=False, sort=False).size()
        levels = list(dict.fromkeys(counts.index.get_level_values(0)))
        owner = pd.Index(levels, dtype=object).get_indexer(counts.index.get_level_values(0))
        order = np.argsort(owner, kind="stable")
        return cls({"name": info.name, "kind": "derived", "data_kind": info.kind, "dtype": info.dtype,
                    "parent": str(parent.name), "parent_values": [_plain(v) for v in levels],
                    "owner": owner[order].tolist(),
                    "values": [_plain(v) for v in counts.index.get_level_values(1)[order]],
                    "counts": counts.to_numpy()[order].tolist()})

    def spans(self) -> list[tuple[int, str]]:
        return []

    def derive(self, parent: pd.Series, seed: int = 0) -> pd.Series:
        table = np.empty(len(self.values) + 1, dtype=object)
        table[:-1] = self.values  # the last entry (None) for a parent value never seen
        level = self._index.get_indexer(parent.map(_plain).astype(object))
        u = np.random.default_rng(seed).random(len(level)) if not self.exact else np.zeros(len(level))
        pair = np.searchsorted(self._cdf, level + u, side="right")
        values = table[np.where(level < 0, len(self.values), pair)]
        return _restore_dtype(pd.Series(values, name=self.state["name"]), self.state["dtype"])


def _restore_dtype(series: pd.Series, dtype: str) -> pd.Series:
    if series.isna().any():
        return series.infer_objects() if not dtype.startswith(("int", "bool")) else series
    try:
        return series.astype(dtype) if dtype and dtype != "object" else series.infer_objects()
    except (TypeError, ValueError):
        return series


def _code_values(x: np.ndarray, kind: str) -> list[int] | None:
    """The observed values of a code-like integer column (see :data:`CODE_COVERAGE`), else None."""
    if kind != "integer" or not len(x):
        return None
    values = np.unique(x)
    if len(values) > MAX_CODES or len(values) >= CODE_COVERAGE * (values[-1] - values[0] + 1):
        return None
    return [int(v) for v in values]


def _snap(x: np.ndarray, codes: list[int]) -> np.ndarray:
    """Each value to the nearest observed code."""
    table = np.asarray(codes, dtype=float)
    right = np.clip(np.searchsorted(table, x), 1, len(table) - 1)
    left = right - 1
    return np.where(np.abs(x - table[left]) <= np.abs(table[right] - x), table[left], table[right])


def _decimals(x: np.ndarray) -> int:
    """Decimal places the data is recorded with (up to 6), so synthetic values look alike."""
    sample = x[:2000]
    for d in range(7):
        if np.allclose(np.round(sample, d), sample, rtol=0, atol=1e-9 * max(1.0, np.abs(sample).max())):
            return d
    return 6


def _resolution(seconds: np.ndarray) -> int:
    """The coarsest of day / hour / minute / second that every timestamp is a multiple of."""
    for step in (86400, 3600, 60):
        if np.all(np.mod(seconds, step) == 0):
            return step
    return 1


def to_numbers(series: pd.Series, kind: str) -> np.ndarray:
    if kind == "datetime":
        stamps = series if pd.api.types.is_datetime64_any_dtype(series) \
            else pd.to_datetime(series, errors="coerce", format="mixed")
        if getattr(stamps.dt, "tz", None) is not None:
            stamps = stamps.dt.tz_convert(None)
        # Timedelta division is independent of the stamps' unit (pandas 3 parses to us, 2 to ns); NaT -> NaN.
        return ((stamps - pd.Timestamp(0)) / pd.Timedelta(seconds=1)).to_numpy(dtype=float, na_value=np.nan)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)


def encoder_from_state(state: dict[str, Any]):
    if state["kind"] == "derived":
        return DerivedColumn(state)
    if state["kind"] in MODELLED_AS_CONTINUOUS:
        return ContinuousEncoder(state)
    if state["kind"] in MODELLED_AS_DISCRETE:
        return DiscreteEncoder(state)
    return FixedColumn(state)


class TableTransformer:
    """All columns of a table: encode a DataFrame into one float tensor and back."""

    def __init__(self, encoders: list[Any]):
        self.encoders = encoders
        self.columns = [e.state["name"] for e in encoders]
        self.blocks: list[tuple[int, int]] = []
        start = 0
        for enc in encoders:
            self.blocks.append((start, start + enc.width))
            start += enc.width
        self.width = start
        self.discrete = [i for i, e in enumerate(encoders) if isinstance(e, DiscreteEncoder)]
        self.derived = {e.state["name"]: e for e in encoders if isinstance(e, DerivedColumn)}

    @classmethod
    def fit(cls, df: pd.DataFrame, infos: list[ColumnInfo], seed: int = 0, fit_rows: int = FIT_ROWS,
            max_categories: int = MAX_CATEGORIES, dependencies: dict[str, str] | None = None,
            calibrate: bool = True) -> "TableTransformer":
        """``dependencies`` (``{column: parent}``, from :func:`find_dependencies`): columns
        derived from their parent instead of modelled. ``calibrate``: numeric marginals can be
        calibrated after training (:meth:`calibrate`)."""
        encoders = []
        dependencies = dependencies or {}
        for i, info in enumerate(infos):
            if info.name in dependencies:
                encoders.append(DerivedColumn.fit(info, df[info.name], df[dependencies[info.name]]))
            elif info.kind in MODELLED_AS_CONTINUOUS:
                encoders.append(ContinuousEncoder.fit(info, df[info.name], seed + i, fit_rows, calibrate))
            elif info.kind in MODELLED_AS_DISCRETE:
                encoders.append(DiscreteEncoder.fit(info, df[info.name], max_categories))
            else:
                encoders.append(FixedColumn.fit(info, df[info.name]))
        return cls(encoders)

    def to_state(self) -> list[dict[str, Any]]:
        return [e.state for e in self.encoders]

    @classmethod
    def from_state(cls, state: list[dict[str, Any]]) -> "TableTransformer":
        return cls([encoder_from_state(s) for s in state])

    def spans(self) -> list[tuple[int, int, str]]:
        """``(start, end, activation)`` of every output block of the generator."""
        out, start = [], 0
        for enc in self.encoders:
            for width, activation in enc.spans():
                out.append((start, start + width, activation))
                start += width
        return out

    def encode(self, df: pd.DataFrame, rng: torch.Generator) -> torch.Tensor:
        parts = [e.encode(df[e.state["name"]], rng) for e in self.encoders if e.width]
        return torch.from_numpy(np.concatenate(parts, axis=1)) if parts else torch.zeros(len(df), 0)

    def codes(self, df: pd.DataFrame) -> torch.Tensor:
        """Slot codes of the discrete columns, shape ``(rows, discrete columns)``."""
        cols = [self.encoders[i].codes(df[self.columns[i]]) for i in self.discrete]
        return torch.from_numpy(np.stack(cols, 1)) if cols else torch.zeros(len(df), 0, dtype=torch.long)

    def calibrated_columns(self) -> list[tuple[ContinuousEncoder, int, int]]:
        """The numeric columns whose marginals are calibrated, with their output blocks."""
        return [(enc, a, b) for enc, (a, b) in zip(self.encoders, self.blocks)
                if isinstance(enc, ContinuousEncoder) and enc.state.get("quantiles") is not None]

    def calibrate(self, chunks: Iterable[torch.Tensor]) -> None:
        """Calibrate every numeric column's marginal on generator output (encoded chunks of
        unconditional samples)."""
        numeric = self.calibrated_columns()
        generated: list[list[np.ndarray]] = [[] for _ in numeric]
        for chunk in chunks:
            block = chunk.detach().cpu().numpy()
            for values, (enc, a, b) in zip(generated, numeric):
                x, missing = enc.values(block[:, a:b])
                values.append(x[~missing])
        for values, (enc, _, _) in zip(generated, numeric):
            enc.calibrate(np.concatenate(values) if values else np.zeros(0))

    def decode(self, data: torch.Tensor) -> pd.DataFrame:
        block = data.detach().cpu().numpy()
        seed = output_seed(block)
        series = [enc.decode(block[:, a:b], seed + i) for i, (enc, (a, b)) in enumerate(zip(self.encoders, self.blocks))
                  if not isinstance(enc, DerivedColumn)]
        if not series:
            return pd.DataFrame(index=range(len(block)))
        frame = self.derive(pd.concat(series, axis=1), seed + len(self.encoders))
        return frame[self.columns]

    def derive(self, df: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
        """Set the derived columns of ``df`` from their parents (after decoding, or after a
        parent changed)."""
        for i, (name, enc) in enumerate(self.derived.items()):
            df[name] = enc.derive(df[enc.state["parent"]], seed + i).set_axis(df.index)
        return df
