"""Discriminator-driven resampling of synthetic rows (Azadi et al. 2019, discriminator
rejection sampling, in its sampling-importance-resampling form).

After training, a gradient-boosted classifier (scikit-learn's histogram boosting, early-stopped on
a held-out fifth, classes weighted equal) learns to tell training rows from generated ones on
the features a detector sees (standardized numbers with missing flags, one-hot levels). Its
log-odds estimate ``log p_real(x) / p_generated(x)``. At sampling time
each requested row is chosen from ``candidates`` generated ones by that ratio, without
replacement (Gumbel top-k, seeded by the sampling generator): rows the classifier finds
implausible are drawn less often, no row is repeated, and the cost is bounded. The log ratio
is clipped to :data:`MAX_LOG_RATIO`, so no single region can take over a sample. A second
classifier (:data:`STAGES`), fitted on training rows against rows the first step chose, adds
its clipped log-odds: it corrects what the first left (a stacked density-ratio estimate).

Candidates per row: :data:`CANDIDATES` for tables under :data:`LARGE_TABLE` training rows,
:data:`LARGE_TABLE_CANDIDATES` above (where sampling volume, not the GAN's fit, is what costs);
the number is saved with the model, and the trees as flat lists (``boosted_trees.py``: plain
data, so a saved model loads with ``weights_only=True``, and sampling evaluates them in torch
without importing scikit-learn).
Part of every ``sample`` (conditional ones too); dataset option ``resample = false`` turns it
off; a table with fewer than :data:`MIN_ROWS` training rows is sampled without it (said in the
data report). Models saved with the earlier two-layer MLP classifier still load and sample
with it (:func:`_mlp_log_ratio`).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd
import torch

from genforge_tabular.boosted_trees import BoostedTrees
from genforge_tabular.chunked_sampling import chunk_sizes
from genforge_tabular.features import TableFeatures

#: generated candidates per requested row (tables under LARGE_TABLE training rows)
CANDIDATES = 16
LARGE_TABLE, LARGE_TABLE_CANDIDATES = 100_000, 4
#: sampled rows whose candidates are generated and held at once
SELECT_ROWS = 2_500
#: training rows needed to fit the classifier
MIN_ROWS = 200
#: real rows the classifier is fitted on, and generated rows per real one
FIT_ROWS, GENERATED_PER_REAL = 5000, 4
MAX_LOG_RATIO = 6.0
MAX_TREES, LEARNING_RATE, PATIENCE = 300, 0.1, 20
#: classifiers stacked, each after the first fitted on CHOSEN_PER_REAL rows the ones before it
#: chose per real row (2 as good as 4 on four tables, at half the fit: the plugin README)
STAGES, CHOSEN_PER_REAL = 2, 2


def _fit_trees(x_real: np.ndarray, x_generated: np.ndarray, seed: int) -> BoostedTrees:
    """A boosted classifier of real (1) against generated (0) rows, the classes weighted equal."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    x, y = np.concatenate([x_real, x_generated]), np.r_[np.ones(len(x_real)), np.zeros(len(x_generated))]
    weight = np.where(y == 1, len(x_generated) / max(1, len(x_real)), 1.0)
    clf = HistGradientBoostingClassifier(max_iter=MAX_TREES, learning_rate=LEARNING_RATE, early_stopping=True,
                                         validation_fraction=0.2, n_iter_no_change=PATIENCE, random_state=seed)
    with threadpool_limits(torch.get_num_threads()):
        clf.fit(x, y, sample_weight=weight)
    return BoostedTrees.from_classifier(clf)


def candidates_for(training_rows: int) -> int:
    """Generated candidates per sampled row for a table of ``training_rows``."""
    return CANDIDATES if training_rows < LARGE_TABLE else LARGE_TABLE_CANDIDATES


