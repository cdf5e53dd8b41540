"""Hand-checked cases for the metric math."""
import math

import numpy as np
import pytest

from genforge_image import feature_metrics as fm


def test_frechet_distance_of_identical_sets_is_zero():
    x = np.random.default_rng(0).normal(size=(500, 6))
    assert fm.frechet_distance(x, x) == pytest.approx(0.0, abs=1e-8)


def test_frechet_distance_matches_closed_form_for_diagonal_gaussians():
    # N(mu1, diag(s1)) vs N(mu2, diag(s2)): |mu1-mu2|^2 + sum (sqrt(s1) - sqrt(s2))^2
    mu1, mu2 = np.array([0.0, 1.0]), np.array([3.0, -1.0])
    s1, s2 = np.diag([1.0, 4.0]), np.diag([9.0, 1.0])
    expected = 9 + 4 + (1 - 3) ** 2 + (2 - 1) ** 2
    assert fm.frechet_distance_from_stats(mu1, s1, mu2, s2) == pytest.approx(expected)


def test_kid_unbiased_estimator_on_a_hand_computed_case():
    a = np.array([[0.0], [1.0]])
    b = np.array([[2.0], [3.0]])
    k = lambda x, y: (x * y + 1) ** 3  # d = 1
    within_a = 2 * k(0, 1) / 2          # off-diagonal pairs only
    within_b = 2 * k(2, 3) / 2
    cross = (k(0, 2) + k(0, 3) + k(1, 2) + k(1, 3)) / 4
    assert fm.kernel_inception_distance(a, b) == pytest.approx(within_a + within_b - 2 * cross)


def test_kid_is_near_zero_for_two_samples_of_one_distribution_and_unbiased_on_average():
    rng = np.random.default_rng(1)
    values = [fm.kernel_inception_distance(rng.normal(size=(100, 4)), rng.normal(size=(100, 4)))
              for _ in range(40)]
    assert abs(np.mean(values)) < 3 * np.std(values) / math.sqrt(len(values))  # mean 0 within noise
    assert min(values) < 0 < max(values)  # unbiased: can go negative, unlike the biased estimator
    shifted = fm.kernel_inception_distance(rng.normal(size=(100, 4)), rng.normal(size=(100, 4)) + 1)
    assert shifted > 10 * np.std(values)


def test_precision_recall_on_hand_built_points():
    real = np.array([[0.0], [1.0], [2.0], [3.0], [4.0]])      # k=1 radius 1 around each
    fake = np.array([[0.5], [10.0]])                            # one inside, one far away
    p, r = fm.precision_recall(real, fake, k=1)
    assert p == 0.5
    # fake balls: radius to the other fake point, 9.5: both reach real points 0..4? 0.5 +- 9.5 covers all
    assert r == 1.0
    p2, r2 = fm.precision_recall(real, real[:2], k=1)
    assert p2 == 1.0 and r2 == pytest.approx(3 / 5)  # balls of radius 1 around 0 and 1 hold 0, 1, 2


def test_density_and_coverage_on_hand_built_points():
    real = np.array([[0.0], [1.0], [2.0], [3.0]])   # k=1 radii: 1, 1, 1, 1
    fake = np.array([[0.0], [0.0], [10.0]])
    density, coverage = fm.density_coverage(real, fake, k=1)
    # each fake at 0 lies in the balls of real 0 and real 1 -> 2 + 2 + 0 = 4 memberships / (k * 3)
    assert density == pytest.approx(4 / 3)
    assert coverage == pytest.approx(2 / 4)


def test_classifier_score_bounds():
    assert fm.classifier_score(np.full((10, 4), 0.25)) == pytest.approx(1.0)
    assert fm.classifier_score(np.eye(4).repeat(3, axis=0)) == pytest.approx(4.0, rel=1e-6)
