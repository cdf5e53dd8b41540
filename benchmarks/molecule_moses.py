"""MOSES benchmark of the latent GAN: train, sample 10,000 raw, score with MOSES's own code.

    .venv/bin/python benchmarks/molecule_moses.py [--limit 100000] [--ae-steps 1500] [--steps N]

Trains ``latentgan`` through genforge's Trainer on the first ``--limit`` MOSES training
molecules (autoencoder pretraining included in the printed training time), samples
``-n`` molecules with no repair (an empty SELFIES string counts as invalid), scores
them with ``moses.metrics.get_all_metrics`` (molsets wheel, FCD from fcd_torch's
bundled ChemNet) and prints our row beside MOSES's published rows and the targets.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

#: MOSES paper (Polykovskiy et al. 2020, Table 2) and DiGress (Vignac et al. 2023, Table 4)
PUBLISHED = {
    "LatentGAN": {"valid": 0.897, "unique@10000": 0.997, "FCD/Test": 0.296, "SNN/Test": 0.538,
                  "Frag/Test": 0.999, "Scaf/Test": 0.886, "IntDiv": 0.857, "Filters": 0.973, "Novelty": 0.949},
    "CharRNN": {"valid": 0.975, "unique@10000": 0.999, "FCD/Test": 0.073, "SNN/Test": 0.601,
                "Frag/Test": 1.000, "Scaf/Test": 0.924, "IntDiv": 0.856, "Filters": 0.994, "Novelty": 0.842},
    "DiGress": {"valid": 0.857, "unique@10000": 1.000, "FCD/Test": 1.19, "SNN/Test": 0.52,
                "Frag/Test": None, "Scaf/Test": 0.148, "IntDiv": None, "Filters": 0.971, "Novelty": 0.950},
}
TARGETS = {"valid": (">=", 0.95), "unique@10000": (">=", 0.99), "Novelty": (">=", 0.90),
           "Filters": (">=", 0.95), "IntDiv": (">=", 0.85), "FCD/Test": ("<=", 1.0),
           "SNN/Test": (">=", 0.45), "Frag/Test": (">=", 0.99), "Scaf/Test": (">=", 0.5)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=100_000, help="MOSES training molecules used")
    ap.add_argument("--ae-steps", type=int, default=1500)
    ap.add_argument("--steps", type=int, default=None, help="GAN steps (default: latentgan's, LATENTGAN_TRAINING)")
    ap.add_argument("-n", type=int, default=10_000)
    ap.add_argument("--decode", default="greedy", help="greedy or sample (molecule_autoencoder.py: at CPU "
                    "budgets greedy decoding gives the lower FCD and higher Filters, uniqueness kept)")
    ap.add_argument("--ae-lr", type=float, default=2e-2)
    ap.add_argument("--codes", action="store_true", help="the SMILES-only data path (dataset option codes: the "
                    "bundled autoencoder's codes of every --limit molecule, streamed and cached; --limit 0 = all "
                    "1,584,663)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None, help="run folder (default: a temporary one)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    from genforge.runs import Run
    from genforge.training import make_config, train
    from genforge_molecule.latentgan import LATENTGAN_TRAINING
    from genforge_molecule.moses_metrics import moses_all_metrics

    args.steps = args.steps or LATENTGAN_TRAINING["steps"]
    out = args.out or Path(tempfile.mkdtemp(prefix="moses-latentgan-")) / "run"
    config = make_config("molecule", {
        "dataset": "moses", "model": "latentgan", **LATENTGAN_TRAINING, "steps": args.steps,
        "device": args.device, "eval_every": 0,
        "dataset_options": {**({"limit": args.limit} if args.limit else {}), **({"codes": True} if args.codes else {})},
        "model_options": {"ae_steps": args.ae_steps, "ae_molecules": args.limit, "ae_lr": args.ae_lr,
                          "decode": args.decode}})
    started = time.perf_counter()
    result = train(config, out)
    train_time = time.perf_counter() - started
    codec = result.data.schema.latent
    from genforge_molecule.autoencoder_pretraining import load_bundled_codec
    ae = codec.summary
    if ae == load_bundled_codec().summary:  # pretrained once and shipped: not part of this run's time
        where = (f"the bundled autoencoder (pretrained once and shipped: {ae.get('cpu_seconds', 0) / 60:.1f} "
                 f"CPU-min, {ae.get('steps', 0):.0f} steps, not in this time)")
    else:
        where = f"of which autoencoder {ae.get('seconds', 0) / 60:.1f} min ({ae.get('steps', 0):.0f} steps)"
    print(f"training: {train_time / 60:.1f} min wall on {args.threads} thread(s) ({args.device}), {where}, "
          f"held-out reconstruction {ae.get('reconstruction', float('nan')):.3f}; GAN {args.steps} steps")

    run = Run(out, device=args.device)
    started = time.perf_counter()
    samples = run.sample(args.n, seed=1)
    sample_time = time.perf_counter() - started
    unique = len(set(samples.valid))
    print(f"sampling {args.n}: {sample_time:.1f}s, {unique / sample_time:,.0f} valid unique canonical "
          f"SMILES/s ({os.environ.get('GENFORGE_WORKERS', 'all')} worker processes); rejects: {samples.rejects()}")
    raw = [s if ok else None for s, ok in zip(samples.smiles, samples.raw_valid)]
    train_smiles = sorted(result.data.reference.train_smiles)
    from genforge_molecule.datasets import read_moses
    full_train = [s for _, s in read_moses("train")]
    ours = moses_all_metrics(raw, train=full_train)
    print(f"\nMOSES get_all_metrics, {args.n} samples (novelty against the full MOSES train set; "
          f"trained on {len(train_smiles):,} of them)")
    names = list(TARGETS) + ["FCD/TestSF", "IntDiv2", "QED", "SA", "logP", "weight"]
    print(f"{'metric':14s} {'genforge':>9s} " + " ".join(f"{k:>9s}" for k in PUBLISHED) + "  target")
    for name in names:
        row = [PUBLISHED[k].get(name) for k in PUBLISHED]
        cells = " ".join(f"{v:9.3f}" if v is not None else f"{'':9s}" for v in row)
        target = TARGETS.get(name)
        verdict = ""
        if target is not None:
            op, bound = target
            met = ours[name] >= bound if op == ">=" else ours[name] <= bound
            verdict = f"  {op} {bound}: {'met' if met else 'NOT met'}"
        print(f"{name:14s} {ours.get(name, float('nan')):9.3f} {cells}{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
