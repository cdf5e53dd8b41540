"""GAN objectives on discriminator outputs (logits, or critic scores for WGAN).

Each takes ``real``/``fake`` outputs and returns a scalar. Formulas, with
``D`` the sigmoid of the logit for the probabilistic losses:

* minimax BCE:      L_D = -E[log D(x)] - E[log(1 - D(G(z)))],  L_G = E[log(1 - D(G(z)))]
* non-saturating:   L_D as minimax,                              L_G = -E[log D(G(z))]
* least squares:    L_D = E[(D(x) - 1)^2] + E[D(G(z))^2],       L_G = E[(D(G(z)) - 1)^2]
* Wasserstein:      L_D = E[D(G(z))] - E[D(x)],                 L_G = -E[D(G(z))]
* hinge:            L_D = E[relu(1 - D(x))] + E[relu(1 + D(G(z)))], L_G = -E[D(G(z))]

``log D = -softplus(-logit)`` and ``log(1 - D) = -softplus(logit)`` keep them stable.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def bce_discriminator(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return F.softplus(-real).mean() + F.softplus(fake).mean()


def minimax_generator(fake: torch.Tensor) -> torch.Tensor:
    return -F.softplus(fake).mean()


def non_saturating_generator(fake: torch.Tensor) -> torch.Tensor:
    return F.softplus(-fake).mean()


def least_squares_discriminator(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return (real - 1).pow(2).mean() + fake.pow(2).mean()


def least_squares_generator(fake: torch.Tensor) -> torch.Tensor:
    return (fake - 1).pow(2).mean()


def wasserstein_discriminator(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return fake.mean() - real.mean()


def wasserstein_generator(fake: torch.Tensor) -> torch.Tensor:
    return -fake.mean()


def hinge_discriminator(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return F.relu(1 - real).mean() + F.relu(1 + fake).mean()


hinge_generator = wasserstein_generator


def midpoint_threshold(real: torch.Tensor, fake: torch.Tensor) -> float:
    """Critic scores have no fixed scale: real vs fake splits at the midpoint of the two means."""
    return 0.5 * (real.mean().item() + fake.mean().item())
