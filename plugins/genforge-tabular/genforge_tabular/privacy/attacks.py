"""Privacy attacks on synthetic tables, against the real hold-out as the baseline.

All work in the feature space of :class:`~genforge_tabular.features.TableFeatures` (numeric
columns standardized on the training rows, categorical ones one-hot) and need a hold-out
(``holdout`` dataset option) to mean anything: without one, 30 % of the training rows stand
in for it (as for ``dcr_protection``), and since the model saw those rows too, the figures then
read closer to "no leak" than they should. With fewer than 12 stand-in rows they are NaN.

* :func:`dcr_ratio` — median distance from a synthetic row to its closest training row, over
  the same for hold-out rows (fresh rows of the population). Below 1: synthetic rows sit
  closer to the training rows than new real rows do (memorisation).
* :func:`nndr_ratio` — the same for the nearest-neighbour distance ratio (closest / second
  closest training row): a small NNDR means a row has one training row right next to it.
* :func:`domias_auc` — the DOMIAS membership-inference attack (van Breugel et al., AISTATS
  2023): a row's score is the density of the synthetic data at it over the density of the
  population (estimated on half of the hold-out); the AUC of that score telling training rows
  (as many as hold-out rows) from the other half of the hold-out, averaged over the two ways of
  halving it. 0.5: the attacker learns nothing. Densities are Gaussian
  KDEs in a PCA of the features, bandwidth chosen by cross-validated likelihood.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from genforge_tabular.features import TableFeatures

#: rows per side the attacks use (nearest neighbours and KDE are quadratic in rows)
ATTACK_ROWS = 2000
#: dimensions the density attack works in (PCA of the reference half of the hold-out)
DENSITY_DIMENSIONS = 8
#: the density attack's candidate KDE bandwidths, in units of the mean standard deviation
BANDWIDTHS = np.array([0.01, 0.03, 0.1, 0.2, 0.4, 0.8])


def _split(reference, synth: pd.DataFrame):
    train, holdout = reference.split()  # without a hold-out: 30 % of the training rows stand in
    if len(holdout) < 12:
        return None
    rng = np.random.default_rng(reference.seed)
    features = TableFeatures(train, reference.kinds, ())

    def rows(df: pd.DataFrame, n: int) -> np.ndarray:
        take = rng.permutation(len(df))[:n]
        return features.transform(df.iloc[take].reset_index(drop=True))

    n = min(len(train), len(holdout), ATTACK_ROWS)
    return rows(train, n), rows(holdout, n), rows(synth, min(len(synth), ATTACK_ROWS)), features


def _neighbour_distances(points: np.ndarray, train: np.ndarray, k: int) -> np.ndarray:
    from sklearn.neighbors import NearestNeighbors

    return NearestNeighbors(n_neighbors=k).fit(train).kneighbors(points)[0]


def dcr_ratio(synth: pd.DataFrame, reference) -> float:
    parts = _split(reference, synth)
    if parts is None:
        return float("nan")
    train, holdout, fake, _ = parts
    base = np.median(_neighbour_distances(holdout, train, 1)[:, 0])
    return float(np.median(_neighbour_distances(fake, train, 1)[:, 0]) / max(base, 1e-12))


def nndr_ratio(synth: pd.DataFrame, reference) -> float:
    parts = _split(reference, synth)
    if parts is None:
        return float("nan")
    train, holdout, fake, _ = parts

    def nndr(points: np.ndarray) -> float:
        d = _neighbour_distances(points, train, 2)
        return float(np.mean(d[:, 0] / np.maximum(d[:, 1], 1e-12)))
    return nndr(fake) / max(nndr(holdout), 1e-12)


def domias_auc(synth: pd.DataFrame, reference) -> float:
    from sklearn.decomposition import PCA
    from sklearn.metrics import roc_auc_score

    parts = _split(reference, synth)
    if parts is None:
        return float("nan")
    members, holdout, fake, _ = parts
    half = len(holdout) // 2
    aucs = []
    # each half of the hold-out is the population once and the non-members once (cross-fitted):
    # on a small table one split's AUC (34 against 34 rows on penguins) moves by ~0.07
    for population, non_members in ((holdout[:half], holdout[half:]), (holdout[half:], holdout[:half])):
        pca = PCA(n_components=min(DENSITY_DIMENSIONS, population.shape[1], len(population)),
                  random_state=0).fit(population)
        candidates = np.concatenate([members, non_members])
        score = _log_density(pca, fake, candidates) - _log_density(pca, population, candidates)
        labels = np.concatenate([np.ones(len(members)), np.zeros(len(non_members))])
        aucs.append(roc_auc_score(labels, score))
    return float(np.mean(aucs))


def _log_density(pca, fit_on: np.ndarray, at: np.ndarray) -> np.ndarray:
    """A Gaussian KDE in ``pca``'s space whose bandwidth the attacker picks by 3-fold likelihood
    (a memorised synthetic set earns a narrow one)."""
    from sklearn.model_selection import GridSearchCV
    from sklearn.neighbors import KernelDensity

    z = pca.transform(fit_on)
    scale = max(float(np.mean(z.std(0))), 1e-6)
    search = GridSearchCV(KernelDensity(), {"bandwidth": scale * BANDWIDTHS}, cv=3).fit(z)
    return search.best_estimator_.score_samples(pca.transform(at))
