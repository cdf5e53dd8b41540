import pytest
import torch

from genforge.fast_ops import Dropout, gumbel_noise_like, gumbel_softmax, softmax


@pytest.mark.parametrize("width", [2, 5, 16, 40])
def test_softmax_matches_torch_in_values_and_gradients(width):
    x = (torch.randn(30, 7, width) * 5).requires_grad_()
    w = torch.randn(30, 7, width)
    ours = softmax(x, -1)
    (g_ours,) = torch.autograd.grad((ours * w).sum(), x)
    theirs = torch.softmax(x, -1)
    (g_theirs,) = torch.autograd.grad((theirs * w).sum(), x)
    assert torch.allclose(ours, theirs, atol=1e-6) and torch.allclose(g_ours, g_theirs, atol=1e-5)
    big = torch.tensor([[1000.0, 0.0, -1000.0]])  # no overflow
    assert torch.allclose(softmax(big), torch.tensor([[1.0, 0.0, 0.0]]))


def test_gumbel_noise_has_the_gumbel_distribution():
    g = gumbel_noise_like(torch.zeros(200_000)).double()
    assert torch.isfinite(g).all()
    assert g.mean().item() == pytest.approx(0.5772, abs=0.01)  # Euler-Mascheroni constant
    assert g.var().item() == pytest.approx(torch.pi ** 2 / 6, abs=0.03)


def test_gumbel_softmax_samples_categories_with_their_softmax_probabilities():
    logits = torch.log(torch.tensor([0.6, 0.3, 0.1])).expand(100_000, 3).clone().requires_grad_()
    hard = gumbel_softmax(logits, tau=0.5, hard=True)
    assert set(hard.detach().unique().tolist()) == {0.0, 1.0} and torch.equal(hard.sum(-1), torch.ones(100_000))
    assert torch.allclose(hard.detach().mean(0), torch.tensor([0.6, 0.3, 0.1]), atol=0.01)
    (hard * torch.tensor([1.0, 2.0, 3.0])).sum().backward()  # straight-through: soft gradient
    assert logits.grad.abs().sum() > 0
    soft = gumbel_softmax(logits.detach(), tau=0.5)
    assert ((soft > 0) & (soft < 1)).float().mean() > 0.9 and torch.allclose(soft.sum(-1), torch.ones(100_000))


def test_dropout_keeps_the_expected_activation_and_is_off_in_eval():
    layer = Dropout(0.5)
    x = torch.ones(100_000)
    y = layer(x)
    assert set(y.unique().tolist()) == {0.0, 2.0} and y.mean().item() == pytest.approx(1.0, abs=0.02)
    layer.eval()
    assert torch.equal(layer(x), x)
    with pytest.raises(ValueError, match="dropout probability"):
        Dropout(1.0)
