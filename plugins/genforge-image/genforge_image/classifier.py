"""A small LeNet-style domain classifier: the offline feature space of the image metrics.

It is trained reproducibly (fixed seed, fixed number of steps, one thread) on
the training split and cached on disk, keyed by a hash of the training images,
labels and recipe, so evaluation never downloads anything and repeated runs
reuse the same network. Its penultimate layer (``FEATURE_DIM`` values) is the
feature space of the Fréchet distance, KID, precision/recall and
density/coverage; its softmax gives the classifier score and the
class-conditional accuracy. The same recipe, trained on generated images,
gives the Classification Accuracy Score.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

from genforge import load_safe, save_atomic
from genforge.errors import CheckpointError

from genforge_image.samples import to_training

FEATURE_DIM = 64
RECIPE = "lenet-v1"
TRAIN_STEPS = 600
BATCH = 64


class LeNet(nn.Module):
    """conv-pool blocks, average-pooled to 2x2, then 128 -> 64 (features) -> classes."""

    def __init__(self, size: int, channels: int, num_classes: int):
        super().__init__()
        stages = max(2, int(np.log2(size)) - 2)
        widths = [channels] + [min(16 * 2 ** i, 128) for i in range(stages)]
        layers: list[nn.Module] = []
        for a, b in zip(widths, widths[1:]):
            layers += [nn.Conv2d(a, b, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
        self.conv = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(2), nn.Flatten())
        self.fc = nn.Sequential(nn.Linear(widths[-1] * 4, 128), nn.ReLU(), nn.Linear(128, FEATURE_DIM))
        self.out = nn.Sequential(nn.ReLU(), nn.Linear(FEATURE_DIM, num_classes))
        self.size, self.channels, self.num_classes = size, channels, num_classes

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Features (pre-activation, so no dead dimensions) and logits."""
        feats = self.fc(self.conv(x))
        return feats, self.out(feats)


def train_classifier(images: np.ndarray, labels: np.ndarray, num_classes: int, seed: int = 0,
                     steps: int = TRAIN_STEPS) -> LeNet:
    """Deterministic training (own generator, one thread, fixed steps) with Adam."""
    x, y = to_training(images), torch.as_tensor(np.asarray(labels), dtype=torch.long)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            net = LeNet(x.shape[2], x.shape[1], num_classes)
        rng = torch.Generator().manual_seed(seed + 1)
        opt = torch.optim.Adam(net.parameters(), lr=2e-3)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
        net.train()
        for _ in range(steps):
            idx = torch.randint(0, len(x), (min(BATCH, len(x)),), generator=rng)
            loss = F.cross_entropy(net(x[idx])[1], y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
    finally:
        torch.set_num_threads(threads)
    return net.eval()


@torch.no_grad()
def features_and_probs(net: LeNet, images: np.ndarray | torch.Tensor, chunk: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    x = to_training(images)
    feats, probs = [], []
    for part in x.split(chunk):
        f, logits = net(part)
        feats.append(f.double().numpy())
        probs.append(torch.softmax(logits.double(), 1).numpy())
    return np.concatenate(feats), np.concatenate(probs)


def accuracy(net: LeNet, images: np.ndarray, labels: np.ndarray) -> float:
    _, probs = features_and_probs(net, images)
    return float((probs.argmax(1) == np.asarray(labels)).mean())


def cache_dir(explicit: str | os.PathLike | None = None) -> Path:
    """``explicit``, else ``$GENFORGE_CACHE``, else ``~/.cache/genforge``; plus ``image-classifiers``."""
    root = explicit or os.environ.get("GENFORGE_CACHE") or Path.home() / ".cache" / "genforge"
    return Path(root) / "image-classifiers"


def cached_classifier(images: np.ndarray, labels: np.ndarray, num_classes: int,
                      folder: Path, seed: int = 0, steps: int = TRAIN_STEPS) -> LeNet:
    """Load the classifier for exactly these images/labels/recipe, or train and cache it."""
    digest = hashlib.sha256()
    for part in (RECIPE, str(steps), str(seed), str(num_classes), str(images.shape)):
        digest.update(part.encode())
    digest.update(np.ascontiguousarray(images).tobytes())
    digest.update(np.ascontiguousarray(labels, dtype=np.int64).tobytes())
    path = Path(folder) / f"lenet-{digest.hexdigest()[:20]}.pt"
    if path.is_file():
        try:
            state = load_safe(path)
            net = LeNet(images.shape[1], images.shape[3], num_classes)
            net.load_state_dict(state["weights"])
            return net.eval()
        except (CheckpointError, KeyError, RuntimeError):
            pass  # a damaged cache entry: retrain and overwrite it
    net = train_classifier(images, labels, num_classes, seed, steps)
    save_atomic({"weights": net.state_dict(), "recipe": RECIPE}, path)
    return net
