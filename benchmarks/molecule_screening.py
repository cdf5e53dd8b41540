"""Virtual screening of the whole MOSES training set with GuacaMol's scoring functions, cached.

    .venv/bin/python benchmarks/molecule_screening.py [--tasks a,b] [--limit N] [--workers 2]

Scores every molecule of MOSES's training file (1,584,663 molecules, ``molsets`` wheel)
with each task's own objective (``GoalDirectedBenchmark.objective.score_list``), in
``--workers`` processes, one segment of ``SEGMENT`` molecules at a time; each finished
segment is kept in ``benchmarks/.cache/`` (not committed; written to a temporary name and
renamed), so an interrupted screening resumes. ``molecule_goal_directed.py`` reads it.

Speed: guacamol parses the SMILES again in every component (zaleplon's isomer score has
six); here its ``smiles_to_rdkit_mol`` is memoised per chunk, so each molecule is parsed
once for all tasks. The scoring code is guacamol's; ``--check`` compares the scores with
unpatched guacamol on the first 500 molecules.
"""
from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
import types
from pathlib import Path
from typing import Sequence

import numpy as np

CACHE = Path(__file__).resolve().parent / ".cache"
SEGMENT, CHUNK = 100_000, 2_000
#: the five cheapest to score here (0.4-1.7 ms a molecule); also hard_osimertinib (2 ms),
#: sitagliptin_replacement (2.7 ms), scaffold_hop and decoration_hop (6.7 ms) through --tasks
TASKS = ("perindopril_rings", "amlodipine_rings", "hard_fexofenadine", "ranolazine_mpo",
         "zaleplon_with_other_formula")


def import_guacamol():
    """guacamol 0.5.5 with ``--no-deps``: a stub ``fcd`` module (distribution benchmarks only)
    and ``scipy.histogram = numpy.histogram``."""
    sys.modules.setdefault("fcd", types.ModuleType("fcd"))
    import scipy
    scipy.histogram = np.histogram
    import guacamol.standard_benchmarks as standard
    from guacamol.goal_directed_generator import GoalDirectedGenerator
    return standard, GoalDirectedGenerator


class ParseOnce:
    """guacamol's ``smiles_to_rdkit_mol``, remembering the molecules of the current chunk."""

    def __init__(self):
        import guacamol.scoring_function as scoring
        self.module, self.parse, self.memo = scoring, scoring.smiles_to_rdkit_mol, {}
        scoring.smiles_to_rdkit_mol = self

    def __call__(self, smiles: str):
        if smiles not in self.memo:
            self.memo[smiles] = self.parse(smiles)
        return self.memo[smiles]


_WORKER: dict = {}


def _score_chunk(job: tuple[tuple[str, ...], list[str]]) -> np.ndarray:
    """``[tasks, molecules]`` scores of one chunk (in a worker process)."""
    tasks, smiles = job
    if not _WORKER:
        standard, _ = import_guacamol()
        _WORKER["parse"] = ParseOnce()
        _WORKER["objectives"] = {t: getattr(standard, t)().objective for t in TASKS}
        _WORKER["standard"] = standard
    for t in tasks:
        if t not in _WORKER["objectives"]:
            _WORKER["objectives"][t] = getattr(_WORKER["standard"], t)().objective
    _WORKER["parse"].memo = {}
    return np.asarray([_WORKER["objectives"][t].score_list(smiles) for t in tasks], dtype=np.float32)


def segment_path(tasks: Sequence[str], k: int) -> Path:
    return CACHE / f"screen-{'+'.join(tasks)}-seg{k:03d}-{SEGMENT}.npy"


def screen(tasks: Sequence[str], smiles: list[str], workers: int, report=print) -> dict[str, np.ndarray]:
    """Scores of ``smiles`` under each task (segments cached on disk)."""
    tasks = tuple(tasks)
    parts, started, fresh = [], time.perf_counter(), 0
    CACHE.mkdir(exist_ok=True)
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for k, lo in enumerate(range(0, len(smiles), SEGMENT)):
            segment = smiles[lo:lo + SEGMENT]
            path = segment_path(tasks, k)
            if path.is_file() and np.load(path).shape[1] == len(segment):
                parts.append(np.load(path))
                continue
            jobs = [(tasks, segment[a:a + CHUNK]) for a in range(0, len(segment), CHUNK)]
            scores = np.concatenate(list(pool.imap(_score_chunk, jobs)), axis=1)
            partial = path.with_name(path.stem + ".partial.npy")
            np.save(partial, scores)
            partial.replace(path)
            parts.append(scores)
            fresh += len(segment)
            elapsed = time.perf_counter() - started
            report(f"  screened {lo + len(segment):,} of {len(smiles):,} ({fresh / elapsed:,.0f} molecules/s "
                   f"for {len(tasks)} tasks, {workers} workers)")
    every = np.concatenate(parts, axis=1)
    return {t: every[j] for j, t in enumerate(tasks)}


def moses_train(limit: int | None) -> list[str]:
    from genforge_molecule.datasets import read_moses
    return [s for _, s in read_moses("train", limit)]


def check(tasks: Sequence[str], smiles: list[str]) -> None:
    """Stop unless the memoised scoring gives guacamol's own scores."""
    standard, _ = import_guacamol()
    plain = np.asarray([getattr(standard, t)().objective.score_list(smiles) for t in tasks], dtype=np.float32)
    memo = _score_chunk((tuple(tasks), smiles))
    if not np.array_equal(plain, memo):
        raise SystemExit(f"memoised parsing changed the scores (max difference {np.abs(plain - memo).max()})")
    print(f"check: memoised scoring equals guacamol's on {len(smiles)} molecules x {len(tasks)} tasks")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", default=",".join(TASKS))
    ap.add_argument("--limit", type=int, default=None, help="first N training molecules (default: all)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    tasks = args.tasks.split(",")
    smiles = moses_train(args.limit)
    if args.check:
        check(tasks, smiles[:500])
    print(f"screening {len(smiles):,} MOSES training molecules", flush=True)
    started, cpu = time.perf_counter(), time.process_time()
    scores = screen(tasks, smiles, args.workers, lambda line: print(line, flush=True))
    print(f"screening took {time.perf_counter() - started:.0f} s wall", flush=True)
    for task, values in scores.items():
        top = np.sort(values)[::-1]
        print(f"{task}: top-1 {top[0]:.3f}, top-10 mean {top[:10].mean():.3f}, "
              f"top-100 mean {top[:100].mean():.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
