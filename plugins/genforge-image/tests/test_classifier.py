"""The domain classifier: reproducible, cached, and good enough to define the feature space."""
import numpy as np
import torch

from genforge_image import classifier as clf
from genforge_image.domain import split_indices
from genforge_image.loading import load_digits


def test_training_is_reproducible_and_cached(tmp_path, monkeypatch):
    ds = load_digits(None, {})
    images, labels = ds.images[:300], ds.labels[:300]
    a = clf.cached_classifier(images, labels, 10, tmp_path, steps=40)
    b = clf.train_classifier(images, labels, 10, steps=40)
    for pa, pb in zip(a.state_dict().values(), b.state_dict().values()):
        assert torch.equal(pa, pb)
    assert len(list(tmp_path.glob("lenet-*.pt"))) == 1

    def refuse(*args, **kwargs):
        raise AssertionError("retrained although cached")
    monkeypatch.setattr(clf, "train_classifier", refuse)
    c = clf.cached_classifier(images, labels, 10, tmp_path, steps=40)
    assert torch.equal(next(iter(c.state_dict().values())), next(iter(a.state_dict().values())))


def test_default_recipe_classifies_held_out_digits(tmp_path):
    ds = load_digits(None, {})
    train, test = split_indices(len(ds.images), ds.labels)
    assert (len(train), len(test)) == (1257, 540)
    net = clf.cached_classifier(ds.images[train], ds.labels[train], 10, tmp_path)
    assert clf.accuracy(net, ds.images[test], ds.labels[test]) > 0.95
    feats, probs = clf.features_and_probs(net, ds.images[test][:10])
    assert feats.shape == (10, clf.FEATURE_DIM) and np.allclose(probs.sum(1), 1)
