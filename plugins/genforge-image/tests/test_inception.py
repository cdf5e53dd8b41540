"""User-supplied Inception-style TorchScript features drive inception_fid / inception_kid."""
import numpy as np
import pytest
import torch

from genforge.errors import UserInputError
from genforge_image.evaluation import ImageReference, evaluate_all, metric_specs
from genforge_image.inception import inception_features
from genforge_image.samples import ImageSamples


class MeanColour(torch.nn.Module):
    """Stands in for Inception-v3: 299x299 float input -> 3 features (channel means)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        assert x.shape[-2:] == (299, 299)
        return x.mean(dim=(2, 3))


@pytest.fixture
def weights(tmp_path):
    path = tmp_path / "inception.pt"
    torch.jit.save(torch.jit.script(MeanColour()), str(path))
    return path


def test_features_come_from_the_supplied_file(weights):
    images = np.zeros((3, 8, 8, 1), np.uint8)
    images[1] = 255
    feats = inception_features(str(weights), images)
    assert feats.shape == (3, 3) and np.allclose(feats[:, 0], [0, 1, 0])


def test_inception_metrics_are_registered_only_with_weights(weights, tmp_path):
    names = {s.name for s in metric_specs(inception=False)}
    assert "inception_fid" not in names and "classifier_fid" in names
    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, (40, 8, 8, 1)).astype(np.uint8)
    test = rng.integers(0, 256, (30, 8, 8, 1)).astype(np.uint8)
    ref = ImageReference(train, None, test, None, 0, tmp_path, inception_weights=str(weights))
    black = ImageSamples(torch.zeros(30, 8, 8, 1, dtype=torch.uint8))
    result = evaluate_all(black, ref)
    # mean colour of noise ~0.5, of black 0: the distance is about 3 * 0.5^2 (variances tiny)
    assert result["inception_fid"] == pytest.approx(0.75, abs=0.1)
    assert result["inception_fid_real"] < 0.01
    with pytest.raises(UserInputError, match="not found"):
        inception_features(str(tmp_path / "missing.pt"), train)
