"""How close generated autoencoder codes are to real ones, measured in code space (no decoding).

Decoding a code and scoring the molecule with MOSES's FCD costs minutes per 10,000; these take
seconds, so they rank generator settings before anything is decoded
(``benchmarks/molecule_code_gan.py``):

* :func:`c2st_auc`: a classifier two-sample test. An MLP learns to tell reference codes from
  candidate codes on one half of each and is scored on the other half: held-out ROC AUC 0.5
  means it cannot tell them apart, 1.0 that it always can.
* :func:`mmd2`: unbiased squared maximum mean discrepancy, Gaussian kernel at the median distance.
* :func:`marginal_gaps`: per-dimension mean / standard-deviation gaps and Kolmogorov-Smirnov statistics.
* :func:`moment_matched`: the baseline to beat, a Gaussian with the codes' mean and covariance.
"""
from __future__ import annotations

import torch
from torch import nn


def moment_matched(codes: torch.Tensor, n: int, seed: int = 0) -> torch.Tensor:
    """``n`` draws of a Gaussian with the mean and covariance of ``codes``, clamped to [-1, 1]."""
    codes = codes.double()
    cov = torch.cov(codes.T) + 1e-6 * torch.eye(codes.shape[1], dtype=torch.float64)
    noise = torch.randn(n, codes.shape[1], generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return (codes.mean(0) + noise @ torch.linalg.cholesky(cov).T).clamp(-1, 1).float()


def roc_auc(scores: torch.Tensor, labels: torch.Tensor) -> float:
    """Area under the ROC curve (the Mann-Whitney statistic, ties counted half)."""
    order = torch.argsort(scores)
    _, inverse, counts = torch.unique_consecutive(scores[order], return_inverse=True, return_counts=True)
    average = (torch.cumsum(counts, 0) - counts + (counts + 1) / 2.0).double()  # 1-based, per tie group
    ranks = torch.empty(len(scores), dtype=torch.float64)
    ranks[order] = average[inverse]
    positive = labels.bool()
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def c2st_auc(reference: torch.Tensor, candidate: torch.Tensor, seed: int = 0, epochs: int = 40,
             width: int = 256) -> float:
    """Held-out AUC of an MLP trained to tell ``candidate`` rows (label 1) from ``reference`` rows."""
    g = torch.Generator().manual_seed(seed)
    n = min(len(reference), len(candidate))
    ref = reference[torch.randperm(len(reference), generator=g)[:n]].float()
    can = candidate[torch.randperm(len(candidate), generator=g)[:n]].float()
    half = n // 2
    x_fit, x_test = torch.cat([ref[:half], can[:half]]), torch.cat([ref[half:], can[half:]])
    y_fit = torch.cat([torch.zeros(half), torch.ones(half)])
    y_test = torch.cat([torch.zeros(n - half), torch.ones(n - half)])
    mean, std = x_fit.mean(0), x_fit.std(0) + 1e-6
    x_fit, x_test = (x_fit - mean) / std, (x_test - mean) / std
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(x_fit.shape[1], width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(),
                        nn.Linear(width, 1))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=1e-4)
    loss_fn = nn.BCEWithLogitsLoss()
    for _ in range(epochs):
        for idx in torch.randperm(len(x_fit), generator=g).split(256):
            opt.zero_grad(set_to_none=True)
            loss_fn(net(x_fit[idx]).squeeze(-1), y_fit[idx]).backward()
            opt.step()
    with torch.no_grad():
        return roc_auc(net(x_test).squeeze(-1), y_test)


def mmd2(reference: torch.Tensor, candidate: torch.Tensor, n: int = 4000, seed: int = 0) -> float:
    """Unbiased MMD^2 between (at most ``n`` rows of) the two sets; Gaussian kernel whose bandwidth
    is the median pairwise distance of the reference rows."""
    g = torch.Generator().manual_seed(seed)
    x = reference[torch.randperm(len(reference), generator=g)[:n]].double()
    y = candidate[torch.randperm(len(candidate), generator=g)[:n]].double()
    dxx, dyy, dxy = torch.cdist(x, x), torch.cdist(y, y), torch.cdist(x, y)
    off = ~torch.eye(len(x), dtype=torch.bool)
    scale = 2 * dxx[off].median() ** 2

    def mean_kernel(d: torch.Tensor, unbiased: bool) -> float:
        k = torch.exp(-d ** 2 / scale)
        if unbiased:
            return float((k.sum() - k.diagonal().sum()) / (len(k) * (len(k) - 1)))
        return float(k.mean())

    return mean_kernel(dxx, True) + mean_kernel(dyy, True) - 2 * mean_kernel(dxy, False)


def ks_statistics(reference: torch.Tensor, candidate: torch.Tensor) -> torch.Tensor:
    """Two-sample Kolmogorov-Smirnov statistic of each column."""
    out = torch.empty(reference.shape[1], dtype=torch.float64)
    for j in range(reference.shape[1]):
        a, b = torch.sort(reference[:, j].double()).values, torch.sort(candidate[:, j].double()).values
        grid = torch.cat([a, b])
        cdf_a = torch.searchsorted(a, grid, right=True) / len(a)
        cdf_b = torch.searchsorted(b, grid, right=True) / len(b)
        out[j] = (cdf_a - cdf_b).abs().max()
    return out


def marginal_gaps(reference: torch.Tensor, candidate: torch.Tensor) -> dict[str, float]:
    """Mean over dimensions of |mean gap| / reference std, |log std ratio| and the KS statistic,
    and the largest gap of the off-diagonal correlations."""
    ref, can = reference.double(), candidate.double()
    std = ref.std(0)
    corr_gap = (torch.corrcoef(ref.T) - torch.corrcoef(can.T)).abs()
    return {"mean_gap": float(((ref.mean(0) - can.mean(0)).abs() / std).mean()),
            "std_gap": float((can.std(0) / std).log().abs().mean()),
            "ks": float(ks_statistics(ref, can).mean()),
            "corr_gap": float(corr_gap.max())}


def code_space_figures(reference: torch.Tensor, candidate: torch.Tensor, seed: int = 0) -> dict[str, float]:
    """:func:`c2st_auc`, :func:`mmd2` and :func:`marginal_gaps` of ``candidate`` against ``reference``."""
    return {"auc": c2st_auc(reference, candidate, seed), "mmd2": mmd2(reference, candidate, seed=seed),
            **marginal_gaps(reference, candidate)}
