"""Sample-quality statistics on feature vectors (rows = samples): pure NumPy/SciPy math.

* :func:`frechet_distance` -- ``|mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2))``
  (Heusel et al. 2017; "FID" when the features are Inception-v3's).
* :func:`kernel_inception_distance` -- unbiased MMD^2 with the cubic polynomial
  kernel ``k(x, y) = (x.y / d + 1)^3`` (Binkowski et al. 2018), on all pairs.
* :func:`precision_recall` -- Kynkäänniemi et al. 2019: a fake sample is
  precise when it lies inside some real sample's k-NN ball, a real sample is
  recalled when it lies inside some fake sample's k-NN ball (k = 3).
* :func:`density_coverage` -- Naeem et al. 2020 (k = 5): density counts real
  k-NN balls around each fake sample / k; coverage is the share of real balls
  holding at least one fake sample.
* :func:`classifier_score` -- ``exp E_x KL(p(y|x) || p(y))`` (the Inception Score
  formula, with any classifier's probabilities).
"""
from __future__ import annotations

import warnings

import numpy as np


def pairwise_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distances between the rows of ``a`` and ``b``."""
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.sqrt(np.maximum(sq, 0.0))


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to feature sets ``a`` and ``b``."""
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    return frechet_distance_from_stats(mu1, s1, mu2, s2)


def frechet_distance_from_stats(mu1, s1, mu2, s2, eps: float = 1e-6) -> float:
    from scipy import linalg

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        covmean = linalg.sqrtm(s1 @ s2)
        if not np.isfinite(covmean).all():  # near-singular product: regularise (as pytorch-fid does)
            offset = np.eye(len(s1)) * eps
            covmean = linalg.sqrtm((s1 + offset) @ (s2 + offset))
    covmean = covmean.real
    diff = mu1 - mu2
    return float(max(0.0, diff @ diff + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean)))


def polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def kernel_inception_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Unbiased MMD^2 between ``a`` (m rows) and ``b`` (n rows), cubic polynomial kernel."""
    m, n = len(a), len(b)
    if m < 2 or n < 2:
        raise ValueError("KID needs at least two samples on each side")
    kaa, kbb, kab = polynomial_kernel(a, a), polynomial_kernel(b, b), polynomial_kernel(a, b)
    within_a = (kaa.sum() - np.trace(kaa)) / (m * (m - 1))
    within_b = (kbb.sum() - np.trace(kbb)) / (n * (n - 1))
    return float(within_a + within_b - 2 * kab.mean())


def _knn_radii(x: np.ndarray, k: int) -> np.ndarray:
    """Distance of each row to its k-th nearest other row."""
    d = pairwise_distances(x, x)
    return np.partition(d, k, axis=1)[:, k]  # column 0 is the point itself (distance 0)


def _inside_counts(centres: np.ndarray, radii: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``[i, j]``: whether ``points[j]`` lies in the ball of ``centres[i]`` (closed ball)."""
    return pairwise_distances(centres, points) <= radii[:, None]


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 3) -> tuple[float, float]:
    precision = _inside_counts(real, _knn_radii(real, k), fake).any(0).mean()
    recall = _inside_counts(fake, _knn_radii(fake, k), real).any(0).mean()
    return float(precision), float(recall)


def density_coverage(real: np.ndarray, fake: np.ndarray, k: int = 5) -> tuple[float, float]:
    inside = _inside_counts(real, _knn_radii(real, k), fake)  # real balls x fake points
    density = inside.sum() / (k * len(fake))
    coverage = inside.any(1).mean()
    return float(density), float(coverage)


def classifier_score(probs: np.ndarray, eps: float = 1e-12) -> float:
    marginal = probs.mean(0, keepdims=True)
    kl = (probs * (np.log(probs + eps) - np.log(marginal + eps))).sum(1)
    return float(np.exp(kl.mean()))
