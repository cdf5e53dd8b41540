"""``ImageGAN``: fit on arrays, generate uint8 per class, save/load through the engine's format."""
import numpy as np
import pytest

from genforge.errors import UserInputError
from genforge_image import ImageGAN
from genforge_image.shapes import CLASSES, coloured_shapes


def test_fit_generate_save_load_round_trip(tmp_path):
    data = coloured_shapes(n=64, size=16, seed=1)
    names = np.array(CLASSES)[data.labels]
    gan = ImageGAN(steps=15, batch_size=16, g_width=8, d_width=8, latent_dim=16, seed=3)
    assert gan.fit(data.images, names) is gan
    fakes = gan.generate(6, labels="triangle")
    assert fakes.shape == (6, 16, 16, 3) and fakes.dtype == np.uint8
    assert np.array_equal(fakes, gan.generate(6, labels="triangle"))           # same seed, same images
    assert not np.array_equal(fakes, gan.generate(6, labels="circle"))
    path = gan.save(tmp_path / "gan.pt")
    again = ImageGAN.load(path)
    assert again.get_params()["latent_dim"] == 16
    assert np.array_equal(again.generate(6, labels=["triangle"] * 6), fakes)
    with pytest.raises(UserInputError, match="label 'hexagon' is not a class"):
        again.generate(2, labels="hexagon")


def test_unlabelled_grayscale_fit_and_generate():
    images = np.random.default_rng(0).integers(0, 256, (40, 8, 8)).astype(np.uint8)
    gan = ImageGAN(steps=5, batch_size=8, g_width=8, d_width=8, latent_dim=8).fit(images)
    assert gan.generate(3).shape == (3, 8, 8, 1)
    with pytest.raises(UserInputError, match="unconditional"):
        gan.generate(3, labels=1)
