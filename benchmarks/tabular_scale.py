"""Tabular at scale: a 40-column table with the structure of a real one (``tabular_scale_table.py``:
a 50,000-level merchant column, dependencies, formulas, business rules), measured in separate
processes so that each figure is that process's own peak RSS (``/usr/bin/time -f %M``):

* ``train``   genforge train on N rows (one epoch by default): wall time, rows/s, peak RSS
* ``ctgan``   the ``ctgan`` package on the same rows (same epochs), under a memory cap
              (``--ctgan-memory-gb``, so a failure is an error, not a machine that swaps) and a
              time limit: rows/s, peak RSS, or the point where it fails
* ``sample``  genforge sample -n M --out big.parquet: rows/s, peak RSS
* ``rules``   the same training with the table's rules (``--constraints``-style TOML); violations
              counted by hand (pandas, not the rules' code) in M sampled rows, unconditioned and
              conditioned; quality (SDMetrics-style) with and without the rules

Run: ``.venv/bin/python benchmarks/tabular_scale.py --rows 1000000 --steps all`` (each step
alone with ``--steps train,sample``). Every run keeps one torch thread per process.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from tabular_scale_table import RULES, make_table  # noqa: E402

GENFORGE = str(Path(sys.executable).with_name("genforge"))
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def measured(cmd: list[str], timeout: float, memory_gb: float | None = None) -> dict:
    """Run ``cmd`` under /usr/bin/time; wall seconds, peak RSS (GB), exit status, output tail."""
    prefix = ["/usr/bin/time", "-f", "__time %e %M %U %S"]
    if memory_gb:
        prefix = ["prlimit", f"--as={int(memory_gb * 2**30)}"] + prefix
    start = time.perf_counter()
    try:
        proc = subprocess.run(prefix + cmd, capture_output=True, text=True, timeout=timeout, env=ENV)
    except subprocess.TimeoutExpired as exc:
        return {"status": f"stopped after {timeout:.0f} s", "wall": time.perf_counter() - start, "rss_gb": None,
                "cpu": None,
                "tail": (exc.stderr or b"")[-600:] if isinstance(exc.stderr, str) else ""}
    lines = proc.stderr.strip().splitlines()
    stats = next((l for l in reversed(lines) if l.startswith("__time")), "__time nan nan nan nan").split()
    return {"status": "ok" if proc.returncode == 0 else f"exit {proc.returncode}", "wall": float(stats[1]),
            "rss_gb": float(stats[2]) / 2**20, "cpu": float(stats[3]) + float(stats[4]),
            "tail": (proc.stdout + proc.stderr)[-1500:]}


def ensure_table(work: Path, rows: int) -> Path:
    path = work / f"table_{rows}.parquet"
    if not path.exists():
        start = time.perf_counter()
        make_table(rows).to_parquet(path)
        print(f"table: {rows:,} rows x 40 columns written in {time.perf_counter() - start:.0f} s -> {path}")
    return path


def rules_file(work: Path) -> Path:
    path = work / "rules.toml"
    lines = []
    for rule in RULES:
        lines.append("[[constraints]]")
        lines.extend(f"{k} = {json.dumps(v)}" for k, v in rule.items())
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def train(table: Path, out: Path, args, constraints: Path | None = None) -> dict:
    config = out.parent / "train.toml"  # a short final evaluation: the figures here are memory and speed
    config.write_text("eval_samples = 200\n", encoding="utf-8")
    cmd = [GENFORGE, "train", "tabular", "--dataset", str(table), "--target", "fraud", "--out", str(out),
           "--dataset-option", "holdout=0", "--config", str(config)]
    cmd += ["--epochs", str(args.epochs)] if args.train_steps is None else ["--steps", str(args.train_steps)]
    if constraints is not None:
        cmd += ["--dataset-option", f"constraints={constraints}"]
    return measured(cmd, args.time_limit)


CTGAN_CHILD = """
import sys, time, pandas as pd, torch
torch.set_num_threads(1)
from ctgan import CTGAN
df = pd.read_parquet(sys.argv[1]).iloc[:int(sys.argv[2])]
discrete = [c for c in df.columns if df[c].dtype == object]
for c in ("opened", "closed"):
    df[c] = df[c].astype("int64") // 10**9
