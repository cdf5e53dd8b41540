"""Samples drawn in independently seeded chunks, in parallel over worker processes.

Chunk ``i`` of a sample (``chunk_size`` rows, the last one shorter) is drawn from its own seed,
derived from the sampling seed and ``i`` only, so a seed gives the same rows whatever the number
of workers. Workers are forked from the sampling process (they share the loaded model, copy on
write), take one chunk at a time and send the decoded rows back; at most
:data:`IN_FLIGHT` chunks per worker are pending, so memory stays bounded however many rows are
asked for. ``GENFORGE_SAMPLE_WORKERS`` sets the worker count (default: one per usable core, at
most :data:`MAX_DEFAULT_WORKERS` and as many as the free memory holds; ``1``: no processes); a
platform without ``fork`` samples in the calling process.
"""
from __future__ import annotations

import multiprocessing
import os
from collections import deque
from typing import Callable, Iterator, TypeVar

import numpy as np
import torch

from genforge.errors import UserInputError
from genforge_tabular.reading import available_memory

T = TypeVar("T")
#: the environment variable that sets the number of sampling processes
WORKERS_ENV = "GENFORGE_SAMPLE_WORKERS"
#: chunks per worker submitted ahead of the one being consumed
IN_FLIGHT = 2
#: the most workers the default picks, and the memory one may take (measured peak RSS of a worker
#: on the 40-column scale table, chunks of 10,000 rows from 40,000 candidates: 1.35 GB)
MAX_DEFAULT_WORKERS, WORKER_MEMORY = 8, 1.5e9
_JOB: Callable[[int], object] | None = None  # the chunk maker the forked workers inherit


def chunk_sizes(n: int, chunk_size: int) -> list[int]:
    """Rows of each chunk: ``chunk_size`` each, the remainder last."""
    return [min(chunk_size, n - start) for start in range(0, n, chunk_size)]


def chunk_seeds(rng: torch.Generator, count: int) -> list[int]:
    """One seed per chunk from a single draw of ``rng`` (``SeedSequence`` of that draw and the
    chunk's index: the seeds of chunks 0..k do not depend on how many chunks follow)."""
    base = int(torch.randint(0, 2**62, (1,), generator=rng))
    return [int(np.random.SeedSequence([base, i]).generate_state(1, np.uint64)[0] >> 1) for i in range(count)]


def reseeded(rng: torch.Generator, seed: int, draw: Callable[..., T], *args) -> T:
    """``draw(*args)`` with ``rng`` seeded to ``seed``, and ``rng``'s state restored after: every
    draw of a chunk (the generator's too, when ``generate`` draws from the same ``rng``, as
    ``TrainedGAN.sample_chunks`` makes it) comes from the chunk's seed, and the caller's stream
    is left as it was, in this process or in a worker alike."""
    state = rng.get_state()
    rng.manual_seed(seed)
    try:
        return draw(*args)
    finally:
        rng.set_state(state)


def sample_workers(chunks: int) -> int:
    """Processes to sample ``chunks`` chunks with (``GENFORGE_SAMPLE_WORKERS``, else the usable cores)."""
    setting = os.environ.get(WORKERS_ENV, "").strip()
    if setting:
        if not setting.isdigit() or int(setting) < 1:
            raise UserInputError(f"{WORKERS_ENV}={setting!r}: expected a positive whole number of processes")
        wanted = int(setting)
    else:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        free = available_memory()
        wanted = min(cores, MAX_DEFAULT_WORKERS, cores if free is None else max(1, int(free // WORKER_MEMORY)))
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(wanted, chunks))


def seeded_chunks(make_chunk: Callable[[int], T], count: int, workers: int) -> Iterator[T]:
    """``make_chunk(0), ..., make_chunk(count - 1)`` in order, computed by ``workers`` forked
    processes (``make_chunk`` must seed everything it draws from its index)."""
    if workers <= 1 or count <= 1:
        for i in range(count):
            yield make_chunk(i)
        return
    global _JOB
    previous, _JOB = _JOB, make_chunk
    try:
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=_one_thread)
    finally:
        _JOB = previous  # the workers hold their own copy
    done = False
    try:
        pending: deque = deque()
        submitted = 0
        while pending or submitted < count:
            while submitted < count and len(pending) < IN_FLIGHT * workers:
                pending.append(pool.apply_async(_run, (submitted,)))
                submitted += 1
            yield pending.popleft().get()
        done = True
    finally:  # all chunks out: the workers leave on their own (terminating them by SIGTERM hung once
        if done:  # in the full suite: a worker that never died, its pool's join waiting for ever)
            pool.close()
        else:  # stopped early (an error, Ctrl-C, the consumer gone): stop the workers
            pool.terminate()
        pool.join()


def _one_thread() -> None:
    torch.set_num_threads(1)  # one process per core: torch threads would only compete


def _run(index: int) -> object:
    assert _JOB is not None, "seeded_chunks sets the job before forking"
    return _JOB(index)
