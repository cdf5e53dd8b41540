"""Images out: ``.npz`` arrays, a folder of PNGs, or one labelled grid PNG."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np

from genforge.errors import UserInputError
from genforge.output_files import atomic_path, make_folder

from genforge_image.samples import ImageSamples


def output_kind(path: Path) -> str:
    """``npz``, ``grid`` (``.png``) or ``folder`` (an existing folder or a name without suffix)."""
    path = Path(path)
    if path.is_dir() or not path.suffix:
        return "folder"
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return "npz"
    if suffix == ".png":
        return "grid"
    raise UserInputError(f"{path}: images are written as .npz (arrays), .png (a labelled grid) or "
                         f"DIR/ (one PNG each); {suffix} is not supported")


def write_images(chunks: Iterable[ImageSamples], path: Path) -> int:
    path = Path(path)
    kind = output_kind(path)
    if kind == "folder":
        make_folder(path)
        count = 0
        for chunk in chunks:
            labels = chunk.numpy_labels
            for i, img in enumerate(chunk.numpy_images):
                tag = "" if labels is None else f"_{_safe(chunk.class_names[labels[i]])}"
                with atomic_path(path / f"{count:06d}{tag}.png") as partial:
                    _pil(img).save(partial, format="PNG")
                count += 1
        return count
    samples = ImageSamples.concat(list(chunks))
    if kind == "npz":
        labels = samples.numpy_labels
        arrays = {"images": samples.numpy_images,
                  "labels": np.full(len(samples), -1, np.int64) if labels is None else labels.astype(np.int64),
                  "class_names": np.array(list(samples.class_names), dtype=str)}
        with atomic_path(path) as partial:
            np.savez_compressed(partial, **arrays)
    else:
        save_grid(samples, path)
    return len(samples)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in name) or "class"


def _pil(img: np.ndarray):
    from PIL import Image

    return Image.fromarray(img[..., 0] if img.shape[-1] == 1 else img)


def save_grid(samples: ImageSamples, path: Path, per_row: int = 10, cell: int = 48) -> Path:
    """One row per class (label written at the left) or a plain square grid when unlabelled."""
    from PIL import Image, ImageDraw

    images, labels, class_names = samples.numpy_images, samples.numpy_labels, samples.class_names
    if labels is not None and class_names:
        rows = [(class_names[c], images[labels == c][:per_row]) for c in np.unique(labels)]
    else:
        side = max(1, int(np.ceil(np.sqrt(len(images)))))
        rows = [("", images[i:i + side]) for i in range(0, len(images), side)]
        per_row = side
    margin = 40 if labels is not None and class_names else 0
    pad = 2
    canvas = Image.new("RGB", (margin + per_row * (cell + pad) + pad, len(rows) * (cell + pad) + pad), "white")
    draw = ImageDraw.Draw(canvas)
    for r, (name, row) in enumerate(rows):
        y = pad + r * (cell + pad)
        if name:
            draw.text((4, y + cell // 2 - 6), name[:6], fill="black")
        for c, img in enumerate(row):
            tile = _pil(img).convert("RGB")
            scale = cell / max(tile.size)  # true aspect: the longer side fills the cell
            tile = tile.resize((max(1, round(tile.width * scale)), max(1, round(tile.height * scale))),
                               Image.Resampling.NEAREST)
            x0 = margin + pad + c * (cell + pad) + (cell - tile.width) // 2
            canvas.paste(tile, (x0, y + (cell - tile.height) // 2))
    path = Path(path)
    make_folder(path.parent)
    with atomic_path(path) as partial:
        canvas.save(partial, format="PNG")
    return path