start = time.perf_counter()
CTGAN(epochs=int(sys.argv[3]), verbose=False).fit(df, discrete)
print(f"__fit {time.perf_counter() - start:.2f}")
"""


def fit_rate(result: dict, run: Path) -> str:
    """Rows per second of the training loop alone (the CLI's "trained N steps in S s")."""
    import re
    found = re.search(r"trained (\d+) steps in ([\d.]+)s", result["tail"])
    if not found or not (run / "config.json").exists():
        return ""
    batch = json.loads((run / "config.json").read_text())["batch_size"]
    steps, seconds = int(found.group(1)), float(found.group(2))
    return f"; training loop {steps} steps x {batch} rows in {seconds:.0f} s = {steps * batch / seconds:,.0f} rows/s"


def ctgan(table: Path, rows: int, args) -> dict:
    result = measured([sys.executable, "-c", CTGAN_CHILD, str(table), str(rows), str(max(1, int(args.epochs)))],
                      args.time_limit, args.ctgan_memory_gb)
    fit = [l for l in result["tail"].splitlines() if l.startswith("__fit")]
    result["fit"] = float(fit[0].split()[1]) if fit else None
    return result


def sample(run: Path, n: int, out: Path, args) -> dict:
    return measured([GENFORGE, "sample", str(run), "-n", str(n), "--out", str(out)], args.time_limit)


def violations(s: pd.DataFrame, real_combos: set) -> dict[str, int]:
    """Each of the table's rules checked with plain pandas."""
    hot = s[["channel_web", "channel_pos", "channel_app"]]
    return {"inequality opened<=closed": int((pd.to_datetime(s.opened) > pd.to_datetime(s.closed)).sum()),
            "range age 18..95": int(((s.age < 18) | (s.age > 95)).sum()),
            "positive balance": int((s.balance < 0).sum()), "negative debt": int((s.debt > 0).sum()),
            "fixed_combinations country,city": int((~pd.Series(list(zip(s.country, s.city))).isin(real_combos)).sum()),
            "one_hot channel": int(((hot.sum(axis=1) != 1) | ~hot.isin([0, 1]).all(axis=1)).sum()),
            "formula total=amount+fee+tax": int((s.total != s.amount + s.fee + s.tax).sum())}


def quality_of(run: Path, real: pd.DataFrame, n: int) -> float:
    from genforge.runs import Run
    from genforge_tabular.columns import infer_columns
    from genforge_tabular.metrics import TabularReference, quality

    synth = Run(run).sample(n, seed=1)
    kinds = {i.name: i.kind for i in infer_columns(real, "real")}
    return quality(synth, TabularReference(real, kinds))


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
    p.add_argument("--steps", default="all")
    p.add_argument("--work", type=Path, default=Path("/tmp/genforge_tabular_scale"))
    args = p.parse_args()
    steps = {"train", "ctgan", "sample", "rules"} if args.steps == "all" else set(args.steps.split(","))
    args.work.mkdir(parents=True, exist_ok=True)
    table = ensure_table(args.work, args.rows)
    print(f"cores {os.cpu_count()}, one torch thread per process; rows {args.rows:,}, epochs {args.epochs}")
    if "train" in steps:
        r = train(table, args.work / "run", args)
        rate = fit_rate(r, args.work / "run")
        print(f"genforge train: {r['status']}, {r['wall']:.0f} s wall, {r['cpu']:.0f} s CPU (data preparation "
              f"and final evaluation included) {rate}, peak RSS {r['rss_gb']:.2f} GB")
        if r["status"] != "ok":
            print(r["tail"])
    if "ctgan" in steps:
        rows = args.ctgan_rows or args.rows
        r = ctgan(table, rows, args)
        fit = f"fit {r['fit']:.0f} s, {rows * max(1, int(args.epochs)) / r['fit']:,.0f} rows/s" if r["fit"] else \
            "no fit: " + " | ".join(r["tail"].strip().splitlines()[-2:])
        rss = f"{r['rss_gb']:.2f} GB" if r["rss_gb"] == r["rss_gb"] and r["rss_gb"] is not None else "n/a"
        print(f"ctgan on {rows:,} rows (memory cap {args.ctgan_memory_gb:g} GB): {r['status']}, {fit}, "
              f"peak RSS {rss}")
    if "sample" in steps:
        out = args.work / "big.parquet"
        r = sample(args.work / "run", args.sample_rows, out, args)
        print(f"genforge sample -n {args.sample_rows:,} -> Parquet: {r['status']}, {r['wall']:.0f} s "
              f"({r['cpu']:.0f} s CPU), "
              f"{args.sample_rows / r['wall']:,.0f} rows/s, peak RSS {r['rss_gb']:.2f} GB, "
              f"{out.stat().st_size / 1e9 if out.exists() else 0:.2f} GB file")
        if r["status"] != "ok":
            print(r["tail"])
    if "rules" in steps:
        r = train(table, args.work / "run_rules", args, rules_file(args.work))
        print(f"genforge train with the rules: {r['status']}, {r['wall']:.0f} s wall, {r['cpu']:.0f} s CPU"
              f"{fit_rate(r, args.work / 'run_rules')}, peak RSS {r['rss_gb']:.2f} GB")
        if r["status"] != "ok":
            print(r["tail"])
            return
        real = pd.read_parquet(table)
        combos = set(zip(real.country, real.city))
        from genforge.runs import Run
        run = Run(args.work / "run_rules")
        for conditions in ({}, {"fraud": "yes"}, {"country": "C00", "channel_web": 1}):
            start = time.perf_counter()
            s = run.sample(args.rule_rows if not conditions else args.rule_rows // 10, conditions, seed=2)
            rate = len(s) / (time.perf_counter() - start)
            bad = violations(s, combos)
            ok = all((s[c].astype(str) == str(v)).all() for c, v in conditions.items())
            print(f"rules, {len(s):,} rows sampled {conditions or 'without conditions'} ({rate:,.0f} rows/s): "
                  f"violations {sum(bad.values())} ({bad}); conditions met on every row: {ok}")
        head = real.sample(20_000, random_state=0).reset_index(drop=True)
        q_with, q_without = quality_of(args.work / "run_rules", head, 20_000), quality_of(args.work / "run", head, 20_000)
        print(f"quality (20,000 synthetic vs 20,000 real rows): with rules {q_with:.3f}, without {q_without:.3f}")


if __name__ == "__main__":
    main()
