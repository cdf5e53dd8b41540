"""A synthetic labelled RGB data set: coloured shapes (circle, square, triangle, cross).

Each image has one shape of a random colour, position and size on a dark
background with a little noise; the class is the shape. Generated from a seed,
so benchmarks and tests need no downloads.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from genforge.domain import DataReport

from genforge_image.loading import ImageSet

CLASSES = ("circle", "square", "triangle", "cross")


def coloured_shapes(n: int = 4000, size: int = 32, seed: int = 0) -> ImageSet:
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    images = np.empty((n, size, size, 3), np.uint8)
    labels = np.arange(n) % len(CLASSES)
    rng.shuffle(labels)
    for i, label in enumerate(labels):
        background = tuple(int(v) for v in rng.integers(0, 60, 3))
        img = Image.new("RGB", (size, size), background)
        draw = ImageDraw.Draw(img)
        colour = tuple(int(v) for v in rng.integers(100, 256, 3))
        r = rng.uniform(0.22, 0.38) * size
        cx, cy = rng.uniform(r + 1, size - r - 1, 2)
        box = (cx - r, cy - r, cx + r, cy + r)
        shape = CLASSES[label]
        if shape == "circle":
            draw.ellipse(box, fill=colour)
        elif shape == "square":
            draw.rectangle(box, fill=colour)
        elif shape == "triangle":
            draw.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=colour)
        else:
            w = r / 2.5
            draw.rectangle((cx - r, cy - w, cx + r, cy + w), fill=colour)
            draw.rectangle((cx - w, cy - r, cx + w, cy + r), fill=colour)
        noise = rng.normal(0, 4, (size, size, 3))
        images[i] = np.clip(np.asarray(img, np.float64) + noise, 0, 255).round().astype(np.uint8)
    return ImageSet(images, labels.astype(np.int64), list(CLASSES), DataReport(total=n, used=n),
                    f"coloured shapes (n={n}, size={size}, seed={seed})")


def load_shapes(source, options: dict[str, Any]) -> ImageSet:
    return coloured_shapes(int(options.get("n", 4000)), int(options.get("size", 32)),
                           int(options.get("shapes_seed", 0)))
