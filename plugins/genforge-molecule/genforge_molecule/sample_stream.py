"""Counting samples as they stream to disk: validity, uniqueness and rejects of any number of
molecules in bounded memory, with progress lines that need no terminal.

``genforge sample RUN -n 1000000 --out big.smi`` writes chunk by chunk; what is kept of
the molecules already written is one 8-byte hash per valid one (uniqueness at the end:
8 MB per million), so memory does not grow with the strings.
"""
from __future__ import annotations

import hashlib
import resource
import sys
import time
from collections import Counter
from typing import IO, Iterable, Iterator

import numpy as np

from genforge_molecule.samples import MoleculeSamples

#: seconds between two progress lines
PROGRESS_EVERY = 10.0


def smiles_hashes(smiles: Iterable[str]) -> np.ndarray:
    """A 64-bit hash of each SMILES (equal strings, equal hashes; collisions ~1e-8 at 1e6)."""
    return np.array([int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "little")
                     for s in smiles], dtype=np.uint64)


class SampleTally:
    """Running counts over chunks of :class:`MoleculeSamples`."""

    def __init__(self) -> None:
        self.n = self.valid = self.repaired = 0
        self.reasons: Counter[str] = Counter()
        self._hashes: list[np.ndarray] = []

    def add(self, chunk: MoleculeSamples) -> None:
        self.n += len(chunk)
        ok = [s for s, raw in zip(chunk.smiles, chunk.raw_valid) if raw and s is not None]
        self.valid += len(ok)
        self.repaired += sum(1 for s, raw in zip(chunk.smiles, chunk.raw_valid) if s is not None and not raw)
        self.reasons.update(chunk.rejects())
        self._hashes.append(np.unique(smiles_hashes(ok)))
        if len(self._hashes) > 16:  # merge now and then: the kept hashes stay one sorted array
            self._hashes = [np.unique(np.concatenate(self._hashes))]

    @property
    def unique(self) -> int:
        return len(np.unique(np.concatenate(self._hashes))) if self._hashes else 0

    def lines(self) -> list[str]:
        """Raw validity, uniqueness and rejects by reason (what ``genforge sample`` prints)."""
        n, valid, unique = self.n, self.valid, self.unique
        lines = [f"{n} generated: raw validity {valid / max(1, n):.4f} ({valid} valid as generated, no repair), "
                 f"uniqueness {unique / max(1, valid):.4f} ({unique} distinct)"]
        if self.repaired:
            lines.append(f"  after valence-aware repair: validity {(valid + self.repaired) / max(1, n):.4f}")
        for reason, count in sorted(self.reasons.items(), key=lambda kv: -kv[1]):
            lines.append(f"  rejected {count}: {reason}")
        return lines


def peak_rss_mb() -> tuple[float, float]:
    """Peak resident memory (MB) of this process and of its largest live worker process."""
    from genforge_molecule.worker_pool import worker_pids

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = [0.0]
    for pid in worker_pids():
        try:
            with open(f"/proc/{pid}/status") as status:
                workers += [int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM:")]
        except OSError:  # the worker has gone, or no /proc
            continue
    return own, max(workers)


def tallied(chunks: Iterable[MoleculeSamples], tally: SampleTally, total: int | None = None,
            out: IO[str] | None = None, every: float = PROGRESS_EVERY) -> Iterator[MoleculeSamples]:
    """``chunks`` unchanged, each added to ``tally``; a progress line on ``out`` (default
    stderr) every ``every`` seconds and a last one with the throughput."""
    out = sys.stderr if out is None else out
    started = last = time.perf_counter()
    for chunk in chunks:
        tally.add(chunk)
        yield chunk
        now = time.perf_counter()
        if now - last >= every:
            last = now
            rate = tally.n / (now - started)
            eta = f", eta {(total - tally.n) / max(rate, 1e-9):.0f}s" if total else ""
            print(f"sampled {tally.n:,}" + (f"/{total:,}" if total else "") + f" molecules, {rate:,.0f}/s{eta}",
                  file=out, flush=True)
    wall = time.perf_counter() - started
    own, worker = peak_rss_mb()
    print(f"sampled {tally.n:,} molecules in {wall:.1f}s: {tally.n / max(wall, 1e-9):,.0f} molecules/s, "
          f"{tally.valid / max(wall, 1e-9):,.0f} valid/s; peak RSS {own:,.0f} MB (largest worker {worker:,.0f} MB)",
          file=out, flush=True)
