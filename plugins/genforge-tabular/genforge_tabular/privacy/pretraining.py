"""Warm start of a private run on the DP proxy table (post-processing: no budget).

The proxy table (``marginals.private_proxy``) is already differentially private, so a GAN may
train on it freely. Before DP-SGD starts, the generator and the critic take ``steps`` ordinary
(non-private) GAN steps on proxy rows: the generator learns every column's marginal, the
critic starts from a network that already tells those marginals apart. DP-SGD on the real
rows then only has to teach what the proxy lacks (the columns' relations), with the noise
calibrated as before: the proxy steps touch no real row.
"""
from __future__ import annotations

from typing import Any

import torch
from torch.nn.functional import softplus

from genforge.domain import Batch
from genforge_tabular.privacy.poisson_batches import own_conditions


def pretrain_on_proxy(model: Any, proxy: tuple[torch.Tensor, torch.Tensor], schema: Any, config: Any,
                      steps: int) -> None:
    """``steps`` generator steps (each after ``config.n_critic`` critic steps) of the
    non-saturating GAN on proxy rows drawn uniformly, conditions as in the private batches (a
    row's own level); the critic's per-sample gradient hooks must not be attached yet."""
    encoded, codes = proxy
    rng = torch.Generator().manual_seed(int(config.seed) + 7_919)
    opt_g = torch.optim.Adam(model.generator.parameters(), lr=config.lr_g, betas=config.betas_g)
    opt_d = torch.optim.Adam(model.discriminator.parameters(), lr=config.lr_d, betas=config.betas_d)
    n, ones = int(config.batch_size), torch.ones(int(config.batch_size), 1)
    model.train()
    for _ in range(int(steps)):
        for _ in range(int(config.n_critic)):
            picked = torch.randint(len(encoded), (n,), generator=rng)
            cond = torch.cat([own_conditions(schema.draws, codes[picked], rng, torch.zeros(n, 0)), ones], 1)
            with torch.no_grad():
                fake = model.generate(model.noise(n, rng), cond)
            d_loss = (softplus(-model.discriminate(encoded[picked], cond)) + softplus(model.discriminate(fake, cond))).mean()
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
        cond = torch.cat([schema.draws.conditions(n, rng) if schema.draws is not None else torch.zeros(n, 0), ones], 1)
        fake = model.generate(model.noise(n, rng), cond)
        model.discriminator.requires_grad_(False)
        extra = model.generator_extra_loss(fake, Batch(None, cond))
        g_loss = softplus(-model.discriminate(fake, cond)).mean() + (0.0 if extra is None else extra)
        model.discriminator.requires_grad_(True)
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
