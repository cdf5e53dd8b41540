"""The image domain's report sections: a sample grid per class, and the nearest training image of a few
samples (a memorisation check). Registered through genforge's ``register_report_sections`` hook."""
from __future__ import annotations

import numpy as np
import torch

from genforge.hookspecs import hookimpl
from genforge.report import Image, Note, ReportContext, ReportSectionSpec, Table, Text, png_of

PER_CLASS, MAX_CLASSES, NEIGHBOUR_SAMPLES, TRAIN_LIMIT, CELL = 10, 10, 8, 5000, 64


def _tile(images: list[np.ndarray], per_row: int) -> "PIL.Image.Image":  # noqa: F821
    from PIL import Image as PILImage

    rows = max(1, -(-len(images) // per_row))
    sheet = PILImage.new("RGB", (per_row * (CELL + 2), rows * (CELL + 2)), "white")
    for k, image in enumerate(images):
        picture = PILImage.fromarray(image.squeeze(-1) if image.shape[-1] == 1 else image)
        picture = picture.convert("RGB").resize((CELL, CELL), PILImage.NEAREST)
        sheet.paste(picture, ((k % per_row) * (CELL + 2), (k // per_row) * (CELL + 2)))
    return sheet


def build_grid(context: ReportContext) -> list:
    samples = context.samples
    images = samples.images.numpy()
    if samples.labels is None or not samples.class_names:
        return [Image(png_of(_tile(list(images[:PER_CLASS * 4]), PER_CLASS)), alt="generated images",
                      caption=f"{min(len(images), PER_CLASS * 4)} generated images (unconditional model)")]
    blocks, labels = [], samples.labels.numpy()
    for k, name in enumerate(samples.class_names[:MAX_CLASSES]):
        chosen = images[labels == k][:PER_CLASS]
        if len(chosen):
            blocks.append(Image(png_of(_tile(list(chosen), PER_CLASS)), alt=f"generated class {name}",
                                caption=f"class {name!r}: {len(chosen)} samples"))
    if len(samples.class_names) > MAX_CLASSES:
        blocks.append(Text(f"first {MAX_CLASSES} of {len(samples.class_names)} classes shown"))
    return blocks


def nearest(queries: np.ndarray, pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of and L2 distance (per pixel, 0-1 scale) to the nearest ``pool`` image of each query."""
    q = torch.as_tensor(queries.reshape(len(queries), -1), dtype=torch.float32) / 255
    p = torch.as_tensor(pool.reshape(len(pool), -1), dtype=torch.float32) / 255
    dist = torch.cdist(q, p) / q.shape[1] ** 0.5
    best, index = dist.min(1)
    return index.numpy(), best.numpy()


def build_neighbours(context: ReportContext) -> list:
    if context.reference is None:
        return [Note("the training images could not be reloaded: no memorisation check", "warning")]
    train = context.reference.train_images
    rng = np.random.default_rng(context.seed)
    pool = train if len(train) <= TRAIN_LIMIT else train[rng.choice(len(train), TRAIN_LIMIT, replace=False)]
    queries = context.samples.images.numpy()[:NEIGHBOUR_SAMPLES]
    index, distance = nearest(queries, pool)
    pairs = [image for q, i in zip(queries, index) for image in (q, pool[i])]
    blocks = [Image(png_of(_tile(pairs, 2 * min(4, len(queries)))), alt="samples beside their nearest training image",
                    caption="Each generated image followed by its nearest training image (pixel L2)")]
    test = context.reference.test_images
    test = test[:NEIGHBOUR_SAMPLES * 8]
    rows = [["generated samples", float(np.median(distance))]]
    if len(test) and test is not train:
        _, real_distance = nearest(test, pool)
        real_distance = real_distance[real_distance > 0] if (real_distance > 0).any() else real_distance
        rows.append(["real test images", float(np.median(real_distance))])
        if float(np.median(distance)) < 0.5 * float(np.median(real_distance)):
            blocks.append(Note("samples lie much closer to training images than real test images do: the generator "
                               "may be memorising", "warning", remedy="stop earlier, augment the data, or use more data"))
    blocks.append(Table(["images", "median distance to nearest training image"], rows))
    return blocks


@hookimpl
def register_report_sections(register):
    register(ReportSectionSpec("image-grid", "image", "Samples per class", build_grid))
    register(ReportSectionSpec("image-neighbours", "image", "Nearest training images (memorisation check)",
                               build_neighbours))