class DensityRatioResampler:
    """The fitted classifiers (plain data in ``state``) and the resampling step."""

    def __init__(self, state: dict[str, Any]):
        self.state = state
        self.features = TableFeatures.from_state(state["features"])
        self.candidates = int(state.get("candidates", 4))  # models saved before the trees: 4
        self.stages = [BoostedTrees(trees) for trees in state.get("trees", [])]  # none: the MLP of old models

    @classmethod
    def fit(cls, real: pd.DataFrame, generated: pd.DataFrame, kinds: dict[str, str], seed: int,
            candidates: int = CANDIDATES) -> "DensityRatioResampler":
        """One stage fitted on the real rows against the generated ones (any number: the classes are
        weighted equal); the number of trees is chosen on a held-out fifth."""
        features = TableFeatures(real, kinds)
        trees = _fit_trees(features.transform(real), features.transform(generated), seed)
        return cls({"features": features.to_state(), "trees": [trees.state], "candidates": int(candidates)})

    def stacked(self, real: pd.DataFrame, resampled: pd.DataFrame, seed: int) -> "DensityRatioResampler":
        """This step with one more stage, fitted on the real rows against rows this step chose: its
        log ratio is added, so it corrects what the stages before it left."""
        trees = _fit_trees(self.features.transform(real), self.features.transform(resampled), seed)
        return DensityRatioResampler(dict(self.state, trees=self.state["trees"] + [trees.state]))

    @classmethod
    def for_table(cls, table: pd.DataFrame, generated: Callable[[int], pd.DataFrame], kinds: dict[str, str],
                  seed: int, source: str, note: Callable[[str], None]) -> "DensityRatioResampler":
        """The step of a trained model: :data:`STAGES` stages, each fitted on at most
        :data:`FIT_ROWS` of its training rows, the first against :data:`GENERATED_PER_REAL` times as
        many ``generated(k)`` rows, the others against :data:`CHOSEN_PER_REAL` times as many rows
        the stages before it chose."""
        real = table if len(table) <= FIT_ROWS else table.sample(FIT_ROWS, random_state=seed)
        real, k, rng = real.reset_index(drop=True), GENERATED_PER_REAL * len(real), torch.Generator().manual_seed(seed)
        note(f"after training: fitting the resampling step on {len(real):,} {source} and {k:,} generated rows")
        step = cls.fit(real, generated(k), kinds, seed, candidates_for(len(table)))
        chosen = CHOSEN_PER_REAL * len(real)
        for stage in range(2, STAGES + 1):
            note(f"after training: fitting resampling stage {stage} on {len(real):,} {source} and {chosen:,} rows "
                 f"chosen from {step.candidates * chosen:,} generated")
            step = step.stacked(real, step.draw(generated, chosen, rng), seed + stage)
        return step

    def log_ratio(self, rows: pd.DataFrame) -> torch.Tensor:
        """The estimated ``log p_real / p_generated`` of each row: the stages' clipped log-odds summed."""
        x = self.features.transform(rows)
        if not self.stages:
            return _mlp_log_ratio(self.state, x).double()
        return sum(trees.decision(x).clamp(-MAX_LOG_RATIO, MAX_LOG_RATIO) for trees in self.stages)

    def draw(self, generate: Callable[[int], pd.DataFrame], n: int, rng: torch.Generator,
             screen: Callable[[pd.DataFrame, int], pd.DataFrame] = lambda rows, p: rows) -> pd.DataFrame:
        """``n`` rows, each chosen from :attr:`candidates` ``generate(m)`` rows (``screen(rows, p)``
        may drop some first), :data:`SELECT_ROWS` sampled rows' candidates at a time: memory bounded."""
        return pd.concat([self.select(screen(generate(self.candidates * p), p), p, rng)
                          for p in chunk_sizes(n, SELECT_ROWS)], ignore_index=True)

    def select(self, candidates: pd.DataFrame, n: int, rng: torch.Generator) -> pd.DataFrame:
        """``n`` of the candidates, drawn without replacement with probability ~ the density ratio."""
        if len(candidates) <= n:
            return candidates.reset_index(drop=True)
        u = torch.rand(len(candidates), generator=rng, dtype=torch.float64).clamp(1e-12, 1 - 1e-12)
        keys = self.log_ratio(candidates) - torch.log(-torch.log(u))
        chosen = torch.sort(torch.topk(keys, n).indices).values.numpy()
        return candidates.iloc[chosen].reset_index(drop=True)


def _mlp_log_ratio(state: dict[str, Any], x: np.ndarray) -> torch.Tensor:
    """The earlier classifier (two ReLU layers, standardized inputs, clipped at 3) of a saved model."""
    w = {k: torch.tensor(v, dtype=torch.float32) for k, v in state["weights"].items()}
    h = (torch.tensor(x, dtype=torch.float32) - torch.tensor(state["mean"])) / torch.tensor(state["scale"])
    for layer in ("0", "2"):
        h = torch.relu(h @ w[f"{layer}.weight"].T + w[f"{layer}.bias"])
    return (h @ w["4.weight"].T + w["4.bias"]).squeeze(1).clamp(-3.0, 3.0)
