"""Mixture benchmark: ring-8 and grid-25 over 5 seeds with the mixture domain's defaults.

Prints, per seed and as the median over seeds, the modes covered, the share of
high-quality samples (within 3 sigma of the nearest mean), the reverse KL of the
mode histogram against uniform, and the wall time of each training run, next to
PacGAN's published grid-25 figures (Lin et al. 2018, Table 3: PacGAN4 24.8 modes,
93.6 % high quality, reverse KL 0.04) and the issue's targets.

    python benchmarks/mixture_modes.py                       # both mixtures, seeds 0-4
    python benchmarks/mixture_modes.py --datasets grid-25 --seeds 0,1 --set r1_weight=0.05
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import torch

os.environ.setdefault("GENFORGE_PROGRESS", "0")

from genforge.cli import parse_options  # noqa: E402
from genforge.training import make_config, train  # noqa: E402

PUBLISHED = {"grid-25": ("PacGAN4 (Lin et al. 2018)", 24.8, 0.936, 0.04)}
# modes, high-quality share, reverse KL (None: no target), seconds per run
TARGETS = {"grid-25": (25, 0.90, 0.05, 60.0), "ring-8": (8, 0.95, None, 60.0)}


def run_once(dataset: str, seed: int, settings: dict) -> dict[str, float]:
    config = make_config("mixture", {**settings, "dataset": dataset, "seed": seed})
    start = time.perf_counter()
    result = train(config, None, report=lambda *_: None)
    metrics = result.summary["metrics"]
    return {"modes": metrics["modes"], "high_quality": metrics["high_quality"],
            "reverse_kl": metrics["reverse_kl"], "seconds": time.perf_counter() - start}


def line(label: str, r: dict[str, float]) -> str:
    return (f"  {label:<28} {r['modes']:>5.1f} {100 * r['high_quality']:>8.1f}% "
            f"{r['reverse_kl']:>8.3f} {r['seconds']:>7.1f}s")


def verdict(dataset: str, median: dict[str, float], slowest: float) -> str:
    modes, hq, rkl, seconds = TARGETS[dataset]
    checks = [("modes", median["modes"] >= modes), ("high quality", median["high_quality"] >= hq),
              ("time", slowest <= seconds)]
    if rkl is not None:
        checks.append(("reverse KL", median["reverse_kl"] <= rkl))
    missed = [name for name, ok in checks if not ok]
    target = (f"{modes}/{modes} modes, >= {100 * hq:.0f}% HQ"
              + (f", rKL <= {rkl}" if rkl is not None else "") + f", <= {seconds:.0f}s per run")
    return f"  target ({target}): " + ("met" if not missed else "not met: " + ", ".join(missed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="grid-25,ring-8")
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (the target is on 2 cores)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a training setting (TOML value), e.g. --set r1_weight=0.05")
    args = parser.parse_args()
    settings = parse_options(args.set, "--set")
    torch.set_num_threads(args.threads)
    seeds = [int(s) for s in args.seeds.split(",")]
    defaults = make_config("mixture", settings)
    print(f"mixture settings: {defaults.steps} steps, batch {defaults.batch_size}, "
          f"loss {defaults.loss or 'non-saturating'}, pac {defaults.model_options.get('pac', 1)}, lr {defaults.lr_g:g}/{defaults.lr_d:g}, "
          f"betas {defaults.betas_g}, R1 {defaults.r1_weight:g} every {defaults.penalty_every} D steps, "
          f"EMA {defaults.ema_decay}; "
          f"{args.threads} torch threads")
    for dataset in args.datasets.split(","):
        print(f"\n{dataset}{'':<24} {'modes':>5} {'HQ':>9} {'rev. KL':>8} {'time':>8}")
        runs = []
        for seed in seeds:
            runs.append(run_once(dataset, seed, settings))
            print(line(f"seed {seed}", runs[-1]), flush=True)
        median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(line(f"median of {len(runs)} seeds", median))
        if dataset in PUBLISHED:
            name, modes, hq, rkl = PUBLISHED[dataset]
            print(f"  {name:<28} {modes:>5.1f} {100 * hq:>8.1f}% {rkl:>8.3f}  (published)")
        print(verdict(dataset, median, max(r["seconds"] for r in runs)))


if __name__ == "__main__":
    main()
