"""Ablation of the resampling step (``resampling.py``) on tables of ``tabular_vs_ctgan.py``: one
TabularGAN fit per table (defaults, the benchmark's split and seed), then its rows sampled with
the step off, with several candidate counts, and with one to three classifier stages
(``resampling.STAGES``; each after the first fitted on training rows against rows the ones
before it chose, its log ratio added), so each variant is the same generator. Printed per
variant: quality, pair trends, GB / logistic / kNN detection, GB detection against the real
hold-out instead of the training rows (what a detector sees when the step cannot have fitted its
rows), DCR overfitting protection, the CPU seconds to sample one training-sized table and those
of fitting the stages after the first.

Run: ``.venv/bin/python benchmarks/tabular_resampling_ablation.py --tables attrition,actg175 [--variants off,16,32,16x2,16x2:2]``
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).parent))
from tabular_vs_ctgan import fidelity, split_table  # noqa: E402

from genforge.plugins import get_registry  # noqa: E402
from genforge_tabular import TabularGAN  # noqa: E402
from genforge_tabular.columns import MODELLED_AS_DISCRETE  # noqa: E402
from genforge_tabular.metrics import TabularReference, dcr_overfitting_protection  # noqa: E402
from genforge_tabular.resampling import CHOSEN_PER_REAL, FIT_ROWS, DensityRatioResampler  # noqa: E402


def variant(gan: TabularGAN, first: DensityRatioResampler, name: str, train: pd.DataFrame, seed: int):
    """The resampler of a variant name: ``off``, ``K`` (candidates, one stage) or ``KxS`` (S stages,
    each after the first fitted on rows the ones before it chose, as ``resampling.STAGES``), with
    ``:R`` chosen rows per real one for the later stages (default ``CHOSEN_PER_REAL``, the product's)."""
    if name == "off":
        return None
    name, _, per_real = name.partition(":")
    candidates, _, stages = name.partition("x")
    step = DensityRatioResampler(dict(first.state, trees=first.state["trees"][:1], candidates=int(candidates)))
    real = (train if len(train) <= FIT_ROWS else train.sample(FIT_ROWS, random_state=seed)).reset_index(drop=True)
    for stage in range(2, int(stages or 1) + 1):
        gan.schema_.resampler = step
        chosen = gan.sample(int(per_real or CHOSEN_PER_REAL) * len(real), seed=10_000 + stage)
        step = step.stacked(real, chosen, seed + stage)
    return step


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tables", default="attrition,actg175,democracy")
    parser.add_argument("--variants", default="off,16,32,16x2,32x2")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    get_registry()
    print("| table | variant | quality | pairs | GB / LR / kNN detection | GB vs hold-out | DCR | sample CPU-s | "
          "later stages' fit CPU-s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.tables.split(","):
        frame, target, kinds, train, test, ref = split_table(name, args.seed)
        discrete = [c for c, k in kinds.items() if k in MODELLED_AS_DISCRETE]
        gan = TabularGAN(target=target, discrete_columns=discrete, seed=args.seed).fit(train)
        first = gan.schema_.resampler
        against_holdout = TabularReference(test, kinds, None, target, args.seed)
        for v in args.variants.split(","):
            fit_cpu = time.process_time()
            resampler = variant(gan, first, v, train, args.seed)
            fit_cpu = time.process_time() - fit_cpu
            gan.schema_.resampler = resampler
            cpu = time.process_time()
            rows = gan.sample(len(train), seed=args.seed + 1)
            cpu = time.process_time() - cpu
            f = fidelity(rows, ref, "v")
            holdout_gb = fidelity(rows, against_holdout, "h", ("gb",))["det_gb_h"]
            print(f"| {name} | {v} | {f['quality_v']:.3f} | {f['pairs_v']:.3f} | {f['det_gb_v']:.3f} / "
                  f"{f['det_logistic_v']:.3f} / {f['det_knn_v']:.3f} | {holdout_gb:.3f} | "
                  f"{dcr_overfitting_protection(rows, ref):.3f} | {cpu:.2f} | {fit_cpu:.1f} |", flush=True)
        gan.schema_.resampler = first


if __name__ == "__main__":
    main()
