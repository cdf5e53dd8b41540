import math

import pytest
import torch

from genforge.engine import losses, penalties


def test_minimax_and_non_saturating_match_their_formulas():
    real, fake = torch.tensor([2.0, -1.0]), torch.tensor([0.5, -3.0])
    d = lambda x: torch.sigmoid(x)
    expected_d = -(d(real).log().mean()) - (1 - d(fake)).log().mean()
    assert losses.bce_discriminator(real, fake).item() == pytest.approx(expected_d.item(), rel=1e-6)
    assert losses.minimax_generator(fake).item() == pytest.approx((1 - d(fake)).log().mean().item(), rel=1e-6)
    assert losses.non_saturating_generator(fake).item() == pytest.approx(-d(fake).log().mean().item(), rel=1e-6)


def test_least_squares_wasserstein_and_hinge():
    real, fake = torch.tensor([1.5, 0.0]), torch.tensor([0.25, -2.0])
    assert losses.least_squares_discriminator(real, fake).item() == pytest.approx(
        ((0.5**2 + 1.0) / 2) + ((0.25**2 + 4.0) / 2))
    assert losses.least_squares_generator(fake).item() == pytest.approx((0.75**2 + 9.0) / 2)
    assert losses.wasserstein_discriminator(real, fake).item() == pytest.approx(-0.875 - 0.75)
    assert losses.wasserstein_generator(fake).item() == pytest.approx(0.875)
    # relu(1 - 1.5)=0, relu(1 - 0)=1 ; relu(1 + .25)=1.25, relu(1 - 2)=0
    assert losses.hinge_discriminator(real, fake).item() == pytest.approx(0.5 + 0.625)


def test_bce_is_stable_for_extreme_logits():
    big = torch.tensor([1e4, -1e4])
    assert math.isfinite(losses.bce_discriminator(big, -big).item())
    assert math.isfinite(losses.non_saturating_generator(-big).item())


def test_gradient_penalty_and_r1_on_a_linear_critic():
    w = torch.tensor([3.0, 4.0])  # ||w|| = 5
    x = torch.randn(6, 2, requires_grad=True)
    out = x @ w
    assert penalties.wgan_gradient_penalty(out, x).item() == pytest.approx(16.0)
    x2 = torch.randn(6, 2, requires_grad=True)
    assert penalties.r1_penalty(x2 @ w, x2).item() == pytest.approx(12.5)


def test_gradient_norm_is_per_packed_output():
    x = torch.randn(8, 2, requires_grad=True)
    packed_out = (x.reshape(4, 4) @ torch.ones(4))  # each output sees 2 samples
    norms = penalties.input_gradient_norms(packed_out, x)
    assert norms.shape == (4,)
    assert torch.allclose(norms, torch.full((4,), 2.0))


def test_penalty_handles_tuples_of_tensors():
    a = torch.randn(5, 3, requires_grad=True)
    b = torch.randn(5, 2, 2, requires_grad=True)
    out = a.sum(1) * 0 + 2 * b.sum((1, 2))  # grad wrt a = 0, wrt b = 2 on 4 entries -> norm 4
    assert penalties.input_gradient_norms(out, (a, b)).tolist() == pytest.approx([4.0] * 5)
