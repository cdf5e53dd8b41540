"""Tabular at scale: a 40-column table with the structure of a real one (``tabular_scale_table.py``:
a 50,000-level merchant column, dependencies, formulas, business rules). Each step runs in a
process of its own, so each peak RSS is that process's (``ru_maxrss``), with one torch thread:

* ``cli-train`` ``genforge train tabular --dataset table.parquet`` (streamed in chunks): wall
              time, rows/s of the fit, peak RSS of the command (run it first: peak RSS of children
              is a maximum over all of them)
* ``train``   TabularGAN on N rows (``--epochs`` or ``--train-steps``): data preparation and fit
              seconds (wall and CPU), rows/s of the fit, peak RSS, the encoded width
* ``ctgan``   the ``ctgan`` package on the same rows, same epochs, under a memory cap
              (``--ctgan-memory-gb``: a failure is an error, not a machine that swaps) and a time
              limit: rows/s, peak RSS, or the point where it fails
* ``sample``  M rows streamed to Parquet by the tabular domain's writer (the code path of
              ``genforge sample RUN -n M --out big.parquet``): rows/s (wall and CPU), peak RSS
* ``rules``   the same training with the table's rules; violations counted by hand (pandas, not
              the rules' code) in M sampled rows, unconditioned and conditioned; quality
              (SDMetrics-style) with and without the rules

Run: ``.venv/bin/python benchmarks/tabular_scale.py --rows 1000000 --steps train,sample`` (``--model RUN``:
sample from a trained run or model file; ``--workers``: sampling processes, printed beside one).
On a shared machine CPU seconds are the steadier figure; wall seconds are printed beside them.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from tabular_scale_table import RULES, write_table  # noqa: E402

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def child(args: list[str], timeout: float, memory_gb: float | None = None) -> dict:
    """Run this script as ``--child ...`` and read its JSON result (the last output line)."""
    cmd = [sys.executable, __file__, *args]
    if memory_gb:
        cmd = ["prlimit", f"--as={int(memory_gb * 2**30)}", *cmd]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=ENV)
    except subprocess.TimeoutExpired:  # killed and waited for: its peak RSS is counted in RUSAGE_CHILDREN
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
        return {"status": f"stopped after {timeout:.0f} s (peak RSS of the children so far {rss:.2f} GB)"}
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode or not lines:
        return {"status": f"exit {proc.returncode}", "tail": " | ".join(proc.stderr.strip().splitlines()[-3:])}
    return {"status": "ok", **json.loads(lines[-1])}


# -- the children --------------------------------------------------------------------------------
def child_train(table: str, rows: int, epochs: float, steps: int | None, rules: bool, out: str) -> dict:
    import torch
    torch.set_num_threads(1)
    df = pd.read_parquet(table).iloc[:rows]
    from genforge_tabular import TabularGAN
    gan = TabularGAN(constraints=RULES if rules else None, epochs=epochs, steps=steps, target="fraud",
                     batch_size=500, threads=1)
    start, start_cpu = time.perf_counter(), cpu()
    gan.fit(df)
    wall, used = time.perf_counter() - start, cpu() - start_cpu
    summary = gan.training_summary_
    gan.save(out)
    fit_wall = float(summary["wall_time"])
    trained = int(summary["steps"]) * gan.config_.batch_size
    return {"wall": wall, "cpu": used, "fit_wall": fit_wall, "rows_trained": trained,
            "width": int(sum(b - a for a, b, _ in gan.schema_.transformer.spans())), "rss_gb": peak_gb(),
            "report": [line for line in gan.report_.lines() if "constraint" in line or "left out" in line]}


def cli_train(table: Path, epochs: float, steps: int | None, out: Path, timeout: float) -> dict:
    """``genforge train tabular --dataset TABLE`` as a user runs it (a large file streams:
    ``streaming.py``): wall time, the fit's rows/s from the run summary, peak RSS of the process."""
    import shutil
    shutil.rmtree(out, ignore_errors=True)
    length = ["--steps", str(steps)] if steps else ["--epochs", str(epochs)]
    cmd = [str(Path(sys.executable).with_name("genforge")), "train", "tabular", "--dataset", str(table),
           "--target", "fraud", *length, "--threads", "1", "--out", str(out)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              env={**ENV, "GENFORGE_PROGRESS": "plain"})
    except subprocess.TimeoutExpired:  # killed and waited for: its peak RSS is counted
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        return {"status": f"stopped after {timeout:.0f} s (peak RSS {rss / 2**20:.2f} GB)"}
    wall = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode:
        return {"status": f"exit {proc.returncode}", "tail": " | ".join(proc.stderr.strip().splitlines()[-3:])}
    import re
    trained = re.search(r"trained (\d+) steps in ([\d.]+)s", proc.stdout)  # the fit and the steps after it
    config = json.loads((out / "config.json").read_text())
    rates = re.findall(r"train tabular: step \d+/\d+ .*?([\d.]+) step/s", proc.stderr)  # the loop alone
    return {"status": "ok", "wall": wall, "rss_gb": max(rss, before) / 2**20, "steps": int(trained.group(1)),
            "loop_steps_per_s": float(rates[-1]) if rates else None,
            "fit_wall": float(trained.group(2)), "batch": config["batch_size"],
            "lines": [line for line in proc.stderr.splitlines() if line.startswith("reading ") and "done" in line][-2:],
            "rss_is_this_run": rss > before}


