"""Gradient penalties, computed out of place with ``torch.autograd.grad``.

Both take the gradient of the discriminator output with respect to its input
and return the penalty with a graph attached (``create_graph=True``), so that
adding it to D's loss trains D to satisfy it.
"""
from __future__ import annotations

from typing import Any

import torch

from genforge.engine.tensor_tree import tree_leaves


def input_gradient_norms(outputs: torch.Tensor, inputs: Any) -> torch.Tensor:
    """L2 norm of d(sum outputs)/d(inputs) per discriminator output.

    With PacGAN packing one output covers ``pac`` samples, so the gradients of
    those samples are flattened together, as in the packed WGAN-GP of CTGAN.
    """
    leaves = tree_leaves(inputs)
    grads = torch.autograd.grad(outputs.sum(), leaves, create_graph=True)
    n_out = outputs.shape[0]
    flat = torch.cat([g.reshape(n_out, -1) for g in grads], dim=1)
    return flat.norm(2, dim=1)


def wgan_gradient_penalty(outputs_on_interpolates: torch.Tensor, interpolates: Any) -> torch.Tensor:
    """Gulrajani et al. 2017: E[(||grad D(x_hat)|| - 1)^2]."""
    return (input_gradient_norms(outputs_on_interpolates, interpolates) - 1).pow(2).mean()


def r1_penalty(outputs_on_real: torch.Tensor, real: Any) -> torch.Tensor:
    """Mescheder et al. 2018: 1/2 E[||grad D(x)||^2] on real data."""
    return 0.5 * input_gradient_norms(outputs_on_real, real).pow(2).mean()
