"""Offline image metrics against a held-out real split, each with its real-vs-real reference.

:class:`ImageReference` holds the training and test splits and the cached
domain classifier (:mod:`genforge_image.classifier`). Every metric ``m`` is
registered twice: ``m`` compares generated samples with the real test split,
``m_real`` compares as many *real training* images (the data the GAN learned
from) with the same test split -- the figure a perfect generator would reach
at that sample size. Feature-space metrics use the domain classifier's
penultimate layer, so ``classifier_fid`` is a Fréchet distance in that space,
not comparable with Inception FID. ``inception_fid``/``inception_kid`` use a
user-supplied Inception-v3 TorchScript file (:mod:`genforge_image.inception`);
they are registered only when ``$GENFORGE_INCEPTION_WEIGHTS`` names one (the
dataset option ``inception_weights`` overrides the file for one run).
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from genforge.domain import MetricSpec

from genforge_image import classifier as clf
from genforge_image import feature_metrics as fm
from genforge_image.samples import ImageSamples

INCEPTION_ENV = "GENFORGE_INCEPTION_WEIGHTS"


@dataclass
class ImageReference:
    """Real splits (uint8 N x H x W x C, int labels or None) and the lazily loaded classifier."""

    train_images: np.ndarray
    train_labels: np.ndarray | None
    test_images: np.ndarray
    test_labels: np.ndarray | None
    num_classes: int
    cache_folder: Path
    inception_weights: str | None = field(default_factory=lambda: os.environ.get(INCEPTION_ENV) or None)
    seed: int = 0
    classifier_steps: int = clf.TRAIN_STEPS
    _classifier: Any = field(default=None, repr=False)
    _real_like: dict[int, ImageSamples] = field(default_factory=dict, repr=False)
    _test_stats: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def labelled(self) -> bool:
        return self.train_labels is not None and self.num_classes > 1

    @property
    def classifier(self) -> clf.LeNet | None:
        if self._classifier is None and self.labelled:
            self._classifier = clf.cached_classifier(self.train_images, self.train_labels, self.num_classes,
                                                     self.cache_folder, self.seed, self.classifier_steps)
        return self._classifier

    def real_like(self, n: int) -> ImageSamples:
        """``n`` real training images (a fixed random subset; all when ``n`` exceeds the split)."""
        if n not in self._real_like:
            order = np.random.default_rng(12345).permutation(len(self.train_images))[:n]
            labels = None if self.train_labels is None else torch.as_tensor(self.train_labels[order])
            self._real_like[n] = ImageSamples(torch.as_tensor(self.train_images[order]), labels)
        return self._real_like[n]

    # -- features ---------------------------------------------------------------------
    def features(self, samples: ImageSamples, space: str = "classifier") -> tuple[np.ndarray, np.ndarray | None]:
        key = f"features:{space}"
        if key not in samples.cache:
            samples.cache[key] = self._compute(samples.numpy_images, space)
        return samples.cache[key]

    def test_features(self, space: str = "classifier") -> tuple[np.ndarray, np.ndarray | None]:
        if space not in self._test_stats:
            self._test_stats[space] = self._compute(self.test_images, space)
        return self._test_stats[space]

    def _compute(self, images: np.ndarray, space: str) -> tuple[np.ndarray, np.ndarray | None]:
        if space == "inception":
            from genforge_image.inception import inception_features
            return inception_features(self.inception_weights, images), None
        if space == "pixels":  # unlabelled data: no classifier to learn features from
            return images.reshape(len(images), -1).astype(np.float64) / 255.0, None
        return clf.features_and_probs(self.classifier, images)

    @property
    def feature_space(self) -> str:
        return "classifier" if self.labelled else "pixels"


# -- the metrics: fn(samples, reference) -> float --------------------------------------------
def _pair(samples: ImageSamples, ref: ImageReference, space: str | None = None):
    space = space or ref.feature_space
    return ref.test_features(space)[0], ref.features(samples, space)[0]


def classifier_fid(samples, ref):
    real, fake = _pair(samples, ref)
    return fm.frechet_distance(real, fake)


def kid(samples, ref):
    real, fake = _pair(samples, ref)
    return fm.kernel_inception_distance(real, fake)


def precision(samples, ref):
    return fm.precision_recall(*_pair(samples, ref))[0]


def recall(samples, ref):
    return fm.precision_recall(*_pair(samples, ref))[1]


def density(samples, ref):
    return fm.density_coverage(*_pair(samples, ref))[0]


def coverage(samples, ref):
    return fm.density_coverage(*_pair(samples, ref))[1]


def classifier_score(samples, ref):
    if not ref.labelled:
        return math.nan
    return fm.classifier_score(ref.features(samples)[1])


def class_accuracy(samples, ref):
    """Share of samples the domain classifier assigns to the class they were generated for."""
    if not ref.labelled or samples.labels is None:
        return math.nan
    return float((ref.features(samples)[1].argmax(1) == samples.numpy_labels).mean())


def classification_accuracy_score(samples, ref):
    """CAS (Ravuri & Vinyals 2019): train the classifier recipe on these labelled samples only,
    report its accuracy on the real test split."""
    if not ref.labelled or samples.labels is None:
        return math.nan
    key = "cas"
    if key not in samples.cache:
        net = clf.train_classifier(samples.numpy_images, samples.numpy_labels, ref.num_classes, ref.seed,
                                   ref.classifier_steps)
        samples.cache[key] = clf.accuracy(net, ref.test_images, ref.test_labels)
    return samples.cache[key]


def inception_fid(samples, ref):
    if not ref.inception_weights:
        return math.nan
    return fm.frechet_distance(*_pair(samples, ref, "inception"))


def inception_kid(samples, ref):
    if not ref.inception_weights:
        return math.nan
    return fm.kernel_inception_distance(*_pair(samples, ref, "inception"))


def _real_class_accuracy(samples, ref):
    """Real-vs-real for class accuracy: the domain classifier on the held-out real test split."""
    if not ref.labelled:
        return math.nan
    return clf.accuracy(ref.classifier, ref.test_images, ref.test_labels)


METRICS: list[tuple[str, Callable, bool, tuple, str]] = [
    ("classifier_fid", classifier_fid, False, (0, None),
     "Fréchet distance in the domain classifier's feature space (NOT Inception FID), vs real test split"),
    ("kid", kid, False, (None, None), "KID: unbiased MMD^2, cubic polynomial kernel, classifier features"),
    ("precision", precision, True, (0, 1), "Kynkäänniemi 2019 k-NN precision (k=3), classifier features"),
    ("recall", recall, True, (0, 1), "Kynkäänniemi 2019 k-NN recall (k=3), classifier features"),
    ("density", density, True, (0, None), "Naeem 2020 density (k=5), classifier features"),
    ("coverage", coverage, True, (0, 1), "Naeem 2020 coverage (k=5), classifier features"),
    ("classifier_score", classifier_score, True, (1, None), "Inception-Score formula with the domain classifier"),
    ("class_accuracy", class_accuracy, True, (0, 1),
     "domain classifier's agreement with the label each sample was generated for"),
    ("cas", classification_accuracy_score, True, (0, 1),
     "Classification Accuracy Score: classifier trained on samples, accuracy on real test images"),
]
INCEPTION_METRICS = [
    ("inception_fid", inception_fid, False, (0, None), "FID with the user-supplied Inception-v3 features"),
    ("inception_kid", inception_kid, False, (None, None), "KID with the user-supplied Inception-v3 features"),
]
REAL_OVERRIDES = {"class_accuracy": _real_class_accuracy}


def metric_specs(domain: str = "image", inception: bool | None = None) -> list[MetricSpec]:
    """Every metric and its ``_real`` reference; Inception ones when ``inception`` (default: the
    environment names a weights file)."""
    if inception is None:
        inception = bool(os.environ.get(INCEPTION_ENV))
    specs = []
    for name, fn, higher, bounds, description in METRICS + (INCEPTION_METRICS if inception else []):
        specs.append(MetricSpec(name, domain, fn, higher, bounds, description))
        real = REAL_OVERRIDES.get(name) or (lambda s, r, _f=fn: _f(r.real_like(len(s)), r))
        specs.append(MetricSpec(f"{name}_real", domain, real, higher, bounds,
                                f"real-vs-real reference for {name} (as many real training images)"))
    return specs


def evaluate_all(samples: ImageSamples, ref: ImageReference) -> dict[str, float]:
    """Every metric and its real-vs-real reference, by name (for benchmarks and the demo)."""
    specs = metric_specs(inception=bool(ref.inception_weights))
    return {spec.name: float(spec.compute(samples, ref)) for spec in specs}