def child_sample(model: str, n: int, out: str, workers: int) -> dict:
    """``n`` rows to ``out`` with ``workers`` sampling processes: CPU and peak RSS of this process
    and of its forked workers (each worker's peak; they share the model's pages)."""
    import torch
    torch.set_num_threads(1)
    os.environ["GENFORGE_SAMPLE_WORKERS"] = str(workers)
    from genforge import TrainedGAN
    trained = TrainedGAN.load(model, domain="tabular")
    start, start_cpu = time.perf_counter(), cpu()
    count = trained.sample_to(out, n, seed=0, chunk_size=SAMPLE_CHUNK)
    wall = time.perf_counter() - start
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    width = trained.schema.empirical_conditions(1, torch.Generator()).shape[1]
    layers = [m for m in trained.generator.modules() if isinstance(m, torch.nn.Linear)]
    macs = sum(m.in_features * m.out_features for m in layers)
    sparse_macs = sum((m.in_features - width) * m.out_features for m in layers)  # the condition added sparsely
    return {"rows": count, "wall": wall, "cpu": cpu() - start_cpu + kids.ru_utime + kids.ru_stime,
            "rss_gb": peak_gb(), "worker_rss_gb": kids.ru_maxrss / 2**20, "bytes": Path(out).stat().st_size,
            "candidates": 1 if trained.schema.resampler is None else trained.schema.resampler.candidates, "mflop": 2 * macs / 1e6,
            "sampling_mflop": 2 * sparse_macs / 1e6, "condition": width}


#: rows per seeded sampling chunk (``chunked_sampling.py``; the default of ``genforge sample``)
SAMPLE_CHUNK = 10_000


CTGAN_DISCRETE = lambda df: [c for c in df.columns if df[c].dtype == object  # noqa: E731
                              or pd.api.types.is_string_dtype(df[c])]


def child_ctgan(table: str, rows: int, epochs: int) -> dict:
    import torch
    torch.set_num_threads(1)
    from ctgan import CTGAN
    df = pd.read_parquet(table).iloc[:rows]
    for c in ("opened", "closed"):  # ctgan takes no datetimes
        df[c] = df[c].astype("int64") // 10**9
    start, start_cpu = time.perf_counter(), cpu()
    CTGAN(epochs=epochs).fit(df, CTGAN_DISCRETE(df))
    return {"wall": time.perf_counter() - start, "cpu": cpu() - start_cpu, "rss_gb": peak_gb()}


def child_rules(model: str, table: str, n: int) -> dict:
    import torch
    torch.set_num_threads(1)
    from genforge_tabular import TabularGAN
    gan = TabularGAN.load(model)
    real = pd.read_parquet(table, columns=["country", "city"])
    combos = set(zip(real.country, real.city))
    out = []
    for conditions in ({}, {"fraud": "yes"}, {"country": "C00", "channel_web": 1}):
        k = n if not conditions else n // 10
        start = time.perf_counter()
        s = gan.sample(k, conditions, seed=2)
        bad = violations(s, combos)
        met = all((s[c].astype(str) == str(v)).all() for c, v in conditions.items())
        out.append({"conditions": conditions, "rows": len(s), "rows_per_s": len(s) / (time.perf_counter() - start),
                    "violations": bad, "conditions_met": met, "sampling": gan.schema_.rules.last_sampling})
    return {"runs": out, "rss_gb": peak_gb()}


