"""Generator/discriminator shapes by size, conditioning, spectral norm, DiffAugment."""
import pytest
import torch
from torch.nn.utils import parametrize

from genforge_image.augment import AugmentedDiscriminator, cutout, diff_augment, translation
from genforge_image.networks import ImageDiscriminator, ImageGenerator, depth_for
from genforge_image.plugin import DCGAN_DEFAULTS, build_dcgan
from genforge_image.samples import ImageSchema


@pytest.mark.parametrize("size, channels", [(8, 1), (32, 3), (128, 3)])
def test_depth_follows_the_image_size(size, channels):
    torch.manual_seed(0)
    g = ImageGenerator(16, size, channels, num_classes=3, width=8)
    d = ImageDiscriminator(size, channels, num_classes=3, width=8)
    y = torch.tensor([0, 2])
    x = g(torch.randn(2, 16), y)
    assert x.shape == (2, channels, size, size) and x.abs().max() <= 1
    assert d(x, y).shape == (2,)
    assert len(g.ups) == depth_for(size) == {8: 1, 32: 3, 128: 5}[size]


def test_conditioning_changes_outputs_of_both_networks():
    torch.manual_seed(0)
    g, d = ImageGenerator(16, 8, 1, num_classes=4, width=8), ImageDiscriminator(8, 1, num_classes=4, width=8)
    with torch.no_grad():
        d.embed.parametrizations.weight.original.normal_()  # projection weights are learned; make them non-trivial
        for norm in g.norms:
            norm.gain.weight.normal_()
    g.eval()
    z = torch.randn(3, 16)
    a, b = g(z, torch.tensor([0, 0, 0])), g(z, torch.tensor([1, 1, 1]))
    assert (a - b).abs().max() > 1e-3
    assert (d(a, torch.tensor([0, 0, 0])) - d(a, torch.tensor([1, 1, 1]))).abs().max() > 1e-4


def test_spectral_norm_is_on_every_discriminator_layer_when_asked():
    on = ImageDiscriminator(16, 1, num_classes=2, width=8, spectral_norm=True)
    off = ImageDiscriminator(16, 1, num_classes=2, width=8, spectral_norm=False)
    layers = [m for m in on.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear, torch.nn.Embedding))]
    assert len(layers) == 6 and all(parametrize.is_parametrized(m, "weight") for m in layers)
    assert not any(parametrize.is_parametrized(m) for m in off.modules())


def test_translation_and_cutout_move_and_erase_pixels():
    torch.manual_seed(0)
    x = torch.zeros(64, 1, 8, 8)
    x[:, :, 3:5, 3:5] = 1.0
    moved = translation(x)
    assert moved.shape == x.shape and torch.allclose(moved.sum((1, 2, 3)), x.sum((1, 2, 3)))  # shift <= 1 px
    assert (moved != x).any(dim=(1, 2, 3)).float().mean() > 0.5
    ones = torch.ones(16, 3, 8, 8)
    cut = cutout(ones)
    erased = (cut == 0).float().sum((1, 2, 3)) / 3
    assert erased.max() == 16 and erased.min() >= 4  # a 4x4 square, clipped at the border


def test_diff_augment_is_differentiable_and_only_active_in_training():
    torch.manual_seed(0)
    x = torch.randn(8, 3, 16, 16, requires_grad=True)
    diff_augment(x, ("color", "translation", "cutout")).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    inner = ImageDiscriminator(16, 3, width=8)
    wrapped = AugmentedDiscriminator(inner, "color,translation,cutout")
    wrapped.eval()
    assert torch.equal(wrapped(x.detach()), inner(x.detach()))
    wrapped.train()
    assert not torch.equal(wrapped(x.detach()), inner(x.detach()))


def test_build_dcgan_conditions_on_the_schema_classes():
    model = build_dcgan(ImageSchema(8, 1, ["a", "b"]), dict(DCGAN_DEFAULTS, g_width=8, d_width=8))
    assert model.generator.num_classes == 2 and model.discriminator.inner.num_classes == 2
    unconditional = build_dcgan(ImageSchema(8, 1, []), dict(DCGAN_DEFAULTS, g_width=8, d_width=8))
    assert unconditional.generate(torch.randn(2, 64)).shape == (2, 1, 8, 8)


def test_ac_head_trains_through_the_engine_hooks():
    from genforge.domain import Batch
    from genforge_image.auxiliary_classifier import ConditionalImageGAN

    torch.manual_seed(0)
    model = build_dcgan(ImageSchema(8, 1, ["a", "b"]), dict(DCGAN_DEFAULTS, g_width=8, d_width=8, ac_weight=0.5))
    assert isinstance(model, ConditionalImageGAN) and set(model.auxiliary_optimizers()) == {"class_head"}
    real = torch.rand(32, 1, 8, 8) * 0.2
    real[:16] -= 0.8  # two easily separated classes: dark and bright
    real[16:] += 0.6
    labels = torch.tensor([0] * 16 + [1] * 16)
    losses = [model.auxiliary_step(Batch(real, labels), None, step)["loss_ac_real"] for step in range(60)]
    assert losses[-1] < 0.5 * losses[0]
    fake = model.generate(torch.randn(4, 64), labels[:4])
    extra = model.generator_extra_loss(fake, Batch(None, labels[:4]), {})
    extra.backward()
    assert extra.item() > 0 and model.generator.project.weight.grad is not None
