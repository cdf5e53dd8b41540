"""Ablation of the training length on one table of ``tabular_vs_ctgan.py``: TabularGAN at several
epoch counts (same split, seed and metrics), fit CPU seconds beside each, so the cost of a longer
default shows next to what it buys (quality, pair trends, GB / logistic / kNN detection).

Run: ``.venv/bin/python benchmarks/tabular_steps_ablation.py --table attrition --epochs 300,600``
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from tabular_tables import load_table  # noqa: E402
from tabular_vs_ctgan import fidelity  # noqa: E402

from genforge.plugins import get_registry  # noqa: E402
from genforge_tabular import TabularGAN  # noqa: E402
from genforge_tabular.columns import MODELLED_AS_DISCRETE, infer_columns  # noqa: E402
from genforge_tabular.metrics import TabularReference  # noqa: E402
from genforge_tabular.target_column import split_holdout  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--table", default="attrition")
    parser.add_argument("--epochs", default="300,600")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    get_registry()
    frame, target = load_table(args.table)
    kinds = {i.name: i.kind for i in infer_columns(frame, args.table, [target])}
    train, test = split_holdout(frame, 0.2, target, args.seed)
    ref = TabularReference(train, kinds, test, target, args.seed)
    discrete = [c for c, k in kinds.items() if k in MODELLED_AS_DISCRETE]
    print(f"{args.table}: {len(train)} training rows, seed {args.seed}, 1 torch thread")
    print("| epochs | fit CPU-s (wall s) | quality | shapes / pairs | GB / LR / kNN detection |")
    print("|---|---|---|---|---|")
    for epochs in [float(e) for e in args.epochs.split(",")]:
        cpu, wall = time.process_time(), time.perf_counter()
        gan = TabularGAN(epochs=epochs, target=target, discrete_columns=discrete, seed=args.seed).fit(train)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        f = fidelity(gan.sample(len(train), seed=args.seed + 1), ref, "ours")
        print(f"| {epochs:g} | {cpu:.0f} ({wall:.0f}) | {f['quality_ours']:.3f} | {f['shapes_ours']:.3f} / "
              f"{f['pairs_ours']:.3f} | {f['det_gb_ours']:.3f} / {f['det_logistic_ours']:.3f} / "
              f"{f['det_knn_ours']:.3f} |", flush=True)


if __name__ == "__main__":
    main()
