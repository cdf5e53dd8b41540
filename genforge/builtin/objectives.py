"""The standard GAN objectives, registered as losses."""
from __future__ import annotations

from genforge.domain import LossSpec
from genforge.engine import losses
from genforge.hookspecs import hookimpl


@hookimpl
def register_losses(register):
    register(LossSpec("minimax", losses.bce_discriminator, losses.minimax_generator,
                      description="Goodfellow et al. 2014: BCE for D, G minimizes log(1 - D(G(z)))"))
    register(LossSpec("non-saturating", losses.bce_discriminator, losses.non_saturating_generator,
                      description="BCE for D, G maximizes log D(G(z))"))
    register(LossSpec("least-squares", losses.least_squares_discriminator, losses.least_squares_generator,
                      description="LSGAN (Mao et al. 2017), targets 1 for real and 0 for fake",
                      decision_threshold=0.5))
    register(LossSpec("wgan-gp", losses.wasserstein_discriminator, losses.wasserstein_generator,
                      gradient_penalty=10.0, decision_threshold=losses.midpoint_threshold,
                      description="Wasserstein critic with gradient penalty (Gulrajani et al. 2017)"))
    register(LossSpec("hinge", losses.hinge_discriminator, losses.hinge_generator,
                      description="hinge loss (Lim & Ye 2017; Miyato et al. 2018)"))
