"""Images in: a folder of PNG/JPEG files, NumPy ``.npy``/``.npz`` arrays, or scikit-learn's digits.

Every loader returns an :class:`ImageSet`: ``uint8`` images ``N x H x W x C``
(C = 1 grayscale or 3 RGB), optional integer labels and their class names.

Sizes: the GAN works on square images whose side is a power of two from 8 to
128. :func:`fit_size` pads smaller or non-power-of-two images (centred, with
the colour of the image's border, i.e. its mean edge value) up to the next
power of two (at least 8), and resizes larger ones down to 128 with Pillow's
Lanczos filter; the ``size`` dataset option resizes everything to that side.

Bad input: a folder with no images, mixed sizes, a one-/three-channel mix, a
corrupt file or an ``.npz`` without ``images`` raises
:class:`genforge.UserInputError` naming the file. The dataset option
``skip_bad = true`` instead skips corrupt or mismatched files and counts each
one in the :class:`genforge.DataReport` (with examples). Files that are not
images at all (no image suffix) are always skipped and reported.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from genforge import track
from genforge.domain import DataReport
from genforge.errors import UserInputError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
MIN_SIZE, MAX_SIZE = 8, 128
GRAY_MODES = {"1", "L", "LA", "I", "I;16", "F"}


@dataclass
class ImageSet:
    """Raw images (``uint8`` N x H x W x C), optional labels, class names, what was skipped."""

    images: np.ndarray
    labels: np.ndarray | None = None
    class_names: list[str] = field(default_factory=list)
    report: DataReport = field(default_factory=DataReport)
    source: str = ""

    @property
    def channels(self) -> int:
        return int(self.images.shape[-1])


# -- sizes ------------------------------------------------------------------------------
def target_side(height: int, width: int) -> int:
    """The power-of-two side (8..128) an image of this size is padded or resized to."""
    side = max(height, width, MIN_SIZE)
    return min(MAX_SIZE, 1 << (side - 1).bit_length())


def fit_size(images: np.ndarray, size: int | None = None) -> np.ndarray:
    """Pad (small / non-power-of-two) or resize (large, or ``size`` given) to a legal square."""
    n, h, w, c = images.shape
    if size is not None:
        if size not in {8, 16, 32, 64, 128}:
            raise UserInputError(f"dataset option size={size}: must be a power of two from 8 to 128")
        return images if (h, w) == (size, size) else _resize(images, size)
    side = target_side(h, w)
    if max(h, w) > side:
        return _resize(images, side)
    if (h, w) == (side, side):
        return images
    top, left = (side - h) // 2, (side - w) // 2
    edges = np.concatenate([images[:, 0], images[:, -1], images[:, :, 0], images[:, :, -1]], axis=1)
    fill = edges.mean(axis=1).round().astype(np.uint8)  # n x c: each image's border colour
    out = np.broadcast_to(fill[:, None, None, :], (n, side, side, c)).copy()
    out[:, top:top + h, left:left + w] = images
    return out


def _resize(images: np.ndarray, side: int) -> np.ndarray:
    from PIL import Image

    out = []
    for img in images:
        pil = Image.fromarray(img[..., 0] if img.shape[-1] == 1 else img)
        out.append(np.asarray(pil.resize((side, side), Image.Resampling.LANCZOS)).reshape(side, side, -1))
    return np.stack(out).astype(np.uint8)


# -- arrays -------------------------------------------------------------------------------
def as_uint8_images(array: np.ndarray, where: str) -> np.ndarray:
    """N x H x W, N x H x W x C or N x C x H x W (C in 1, 3) as uint8 N x H x W x C."""
    array = np.asarray(array)
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise UserInputError(f"{where}: images must be a numeric array, got dtype {array.dtype}")
    if array.ndim == 3:
        array = array[..., None]
    elif array.ndim == 4 and array.shape[-1] not in (1, 3) and array.shape[1] in (1, 3):
        array = array.transpose(0, 2, 3, 1)
    if array.ndim != 4 or array.shape[-1] not in (1, 3):
        raise UserInputError(f"{where}: images must be N x H x W, N x H x W x C or N x C x H x W with "
                             f"C = 1 (grayscale) or 3 (RGB); got shape {tuple(array.shape)}")
    if len(array) == 0:
        raise UserInputError(f"{where}: the images array is empty")
    if array.dtype == np.uint8:
        return array
    values = array.astype(np.float64)
    if not np.isfinite(values).all():
        raise UserInputError(f"{where}: images contain NaN or infinite values")
    lo, hi = values.min(), values.max()
    if np.issubdtype(array.dtype, np.floating) and lo >= 0 and hi <= 1:
        values = values * 255
    elif lo < 0 or hi > 255:
        raise UserInputError(f"{where}: pixel values span [{lo:g}, {hi:g}]; expected uint8 0..255 "
                             "or floats in [0, 1]")
    return values.round().astype(np.uint8)


def encode_labels(raw: Any, n: int, where: str) -> tuple[np.ndarray, list[str]]:
    """Labels (ints or strings) -> class indices 0..K-1 and the class names in index order."""
    raw = np.asarray(raw).reshape(-1)
    if len(raw) != n:
        raise UserInputError(f"{where}: {len(raw)} labels for {n} images")
    if np.issubdtype(raw.dtype, np.floating) and not np.all(raw == np.round(raw)):
        raise UserInputError(f"{where}: labels must be integers or strings, got fractional values")
    if np.issubdtype(raw.dtype, np.number):
        raw = raw.astype(np.int64)
    names, index = np.unique(raw, return_inverse=True)
    return index.astype(np.int64), [str(v) for v in names.tolist()]


def load_arrays(path: Path, options: dict[str, Any]) -> ImageSet:
    """``.npy`` (images only) or ``.npz`` (``images`` and optional ``labels``)."""
    path = Path(path)
    try:
        loaded = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise UserInputError(f"{path}: not a readable NumPy file ({str(exc).splitlines()[0]})") from None
    labels = None
    if isinstance(loaded, np.lib.npyio.NpzFile):
        with loaded:
            if "images" not in loaded.files:
                raise UserInputError(f"{path}: no array named 'images' (found: {', '.join(loaded.files) or 'none'}); "
                                     "save with np.savez(path, images=..., labels=...)")
            images = loaded["images"]
            labels = loaded["labels"] if "labels" in loaded.files else None
    else:
        images = loaded
    images = as_uint8_images(images, f"{path}")
    report = DataReport(total=len(images), used=len(images))
    index, names = (None, []) if labels is None else encode_labels(labels, len(images), f"{path}, array 'labels'")
    return ImageSet(fit_size(images, options.get("size")), index, names, report, str(path))


def load_digits(source: Path | None, options: dict[str, Any]) -> ImageSet:
    """scikit-learn's bundled digits: 1,797 labelled 8 x 8 grayscale images (0..16 -> 0..255)."""
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    images = np.round(bunch.images * (255.0 / 16.0)).astype(np.uint8)[..., None]
    report = DataReport(total=len(images), used=len(images))
    return ImageSet(fit_size(images, options.get("size")), bunch.target.astype(np.int64),
                    [str(d) for d in range(10)], report, "sklearn digits")


