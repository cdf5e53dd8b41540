"""Quality, detection, utility and privacy of synthetic tables (SDMetrics-style definitions).

* column shapes, column-pair trends and quality: as SDMetrics' QualityReport computes them
  (``fidelity.py``, tested against ``sdmetrics``);
* detection: cross-validated ROC AUC of a classifier telling real from synthetic
  (0.5 = indistinguishable);
* efficacy and augmentation uplift: a downstream classifier on a real hold-out;
* privacy: share of exact copies of training rows; DCR overfitting protection.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from genforge_tabular.columns import MODELLED_AS_CONTINUOUS, MODELLED_AS_DISCRETE
from genforge_tabular.features import TableFeatures
from genforge_tabular.fidelity import (column_pair_trends, column_shapes, contingency_similarity,  # noqa: F401
                                       correlation_similarity, ks_complement, quality, tv_complement)
from genforge_tabular.encoders import to_numbers

#: rows of each side that the classifier-based metrics use
MAX_ROWS = 2000
#: subsamples DCR overfitting protection averages (SDMetrics' ``num_iterations``)
DCR_ITERATIONS = 10


@dataclass
class TabularReference:
    """Real data for the metrics: training rows, an optional hold-out, the column kinds and target."""

    real: pd.DataFrame
    kinds: dict[str, str]
    holdout: pd.DataFrame | None = None
    target: str | None = None
    seed: int = 0
    cache: dict[str, Any] = field(default_factory=dict)
    #: the numeric relations and zero masses the model sets rather than learns, one line each
    rules: list[str] = field(default_factory=list)

    @property
    def modelled(self) -> list[str]:
        return [c for c, k in self.kinds.items() if k in MODELLED_AS_CONTINUOUS + MODELLED_AS_DISCRETE]

    def per_samples(self, name: str, synth: pd.DataFrame, compute):
        """``compute()``, remembered for this very ``synth`` object: metrics that share a
        computation (quality and pair trends, the two uplifts, TSTR and the efficacy gap) do it once."""
        hit = self.cache.get(name)
        if hit is None or hit[0] is not synth:
            hit = self.cache[name] = (synth, compute())
        return hit[1]

    def split(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Training rows and test rows for downstream models (the hold-out when there is one)."""
        if self.holdout is not None and len(self.holdout):
            return self.real, self.holdout
        test = self.real.sample(frac=0.3, random_state=self.seed)
        return self.real.drop(test.index), test


