"""Checkpoints: written atomically, loaded weights-only, validated before use."""
from __future__ import annotations

import os
import pickle
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import torch

from genforge.errors import CheckpointError

FORMAT = "genforge-checkpoint"
VERSION = 1
_STEP_FILE = re.compile(r"^step-(\d+)\.pt$")


def save_atomic(state: dict[str, Any], path: Path) -> Path:
    """Write to a temporary file in the same folder, fsync, then rename over ``path``.

    A crash at any moment leaves either the old file or the new one, never half.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"format": FORMAT, "version": VERSION, **state}
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            torch.save(payload, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return path


def load_safe(path: Path) -> dict[str, Any]:
    """Load with ``weights_only=True``: a pickle payload is refused, never run."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint not found")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else "unsupported object"
        raise CheckpointError(
            f"{path}: refused: the file carries Python objects that are not plain weights "
            f"({reason}). genforge only loads weights-only checkpoints; it did not run the payload."
        ) from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError) as exc:
        raise CheckpointError(f"{path}: truncated or corrupted checkpoint ({str(exc).splitlines()[0]})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a genforge checkpoint")
    if state.get("version", 0) > VERSION:
        raise CheckpointError(f"{path}: checkpoint format version {state['version']} is newer than this "
                              f"genforge reads ({VERSION}); upgrade genforge")
    return state


def step_path(folder: Path, step: int) -> Path:
    return Path(folder) / f"step-{step:08d}.pt"


def list_checkpoints(folder: Path) -> list[tuple[int, Path]]:
    """Checkpoints in ``folder``, newest step first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _STEP_FILE.match(p.name))]
    return sorted(found, reverse=True)


def load_latest_good(folder: Path, warn=print) -> tuple[dict[str, Any], Path]:
    """The newest checkpoint that loads; bad ones are reported and skipped."""
    errors = []
    for _, path in list_checkpoints(folder):
        try:
            return load_safe(path), path
        except CheckpointError as exc:
            errors.append(str(exc))
            warn(f"warning: {exc}; falling back to the previous checkpoint")
    detail = "; ".join(errors) if errors else "none found"
    raise CheckpointError(f"{folder}: no usable checkpoint ({detail})")


def prune(folder: Path, keep: int) -> None:
    for _, path in list_checkpoints(folder)[max(keep, 1):]:
        path.unlink(missing_ok=True)