def child_quality(model: str, table: str, n: int) -> dict:
    import torch
    torch.set_num_threads(1)
    from genforge_tabular import TabularGAN
    from genforge_tabular.columns import infer_columns
    from genforge_tabular.metrics import TabularReference, quality
    real = pd.read_parquet(table).sample(n, random_state=0).reset_index(drop=True)
    kinds = {i.name: i.kind for i in infer_columns(real, "real")}
    synth = TabularGAN.load(model).sample(n, seed=1)
    return {"quality": quality(synth, TabularReference(real, kinds))}


def violations(s: pd.DataFrame, real_combos: set) -> dict[str, int]:
    """Each of the table's rules checked with plain pandas."""
    hot = s[["channel_web", "channel_pos", "channel_app"]]
    return {"inequality": int((pd.to_datetime(s.opened) > pd.to_datetime(s.closed)).sum()),
            "range": int(((s.age < 18) | (s.age > 95)).sum()),
            "positive": int((s.balance < 0).sum()), "negative": int((s.debt > 0).sum()),
            "fixed_combinations": int((~pd.Series(list(zip(s.country, s.city))).isin(real_combos)).sum()),
            "one_hot": int(((hot.sum(axis=1) != 1) | ~hot.isin([0, 1]).all(axis=1)).sum()),
            "formula": int((s.total != s.amount + s.fee + s.tax).sum())}