# -- classifiers -------------------------------------------------------------------------------
def _head(df: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    return df if len(df) <= n else df.sample(n, random_state=seed)


def detector(model: str, seed: int):
    """The real-vs-synthetic classifier of a detection metric: ``"logistic"``, ``"gb"``
    (gradient boosting) or ``"knn"`` (5 nearest neighbours on the standardized features)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier

    if model == "logistic":
        return LogisticRegression(max_iter=500)
    if model == "knn":
        return KNeighborsClassifier(n_neighbors=5)
    return HistGradientBoostingClassifier(max_iter=100, random_state=seed)


def detection_auc(synth: pd.DataFrame, ref: TabularReference, model: str = "logistic") -> float:
    """Cross-validated ROC AUC of a classifier separating real rows from synthetic ones."""
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    n = min(len(ref.real), len(synth), MAX_ROWS)
    real, fake = _head(ref.real, n, ref.seed), _head(synth, n, ref.seed)
    features = TableFeatures(real, ref.kinds)
    x = np.concatenate([features.transform(real), features.transform(fake)])
    y = np.r_[np.ones(len(real)), np.zeros(len(fake))]
    clf = detector(model, ref.seed)
    folds = StratifiedKFold(3, shuffle=True, random_state=ref.seed)
    with threadpool_limits(1):  # OpenMP oversubscription makes small fits crawl on shared CPUs
        return float(np.mean(cross_val_score(clf, x, y, cv=folds, scoring="roc_auc")))


def _classifier(seed: int, class_weight: str | None = None):
    from sklearn.ensemble import HistGradientBoostingClassifier
    return HistGradientBoostingClassifier(max_iter=100, random_state=seed, class_weight=class_weight)


def downstream_scores(train: pd.DataFrame, test: pd.DataFrame, ref: TabularReference,
                      class_weight: str | None = None) -> dict[str, float]:
    """Macro-F1, minority-class F1 and balanced accuracy of a classifier trained on ``train``
    (``class_weight="balanced"``: weighted by inverse class frequency, scikit-learn's rule)."""
    from sklearn.metrics import balanced_accuracy_score, f1_score

    target = ref.target
    # str() of each value: a missing target is the level "nan" (pandas' astype(str) keeps it a float NaN)
    y_train = np.array([str(v) for v in train[target]], dtype=object)
    y_test = np.array([str(v) for v in test[target]], dtype=object)
    minority = pd.Series(ref.real[target].astype(str)).value_counts().index[-1]
    if len(np.unique(y_train)) < 2:
        pred = np.full(len(y_test), y_train[0] if len(y_train) else "")
    else:
        features = TableFeatures(ref.real, ref.kinds, exclude=[target])
        with threadpool_limits(1):
            clf = _classifier(ref.seed, class_weight).fit(features.transform(train), y_train)
            pred = clf.predict(features.transform(test))
    return {"macro_f1": float(f1_score(y_test, pred, average="macro", zero_division=0)),
            "minority_f1": float(f1_score(y_test, pred, labels=[minority], average="macro", zero_division=0)),
            "balanced_accuracy": float(balanced_accuracy_score(y_test, pred))}


def _real_scores(ref: TabularReference) -> dict[str, float]:
    if "real_scores" not in ref.cache:
        train, test = ref.split()
        ref.cache["real_scores"] = downstream_scores(train, test, ref)
    return ref.cache["real_scores"]


def tstr_macro_f1(synth: pd.DataFrame, ref: TabularReference) -> float:
    """Train on synthetic, test on real: macro-F1 (NaN without a target)."""
    if not ref.target:
        return float("nan")
    return ref.per_samples("tstr_scores", synth, lambda: downstream_scores(synth, ref.split()[1], ref))["macro_f1"]


def efficacy_gap(synth: pd.DataFrame, ref: TabularReference) -> float:
    """Macro-F1 of train-on-real minus that of train-on-synthetic (both tested on real)."""
    if not ref.target:
        return float("nan")
    return _real_scores(ref)["macro_f1"] - tstr_macro_f1(synth, ref)


def augmentation_uplift(synth: pd.DataFrame, ref: TabularReference, key: str = "minority_f1") -> float:
    """Score of real + synthetic training rows minus that of real rows only."""
    if not ref.target:
        return float("nan")
    def scores() -> dict[str, float]:
        train, test = ref.split()
        return downstream_scores(pd.concat([train, synth[train.columns]], ignore_index=True), test, ref)
    return ref.per_samples("augmented_scores", synth, scores)[key] - _real_scores(ref)[key]


# -- privacy ---------------------------------------------------------------------------------------
def exact_copies(synth: pd.DataFrame, ref: TabularReference) -> float:
    """Share of synthetic rows equal to some training row on every modelled column."""
    cols = ref.modelled
    key = lambda df: pd.util.hash_pandas_object(df[cols].astype(str), index=False)  # noqa: E731
    return float(key(synth).isin(set(key(ref.real))).mean())


def _distances(a: np.ndarray, b: np.ndarray, numeric: np.ndarray) -> np.ndarray:
    """Distance of each row of ``a`` to its closest row of ``b``: mean per-column gap
    (``|x - y| / range`` for numeric columns, 0/1 for categorical ones)."""
    out = np.empty(len(a))
    for start in range(0, len(a), 256):
        block = a[start:start + 256, None, :]
        gap = np.where(numeric, np.abs(block - b[None]), (block != b[None]).astype(float))
        gap = np.nan_to_num(gap, nan=1.0)
        out[start:start + 256] = gap.mean(2).min(1)
    return out


def dcr_overfitting_protection(synth: pd.DataFrame, ref: TabularReference, iterations: int = DCR_ITERATIONS) -> float:
    """SDMetrics DCROverfittingProtection with ``num_rows_subsample`` the hold-out's size (at most
    ``MAX_ROWS / 2``) and ``iterations`` of them: ``min(1, 2 * share of synthetic rows
    closer to the hold-out than to the training rows)`` on equal-sized subsamples of the three,
    averaged (1: no sign of memorisation). One subsample of a small table's hold-out (69 rows on
    penguins) moves the score by about 0.12 from one seed to the next."""
    train, holdout = ref.split()
    n = min(len(train), len(holdout), MAX_ROWS // 2)
    cols = ref.modelled
    numeric = np.array([ref.kinds[c] in MODELLED_AS_CONTINUOUS for c in cols])

    def matrix(df):
        out = np.empty((len(df), len(cols)))
        for j, c in enumerate(cols):
            if numeric[j]:
                x = to_numbers(df[c], ref.kinds[c])
                r = to_numbers(ref.real[c], ref.kinds[c])
                out[:, j] = x / max(np.nanmax(r) - np.nanmin(r), 1e-12)
            else:
                out[:, j] = pd.util.hash_pandas_object(df[c].astype(str), index=False).to_numpy() % 2**50
        return out
    full = [matrix(df) for df in (synth, holdout, train)]
    scores = []
    for seed in range(ref.seed, ref.seed + iterations):
        rng = np.random.default_rng(seed)
        f, h, t = (x if len(x) <= n else x[rng.choice(len(x), n, replace=False)] for x in full)
        scores.append(min(1.0, 2 * float((_distances(f, h, numeric) < _distances(f, t, numeric)).mean())))
    return float(np.mean(scores))
