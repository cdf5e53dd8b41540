"""The ``image`` domain: prepare image sets, decode, sample per class, write, report, demo."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import numpy as np
import torch

from genforge.domain import Domain, TensorTrainingData
from genforge.errors import UserInputError

from genforge_image.classifier import TRAIN_STEPS, cache_dir
from genforge_image.evaluation import INCEPTION_ENV, ImageReference
from genforge_image.loading import ImageSet
from genforge_image.samples import ImageSamples, ImageSchema, to_training, to_uint8
from genforge_image.writing import save_grid, write_images

TEST_FRACTION = 0.3
SPLIT_SEED = 0
DATASET_OPTIONS = {"size", "skip_bad", "conditional", "test_fraction", "cache_dir", "inception_weights",
                   "classifier_steps", "n", "shapes_seed"}


def split_indices(n: int, labels: np.ndarray | None, fraction: float = TEST_FRACTION,
                  seed: int = SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Fixed (seeded, stratified when labelled) train/test split, independent of the training seed."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(n)
    stratify = labels if labels is not None and np.bincount(labels).min() >= 2 else None
    train, test = train_test_split(idx, test_size=fraction, random_state=seed, stratify=stratify)
    return np.sort(train), np.sort(test)


class ImageDomain(Domain):
    name = "image"
    description = "square grayscale/RGB images (8..128 px), class-conditional DCGAN with offline metrics"
    default_dataset = "digits"
    default_model = "dcgan"
    default_loss = "hinge"
    sample_suffix = ".npz"
    sample_folders = True  # write_samples(chunks, DIR) writes one PNG per image
    train_defaults = {"steps": 3000, "batch_size": 64, "lr_g": 5e-4, "lr_d": 5e-4,
                      "betas_g": (0.0, 0.9), "betas_d": (0.0, 0.9), "ema_decay": 0.995,
                      "eval_samples": 1000}

    # -- data in -------------------------------------------------------------------------
    def prepare(self, raw: ImageSet, options: dict[str, Any], seed: int) -> TensorTrainingData:
        unknown = sorted(set(options) - DATASET_OPTIONS)
        if unknown:
            raise UserInputError(f"image datasets have no option {unknown[0]!r}; options: "
                                 f"{', '.join(sorted(DATASET_OPTIONS))}")
        conditional = bool(options.get("conditional", True)) and raw.labels is not None and len(raw.class_names) > 1
        labels = raw.labels if conditional else None
        fraction = float(options.get("test_fraction", TEST_FRACTION))
        if not 0 <= fraction < 1:
            raise UserInputError(f"dataset option test_fraction={fraction}: must be in [0, 1)")
        if len(raw.images) < 10:
            raise UserInputError(f"{raw.source}: only {len(raw.images)} usable images; need at least 10")
        if fraction == 0:  # train on everything; metrics then compare with the training images
            train = test = np.arange(len(raw.images))
        else:
            train, test = split_indices(len(raw.images), labels, fraction)
        schema = ImageSchema(int(raw.images.shape[1]), raw.channels, raw.class_names if conditional else [])
        reference = ImageReference(
            raw.images[train], None if labels is None else labels[train], raw.images[test],
            None if labels is None else labels[test], schema.num_classes,
            cache_dir(options.get("cache_dir")),
            options.get("inception_weights") or os.environ.get(INCEPTION_ENV) or None,
            classifier_steps=int(options.get("classifier_steps", TRAIN_STEPS)))
        label_tensor = None if labels is None else torch.as_tensor(labels[train])
        real = ImageSamples(torch.as_tensor(raw.images[train][:2000]),
                            None if label_tensor is None else label_tensor[:2000], list(schema.class_names))
        return TensorTrainingData(to_training(raw.images[train]), label_tensor, num_classes=schema.num_classes,
                                  schema=schema, reference=reference, real_samples=real, report=raw.report)

    def schema_state(self, schema: ImageSchema) -> dict[str, Any]:
        return schema.to_state()

    def schema_from_state(self, state: dict[str, Any]) -> ImageSchema:
        return ImageSchema.from_state(state)

    # -- samples out -----------------------------------------------------------------------
    def decode(self, output: torch.Tensor, schema: ImageSchema) -> ImageSamples:
        return ImageSamples(to_uint8(output), None, list(schema.class_names))

    def condition(self, values: dict[str, str], n: int, schema: ImageSchema,
                  rng: torch.Generator) -> torch.Tensor | None:
        """``label=NAME`` (or index) for one class; otherwise every class equally often, shuffled."""
        unknown = sorted(set(values) - {"label"})
        if unknown:
            raise UserInputError(f"image models take --condition label=CLASS only (got {unknown[0]!r})")
        if not schema.num_classes:
            if values:
                raise UserInputError("this image model is unconditional (trained without labels): "
                                     "drop --condition")
            return None
        if "label" in values:
            return torch.full((n,), schema.label_index(values["label"]), dtype=torch.long)
        balanced = torch.arange(n) % schema.num_classes
        return balanced[torch.randperm(n, generator=rng)]

    def sample_chunks(self, generate: Callable[[int, Any], Any], schema: ImageSchema, n: int,
                      conditions: dict[str, str], rng: torch.Generator,
                      chunk_size: int = 10_000) -> Iterator[ImageSamples]:
        done = 0
        while done < n:
            k = min(chunk_size, n - done)
            cond = self.condition(conditions, k, schema, rng)
            yield ImageSamples(self.decode(generate(k, cond), schema).images, cond, list(schema.class_names))
            done += k

    def concat(self, chunks) -> ImageSamples:
        return ImageSamples.concat(list(chunks))

    def write_samples(self, chunks: Iterable[ImageSamples], path: Path) -> int:
        """``.npz`` (images, labels, class_names), ``.png`` (labelled grid) or ``DIR/`` (PNGs)."""
        return write_images(chunks, path)

    def diversity(self, samples: ImageSamples, schema: ImageSchema) -> float | None:
        """Mean per-pixel standard deviation across samples (falls towards 0 under collapse)."""
        return float(samples.images.float().std(0).mean()) / 255.0

    # -- reporting -------------------------------------------------------------------------
    def report(self, samples: ImageSamples, reference: ImageReference, out_dir: Path) -> list[Path]:
        return [save_grid(samples, Path(out_dir) / "samples.png")]

    def demo(self, out_dir: Path, seed: int) -> list[str]:
        from genforge_image.demo import run_demo
        return run_demo(out_dir, seed)