# -- the report --------------------------------------------------------------------------------
def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--epochs", type=float, default=1)
    p.add_argument("--train-steps", type=int, default=None, help="train this many steps instead of epochs")
    p.add_argument("--ctgan-rows", type=int, default=None, help="rows given to ctgan (default: --rows)")
    p.add_argument("--ctgan-memory-gb", type=float, default=8.0)
    p.add_argument("--sample-rows", type=int, default=10_000_000)
    p.add_argument("--rule-rows", type=int, default=1_000_000, help="rows sampled to count violations")
    p.add_argument("--time-limit", type=float, default=900)
    p.add_argument("--steps", default="train,ctgan,sample,rules")
    p.add_argument("--model", type=Path, default=None, help="sample from this model file or run folder")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="sampling processes (also 1)")
    p.add_argument("--work", type=Path, default=Path("/tmp/genforge_tabular_scale"))
    p.add_argument("--child", nargs="+")
    args = p.parse_args()
    if args.child:
        name, *rest = args.child
        fn = {"train": child_train, "sample": child_sample, "ctgan": child_ctgan, "rules": child_rules,
              "quality": child_quality}[name]
        print(json.dumps(fn(*[json.loads(a) if a[:1] in "0123456789[{tfn" else a for a in rest])))
        return
    steps = set(args.steps.split(","))
    args.work.mkdir(parents=True, exist_ok=True)
    table = args.work / f"table_{args.rows}.parquet"
    if not table.exists():
        write_table(table, args.rows)  # in chunks of 10^6 rows: 10^7 never in memory whole
    print(f"{os.cpu_count()} cores, one torch thread per process; {args.rows:,} rows x 40 columns "
          f"(merchant: 50,000 levels); training {args.train_steps or args.epochs} "
          f"{'steps' if args.train_steps else 'epochs'} of 500 rows")
    models = {False: args.work / "plain.pt", True: args.work / "rules.pt"}
    for ruled in (False, True):
        if ("train" in steps and not ruled) or ("rules" in steps and ruled):
            r = child(["--child", "train", str(table), str(args.rows), json.dumps(args.epochs),
                       json.dumps(args.train_steps), json.dumps(ruled), str(models[ruled])], args.time_limit)
            if r["status"] != "ok":
                print(f"train{' with rules' if ruled else ''}: {r}")
                continue
            print(f"TabularGAN{' with the rules' if ruled else ''}: encoded width {r['width']}, "
                  f"{r['wall']:.0f} s wall / {r['cpu']:.0f} s CPU in all (data preparation "
                  f"{r['wall'] - r['fit_wall']:.0f} s wall), fit {r['rows_trained']:,} rows in {r['fit_wall']:.0f} s "
                  f"= {r['rows_trained'] / r['fit_wall']:,.0f} rows/s, peak RSS {r['rss_gb']:.2f} GB")
            for line in r["report"]:
                print("   ", line)
    if "cli-train" in steps:
        r = cli_train(table, args.epochs, args.train_steps, args.work / "cli_run", args.time_limit)
        if r["status"] != "ok":
            print(f"genforge train tabular: {r}")
        else:
            loop = r["loop_steps_per_s"]
            rate = (f"training loop {loop * r['batch']:,.0f} rows/s ({loop:.2f} steps/s of {r['batch']}), "
                    if loop else "")
            rate += (f"{r['steps']} steps with calibration, resampler and final evaluation "
                     f"{r['fit_wall']:.0f} s = {r['steps'] * r['batch'] / r['fit_wall']:,.0f} rows/s, ")
            print(f"genforge train tabular --dataset {table.name} (streamed): {r['wall']:.0f} s wall in all, {rate}"
                  f"peak RSS {r['rss_gb']:.2f} GB{'' if r['rss_is_this_run'] else ' (an earlier child peaked higher)'}")
            for line in r["lines"]:
                print("   ", line)
    if "ctgan" in steps:
        rows = args.ctgan_rows or args.rows
        r = child(["--child", "ctgan", str(table), str(rows), str(max(1, int(args.epochs)))], args.time_limit,
                  args.ctgan_memory_gb)
        if r["status"] == "ok":
            print(f"ctgan on {rows:,} rows, {max(1, int(args.epochs))} epoch(s): fit {r['wall']:.0f} s wall / "
                  f"{r['cpu']:.0f} s CPU = {rows * max(1, int(args.epochs)) / r['wall']:,.0f} rows/s, "
                  f"peak RSS {r['rss_gb']:.2f} GB")
        else:
            print(f"ctgan on {rows:,} rows under a {args.ctgan_memory_gb:g} GB cap: {r['status']} {r.get('tail', '')}")
    if "sample" in steps:
        model = args.model or models[False]
        for workers in sorted({1, args.workers}):
            out = args.work / "big.parquet"
            r = child(["--child", "sample", str(model), str(args.sample_rows), str(out), str(workers)],
                      args.time_limit)
            if r["status"] != "ok":
                print(f"sample with {workers} worker(s): {r}")
                continue
            print(f"sample {r['rows']:,} rows -> Parquet, {workers} worker process(es): {r['wall']:.0f} s wall / "
                  f"{r['cpu']:.0f} s CPU = {r['rows'] / r['wall']:,.0f} rows/s wall, {r['rows'] / r['cpu']:,.0f} "
                  f"rows per CPU second, peak RSS {r['rss_gb']:.2f} GB (each worker at most "
                  f"{r['worker_rss_gb']:.2f} GB, pages shared), file {r['bytes'] / 1e9:.2f} GB")
        if r["status"] == "ok":  # the generator's arithmetic alone, per sampled row
            per_row = r["sampling_mflop"] * r["candidates"]
            print(f"    generator: {r['mflop']:.2f} MFLOP per generated row dense, {r['sampling_mflop']:.2f} with the "
                  f"{r['condition']}-wide condition added sparsely; x{r['candidates']} candidates per sampled row "
                  f"(resampling step) = {per_row:.1f} MFLOP per sampled row: 500,000 rows/s would need "
                  f"{per_row * 0.5:,.2f} TFLOP/s of matrix products alone")
        out.unlink(missing_ok=True)
    if "rules" in steps and models[True].exists():
        r = child(["--child", "rules", str(models[True]), str(table), str(args.rule_rows)], args.time_limit)
        for run in r.get("runs", []):
            print(f"rules, {run['rows']:,} rows {run['conditions'] or 'without conditions'} "
                  f"({run['rows_per_s']:,.0f} rows/s): {sum(run['violations'].values())} violations "
                  f"{run['violations']}; conditions met on every row: {run['conditions_met']}; "
                  f"generated {run['sampling'].get('generated', 0):,}, kept {run['sampling'].get('kept', 0):,}")
        if r["status"] != "ok":
            print(f"rules: {r}")
        if models[False].exists():
            q = {ruled: child(["--child", "quality", str(models[ruled]), str(table), "20000"], args.time_limit)
                 for ruled in (False, True)}
            print(f"quality, 20,000 synthetic vs 20,000 real rows: with rules {q[True].get('quality', float('nan')):.3f}, "
                  f"without {q[False].get('quality', float('nan')):.3f}")


if __name__ == "__main__":
    main()
