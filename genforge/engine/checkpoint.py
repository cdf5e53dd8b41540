"""Checkpoints: written atomically, loaded weights-only, validated before use."""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from genforge.errors import CheckpointError

FORMAT = "genforge-checkpoint"
VERSION = 1
_STEP_FILE = re.compile(r"^step-(\d+)\.pt$")


def save_atomic(state: dict[str, Any], path: Path, tag: str = FORMAT) -> Path:
    """Write to a temporary file in the same folder, fsync, then rename over ``path``.

    A crash at any moment leaves either the old file or the new one, never half.
    ``tag`` is the file's ``format`` (a checkpoint's unless ``state`` names its own).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"format": tag, "version": VERSION, **state}
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


def load_safe(path: Path, tag: str | None = FORMAT) -> dict[str, Any]:
    """Load with ``weights_only=True``: a pickle payload is refused, never run.
    ``tag``: the ``format`` the file must declare (``None``: any genforge file)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint not found")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise CheckpointError(
            f"{path}: refused: the file carries Python objects that are not plain weights "
            f"({_unpickler_reason(exc)}). genforge loads weights-only files and did not run the "
            "payload; use a file written by genforge, or re-create it from a trusted source."
        ) from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError) as exc:
        raise CheckpointError(f"{path}: truncated or corrupted checkpoint ({str(exc).splitlines()[0]})") from None
    found = state.get("format") if isinstance(state, dict) else None
    if not isinstance(found, str) or not found.startswith("genforge-") or (tag is not None and found != tag):
        raise CheckpointError(f"{path}: not a genforge {'file' if tag is None else 'checkpoint'}"
                              + (f" (format {found!r}, expected {tag!r})" if isinstance(found, str) and tag else ""))
    if state.get("version", 0) > VERSION:
        raise CheckpointError(f"{path}: checkpoint format version {state['version']} is newer than this "
                              f"genforge reads ({VERSION}); upgrade genforge")
    return state


def _unpickler_reason(exc: BaseException) -> str:
    """The unpickler's own complaint, without torch's advice to load with weights_only=False."""
    text = str(exc)
    if "WeightsUnpickler error:" in text:
        text = text.split("WeightsUnpickler error:", 1)[1]
    lines = [line.strip() for line in text.splitlines() if line.strip()
             and "weights_only" not in line and not line.startswith("Check the documentation")]
    return lines[0] if lines else "unsupported object"


def fingerprint(state: Any) -> str:
    """A short, stable hash of a plain-data state (dicts, lists, numbers, strings, tensors, arrays)."""
    digest = hashlib.sha256()
    digest.update(json.dumps(_canonical(state), sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


def _canonical(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().contiguous()
        flat = value.reshape(-1)
        raw = flat.to(torch.uint8) if flat.dtype == torch.bool else flat.view(torch.uint8)
        return ["tensor", str(value.dtype), list(value.shape), hashlib.sha256(raw.numpy().tobytes()).hexdigest()]
    if isinstance(value, np.ndarray):
        return ["array", str(value.dtype), list(value.shape), hashlib.sha256(value.tobytes()).hexdigest()]
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(map(str, value))
    if isinstance(value, float) and value != value:
        return "nan"
    return value


def step_path(folder: Path, step: int) -> Path:
    return Path(folder) / f"step-{step:08d}.pt"


def list_checkpoints(folder: Path) -> list[tuple[int, Path]]:
    """Checkpoints in ``folder``, newest step first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _STEP_FILE.match(p.name))]
    return sorted(found, reverse=True)


def load_latest_good(folder: Path, warn=print, check=None) -> tuple[dict[str, Any], Path]:
    """The newest checkpoint that loads (and passes ``check(state, path)``, which raises
    :class:`CheckpointError` to refuse one); bad ones are reported and skipped."""
    errors = []
    for _, path in list_checkpoints(folder):
        try:
            state = load_safe(path)
            if check is not None:
                check(state, path)
            return state, path
        except CheckpointError as exc:
            errors.append(str(exc))
            warn(f"warning: {exc}; falling back to the previous checkpoint")
    detail = "; ".join(errors) if errors else "none found"
    raise CheckpointError(f"{folder}: no usable checkpoint ({detail})")


def prune(folder: Path, keep: int) -> None:
    for _, path in list_checkpoints(folder)[max(keep, 1):]:
        path.unlink(missing_ok=True)
