"""Cached peer figures for ``tabular_vs_ctgan.py``: the `ctgan` package, SMOTENC, class weighting
and the real hold-out do not change when our model does, so they are computed once per
(table, seed, epochs, split) and read back from ``benchmarks/.cache/`` (git-ignored).

The key hashes the table name, seed, epochs, the protocol version and the exact training and
hold-out rows, so a changed split, a changed table or a changed protocol misses the cache.
"""
from __future__ import annotations

import hashlib
import json
import resource
import time
from pathlib import Path
from typing import Callable

import pandas as pd

from genforge.output_files import make_folder, write_text

CACHE_DIR = Path(__file__).parent / ".cache"
#: bump when what the peers compute changes (draws, detectors, metrics; 2: ctgan's DCR)
PROTOCOL = 2


def rows_digest(frame: pd.DataFrame) -> str:
    """A hash of the rows, column names and order included."""
    hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()
    return hashlib.sha256(hashed + json.dumps(list(map(str, frame.columns))).encode()).hexdigest()


def peer_key(table: str, seed: int, epochs: float, train: pd.DataFrame, test: pd.DataFrame) -> str:
    payload = json.dumps({"table": table, "seed": seed, "epochs": float(epochs), "protocol": PROTOCOL,
                          "train": rows_digest(train), "test": rows_digest(test)}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def cache_path(table: str, seed: int, epochs: float, key: str, folder: Path = CACHE_DIR) -> Path:
    return folder / f"peers-{table}-seed{seed}-epochs{epochs:g}-{key}.json"


def cpu_seconds() -> float:
    """User + system CPU seconds of this process (one torch thread: the fit's CPU time)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(fit: Callable[[], object]) -> tuple[object, float, float]:
    """``fit()``'s result, its wall seconds and its CPU seconds."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = fit()
    return result, time.perf_counter() - wall, cpu_seconds() - cpu


def cached_peers(table: str, seed: int, epochs: float, train: pd.DataFrame, test: pd.DataFrame,
                 compute: Callable[[], dict[str, float]], folder: Path = CACHE_DIR) -> tuple[dict[str, float], bool]:
    """The peers' figures from the cache, or ``compute()``'s (then written atomically);
    the second value says whether the cache was hit."""
    path = cache_path(table, seed, epochs, peer_key(table, seed, epochs, train, test), folder)
    if path.exists():
        return json.loads(path.read_text()), True
    figures = compute()
    make_folder(folder)
    write_text(path, json.dumps(figures, indent=1, sort_keys=True))
    return figures, False
