"""Code-space scores (benchmarks/molecule_code_gan.py ranks latentgan settings with them)."""
import torch

from genforge_molecule.code_space import c2st_auc, code_space_figures, mmd2, moment_matched, roc_auc


def sample(n: int, seed: int, shift: float = 0.0, dim: int = 8) -> torch.Tensor:
    return torch.randn(n, dim, generator=torch.Generator().manual_seed(seed)) * 0.3 + shift


def test_roc_auc_counts_ties_half():
    assert roc_auc(torch.tensor([0.1, 0.2, 0.8, 0.9]), torch.tensor([0, 0, 1, 1])) == 1.0
    assert roc_auc(torch.tensor([0.9, 0.8, 0.2, 0.1]), torch.tensor([0, 0, 1, 1])) == 0.0
    assert roc_auc(torch.tensor([0.5, 0.5, 0.5, 0.5]), torch.tensor([0, 1, 0, 1])) == 0.5
    # scikit-learn's roc_auc_score on this case: 8/9
    assert abs(roc_auc(torch.tensor([0.1, 0.4, 0.4, 0.9, 0.2, 0.4]), torch.tensor([0, 1, 0, 1, 0, 1])) - 8 / 9) < 1e-9


def test_c2st_separates_a_shifted_gaussian_and_not_the_reference_from_itself():
    reference = sample(1500, 0)
    same = c2st_auc(reference, sample(1500, 1), epochs=15, width=64)
    shifted = c2st_auc(reference, sample(1500, 2, shift=0.1), epochs=15, width=64)
    assert same < 0.58 < 0.7 < shifted


def test_c2st_sees_what_the_first_two_moments_miss():
    """A two-cluster set and its moment-matched Gaussian: same mean and covariance, told apart."""
    g = torch.Generator().manual_seed(3)
    clusters = torch.randn(3000, 4, generator=g) * 0.05 + torch.where(torch.rand(3000, 1, generator=g) < 0.5, 0.4, -0.4)
    gauss = moment_matched(clusters, 3000, seed=4)
    assert torch.allclose(gauss.mean(0), clusters.mean(0), atol=0.03)
    assert torch.allclose(torch.cov(gauss.T), torch.cov(clusters.T), atol=0.01)
    assert c2st_auc(clusters, gauss, epochs=15, width=64) > 0.9
    assert c2st_auc(gauss, moment_matched(clusters, 3000, seed=5), epochs=15, width=64) < 0.6  # gauss vs gauss
    assert gauss.abs().max() <= 1


def test_mmd_and_marginal_gaps_grow_with_the_shift():
    reference = sample(1000, 0)
    near, far = code_space_figures(reference, sample(1000, 1), 0), code_space_figures(reference, sample(1000, 2, 0.1), 0)
    assert abs(mmd2(reference, sample(1000, 1))) < 0.2 * far["mmd2"]
    assert near["mean_gap"] < 0.15 < far["mean_gap"] and near["ks"] < far["ks"]