# -- folders ------------------------------------------------------------------------------
def load_folder(path: Path, options: dict[str, Any]) -> ImageSet:
    """Images in ``path``; one subfolder per class gives labels (the subfolder names)."""
    path = Path(path)
    skip_bad = bool(options.get("skip_bad", False))
    report = DataReport()
    files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
    candidates = []
    for f in files:
        if f.suffix.lower() in IMAGE_SUFFIXES:
            candidates.append(f)
        else:
            report.total += 1
            report.skip("not an image file (suffix not one of " + " ".join(IMAGE_SUFFIXES) + ")", str(f))
    if not candidates:
        raise UserInputError(f"{path}: no images found (looked for {', '.join(IMAGE_SUFFIXES)} files, "
                             "in the folder or one subfolder per class)")
    nested = [f for f in candidates if f.parent != path]
    labelled = bool(nested)
    if labelled:
        flat = [f for f in candidates if f.parent == path]
        deep = [f for f in nested if f.parent.parent != path]
        if flat or deep:
            bad = (flat or deep)[0]
            raise UserInputError(f"{bad}: with class subfolders every image must sit directly in one "
                                 f"subfolder of {path} (one subfolder per class)")
    decoded: list[tuple[Path, np.ndarray]] = []
    for f in track(candidates, desc=f"reading images in {path}", unit="image"):
        report.total += 1
        try:
            decoded.append((f, _read_image(f)))
        except UserInputError as exc:
            if not skip_bad:
                raise UserInputError(f"{exc} (pass dataset option skip_bad=true to skip and count such files)") from None
            report.skip("unreadable or corrupt image file", str(f))
    if options.get("size") is not None:  # a common size first, so mixed sizes are allowed
        decoded = [(f, fit_size(img[None], options["size"])[0]) for f, img in decoded]
    decoded = _keep_consistent(decoded, report, skip_bad)
    if not decoded:
        raise UserInputError(f"{path}: none of the {len(candidates)} image files could be used")
    report.used = len(decoded)
    images = fit_size(np.stack([img for _, img in decoded]), options.get("size"))
    labels, names = (None, [])
    if labelled:
        labels, names = encode_labels([f.parent.name for f, _ in decoded], len(decoded), str(path))
    return ImageSet(images, labels, names, report, str(path))


def _read_image(path: Path) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img.load()
            mode = img.mode
            img = img.convert("L" if mode in GRAY_MODES else "RGB")  # RGBA/P/CMYK: alpha dropped
            array = np.asarray(img)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise UserInputError(f"{path}: corrupt or unreadable image ({str(exc).splitlines()[0]})") from None
    return array[..., None] if array.ndim == 2 else array


def _keep_consistent(decoded: list[tuple[Path, np.ndarray]], report: DataReport,
                     skip_bad: bool) -> list[tuple[Path, np.ndarray]]:
    """Refuse (or skip, with ``skip_bad``) images whose size or channels differ from the majority."""
    if not decoded:
        return decoded
    shape_of = Counter(img.shape for _, img in decoded)
    (h, w, c), _ = shape_of.most_common(1)[0]
    kept = []
    for f, img in decoded:
        if img.shape == (h, w, c):
            kept.append((f, img))
            continue
        if img.shape[2] != c:
            what = (f"has {img.shape[2]} channel(s) but most images have {c}: a grayscale/RGB mix; "
                    "convert them all to one mode")
            reason = "channel count differs from the other images"
        else:
            what = (f"is {img.shape[1]}x{img.shape[0]} but most images are {w}x{h}: mixed sizes; "
                    "resize them to one size or pass dataset option size=N")
            reason = "image size differs from the other images"
        if not skip_bad:
            raise UserInputError(f"{f}: {what}")
        report.skip(reason, str(f))
    return kept
