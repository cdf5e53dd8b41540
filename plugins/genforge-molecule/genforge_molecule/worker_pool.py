"""One lazily started pool of worker processes for RDKit work.

Workers are forked (they run RDKit and NumPy only, never torch), so user scripts
need no ``if __name__ == "__main__"`` guard.
"""
from __future__ import annotations

import atexit
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Sequence

_POOL: ProcessPoolExecutor | None = None
_POOL_SIZE = 0


def cpu_workers() -> int:
    """CPU cores this process may use (``GENFORGE_WORKERS`` overrides)."""
    if os.environ.get("GENFORGE_WORKERS"):
        return max(1, int(os.environ["GENFORGE_WORKERS"]))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def pool(workers: int) -> ProcessPoolExecutor:
    global _POOL, _POOL_SIZE
    if _POOL is None or _POOL_SIZE != workers:
        if _POOL is not None:
            _POOL.shutdown(cancel_futures=True)
        _POOL = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
        _POOL_SIZE = workers
    return _POOL


def worker_pids() -> list[int]:
    """Process ids of the pool's live workers (none before the pool starts)."""
    processes = getattr(_POOL, "_processes", None) or {}
    return list(processes)


@atexit.register
def _shutdown() -> None:
    if _POOL is not None:
        _POOL.shutdown(cancel_futures=True)


def map_slices(fn: Callable[..., list], n: int, arrays: Sequence[Any], extra: tuple = (),
               workers: int | None = None, min_parallel: int = 4096) -> list:
    """``fn(*[a[s] for a in arrays], *extra)`` over slices of ``n`` items, concatenated in order.

    Runs in-process below ``min_parallel`` items or with one worker.
    """
    return submit_slices(fn, n, arrays, extra, workers, min_parallel)()


def submit_slices(fn: Callable[..., list], n: int, arrays: Sequence[Any], extra: tuple = (),
                  workers: int | None = None, min_parallel: int = 4096) -> Callable[[], list]:
    """:func:`map_slices` without waiting: returns at once; call the result for the items.
    The caller can prepare the next batch while the workers run."""
    workers = cpu_workers() if workers is None else workers
    if workers <= 1 or n < min_parallel:
        items = fn(*arrays, *extra)
        return lambda: items
    cuts = [round(n * k / (workers * 2)) for k in range(workers * 2 + 1)]
    futures = [pool(workers).submit(fn, *(a[lo:hi] for a in arrays), *extra)
               for lo, hi in zip(cuts, cuts[1:]) if hi > lo]
    return lambda: [item for f in futures for item in f.result()]
