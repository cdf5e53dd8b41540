"""Mode-specific normalization of one numeric or datetime column (Xu et al. 2019, CTGAN).

A variational Gaussian mixture (scikit-learn's ``BayesianGaussianMixture``) is fitted on a
bounded subsample; a value ``x`` becomes a mode ``k`` drawn from its posterior over the modes
and a scalar ``alpha = (x - mu_k) / (4 sigma_k)`` in (-1, 1). A missing value is an extra mode.

Marginal calibration: after training, the generator's values are mapped through
``F_real^-1(F_generated(x))``, a monotone map between the two distributions' quantiles
(:meth:`ContinuousEncoder.calibrate`): it fixes the column's marginal without changing the
ranks of the values, so the relations between columns (the copula) stay as the generator made
them. Decoded values are written on the column's value grid (``value_grid.py``).
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import torch

from genforge_tabular.columns import ColumnInfo
from genforge_tabular.encoders.value_grid import learn_grid, level_at, on_grid, resolution, snap
from genforge_tabular.encoders.values import to_numbers

#: continuous values used to fit each mixture
FIT_ROWS = 5000
MAX_MODES = 10
MIN_MODE_WEIGHT = 0.005
#: quantile levels of the marginal calibration map (201 knots: every half percentile)
CALIBRATION_LEVELS = np.linspace(0.0, 1.0, 201)


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
                    **learn_grid(x, info.kind), "resolution": resolution(x) if info.kind == "datetime" else 1,
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
        at = np.clip(np.searchsorted(knots, x), 0, len(knots) - 1)
        first, last = np.asarray(cal["first"])[at], np.asarray(cal["last"])[at]
        tied = (knots[at] == x) & (last > first)
        tie_levels = first[tied] + np.random.default_rng(seed).random(int(tied.sum())) * (last[tied] - first[tied])
        if self.state.get("levels"):  # a level column: the real level at each row's generated quantile
            return level_at(self._quantile_level(x, tied, tie_levels) / (len(CALIBRATION_LEVELS) - 1),
                            self.state["levels"], self.state["level_cdf"])
        out = np.interp(x, knots, cal["values"])
        if tied.any():  # spread each tie over the real quantiles it spans
            out[tied] = np.interp(tie_levels, np.arange(len(CALIBRATION_LEVELS)), self.state["quantiles"])
        return out

    def _quantile_level(self, x: np.ndarray, tied: np.ndarray, tie_levels: np.ndarray) -> np.ndarray:
        """Where each generated value sits among the calibration levels (0 to 200): the
        generated CDF, linear between knots; a tie at a level drawn within its span."""
        cal = self.state["calibration"]
        knots, first, last = (np.asarray(cal[k], dtype=float) for k in ("knots", "first", "last"))
        if len(knots) == 1:
            out = np.full(len(x), last[0] / 2 + first[0] / 2)
        else:
            j = np.clip(np.searchsorted(knots, x, side="right") - 1, 0, len(knots) - 2)
            frac = np.clip((x - knots[j]) / (knots[j + 1] - knots[j]), 0, 1)
            out = last[j] + frac * (first[j + 1] - last[j])
        out[tied] = tie_levels
        return out

    def decode(self, block: np.ndarray, seed: int = 0) -> pd.Series:
        """Values from the generator's output block, on the column's value grid; ``seed`` draws
        the values of calibration ties."""
        x, missing = self.values(block)
        if self.state.get("calibration"):
            x = self._calibrated(x, seed)
        kind, levels = self.state["kind"], self.state.get("levels") or self.state.get("codes")
        if kind == "datetime":  # whole days stay whole days (float32 alphas are ~seconds off)
            step = self.state.get("resolution", 1)
            x = np.round(x / step) * step
        elif levels:
            x = snap(x, levels)  # a no-op after calibration, which draws levels
        else:
            x = on_grid(x, self.state)
        x = np.where(missing, np.nan, x)
        if kind == "datetime":
            return pd.Series(pd.to_datetime(x, unit="s"), name=self.state["name"])
        if kind == "integer" and not missing.any():
            return pd.Series(x.astype(np.int64), name=self.state["name"])
        return pd.Series(x, name=self.state["name"])
