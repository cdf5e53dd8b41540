"""How long `genforge report` takes for a 10k-row table and 10k molecules (the issue asks < 30 s on 2 cores).

Trains a short run of each (the training is not timed), then times the report twice: cold (the
real-vs-real reference metrics computed and cached in the run folder) and warm (cache read).
The table is actg175 resampled to 10,000 rows with a little noise on its numeric columns.
When sdmetrics is installed (`pip install sdmetrics`), its QualityReport on the same two tables is
timed beside it, as the peer. CPU is this process's plus its worker processes' (the molecule
plugin decodes in a pool of forked workers). ``--keep DIR`` keeps the trained runs in DIR and
reuses them on the next call (the cold report deletes the cache first, so it stays cold).
torch runs on one thread by default (the house rule on a shared machine: with two threads on busy
cores, ChemNet's LSTM for FCD burns twice the CPU and wall time); ``--threads 2`` times it with two.
Run: OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/report_speed.py [--threads 1]
[--only tabular|molecule] [--keep DIR]
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from genforge.plugins import get_registry
from genforge.report import build_report
from genforge.training import make_config, train

ROWS = 10_000


def ten_thousand_rows(folder: Path) -> Path:
    from genforge_tabular.bundled import load_bundled
    table = load_bundled("actg175", {}).frame
    rng = np.random.default_rng(0)
    big = table.sample(ROWS, replace=True, random_state=0).reset_index(drop=True)
    for column in big.select_dtypes("float").columns:
        big[column] = big[column] + rng.normal(0, 0.01 * (big[column].std() or 1), ROWS)
    path = folder / "actg175-10k.csv"
    big.to_csv(path, index=False)
    return path


def cpu_seconds() -> float:
    """CPU of this process, of its reaped children and of its live children (Linux /proc)."""
    total = time.process_time() + sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2])
    tick = os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{os.getpid()}/task").glob("*/children"):
        for child in task.read_text().split():
            try:
                fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # ended between the listing and the read
                continue
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def timed_reports(run_dir: Path, label: str) -> None:
    from genforge.report.snapshot import REFERENCE_CACHE

    (run_dir / REFERENCE_CACHE).unlink(missing_ok=True)
    for attempt in ("cold", "warm"):
        started, cpu = time.perf_counter(), cpu_seconds()
        path = build_report(run_dir)
        print(f"{label}: report {attempt} {time.perf_counter() - started:5.1f} s wall, "
              f"{cpu_seconds() - cpu:5.1f} s CPU ({path.stat().st_size / 1e6:.1f} MB)", flush=True)


def sdmetrics_peer(csv: Path, run_dir: Path) -> None:
    try:
        from sdmetrics.reports.single_table import QualityReport
    except ImportError:
        print("peer: sdmetrics not installed (pip install sdmetrics) - not timed")
        return
    from genforge.runs import Run
    real = pd.read_csv(csv)
    synth = Run(run_dir).sample(ROWS, seed=0)
    metadata = {"columns": {c: {"sdtype": "numerical" if pd.api.types.is_numeric_dtype(real[c]) and real[c].nunique() > 10
                                else "categorical"} for c in real.columns}}
    started, cpu = time.perf_counter(), time.process_time()
    QualityReport().generate(real, synth[real.columns], metadata, verbose=False)
    print(f"peer: sdmetrics QualityReport (no plots, no detection/privacy/efficacy) "
          f"{time.perf_counter() - started:5.1f} s wall, {time.process_time() - cpu:5.1f} s CPU", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--only", choices=("tabular", "molecule"), help="time one domain")
    parser.add_argument("--keep", type=Path, help="keep the trained runs here and reuse them")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch threads: {args.threads}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
          flush=True)
    get_registry()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="genforge-report-speed-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        if args.only != "molecule":
            tabular_timings(folder)
        if args.only != "tabular":
            molecule_timings(folder)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def trained(config, run_dir: Path) -> Path:
    """``run_dir``, trained unless a finished run is already there (``--keep``)."""
    if not (run_dir / "run_summary.json").is_file():
        shutil.rmtree(run_dir, ignore_errors=True)
        train(config, run_dir, report=lambda line: None)
    return run_dir


def tabular_timings(folder: Path) -> None:
    csv = ten_thousand_rows(folder)
    run_dir = trained(make_config("tabular", {"dataset": str(csv), "steps": 40, "eval_samples": ROWS,
                                              "dataset_options": {"target": "drugs"}}), folder / "tabular")
    timed_reports(run_dir, f"tabular {ROWS} rows")
    sdmetrics_peer(csv, folder / "tabular")


def molecule_timings(folder: Path) -> None:
    run_dir = trained(make_config("molecule", {"dataset": "qm9-sample", "steps": 20, "eval_samples": ROWS}),
                      folder / "molecule")
    timed_reports(run_dir, f"molecule {ROWS} samples")


if __name__ == "__main__":
    main()
