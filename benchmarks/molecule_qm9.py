"""Molecule benchmark: MolGAN-class model on QM9 (or MOSES), 10,000 samples, MOSES metric definitions.

Trains the domain's default number of steps (``--steps`` to change; ``--minutes`` caps the
wall time, default 30, what the issue allows on 2 CPU cores), samples 10,000 molecules and
prints decoded/raw validity, uniqueness, novelty, IntDiv, filters, QED/SA/logP, FCD to the test split (and a real-vs-real FCD reference of the same size) and the
generation throughput, next to MolGAN's published QM9 figures (De Cao & Kipf 2018, Table 2).

    python benchmarks/molecule_qm9.py                 # base run (no reward: the GAN alone)
    python benchmarks/molecule_qm9.py --reward qed    # QED-reward run (reward network, MolGAN)
    python benchmarks/molecule_qm9.py --reward qed --lambda-gan 0.5 --option rl=policy \
        --option repeat_decay=10 --set ema_decay=0.99 --steps 2000   # policy-gradient reward run
    python benchmarks/molecule_qm9.py --dataset moses --minutes 20
    python benchmarks/molecule_qm9.py --steps 6000 --set lr_g=1e-3   # other settings (TOML values)
    python benchmarks/molecule_qm9.py --dataset-option aromatic=true  # aromatic bond type
    python benchmarks/molecule_qm9.py --condition qed=0.55  # also: `genforge sample --condition`
    python benchmarks/molecule_qm9.py --model latentgan --steps 2000 --option ae_steps=1500 \
        --option ae_lr=0.02 --set lr_g=1e-3 --set lr_d=1e-3   # the SELFIES latent GAN beside MolGAN

``--condition`` also measures sampling-time property steering (rejection sampling, what
``genforge sample RUN --condition qed=0.55`` does): share of generated molecules kept,
mean property, uniqueness and novelty of the kept ones. It is a filter on the trained
model's samples, printed apart from the QED-reward figures.
"""
from __future__ import annotations

import argparse
import json
import time

import torch

from genforge.cli import parse_conditions, parse_options
from genforge.engine.trainer import Trainer
from genforge.plugins import get_registry
from genforge.sampling import generate_raw
from genforge.training import build_model, fill_names, load_training_data, make_config
from genforge_molecule import metrics as M
from genforge_molecule.samples import MoleculeSamples
from genforge_molecule.worker_pool import cpu_workers

MOLGAN_QM9 = {"validity": 0.981, "uniqueness": 0.104, "novelty": 0.942}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", default="qm9")
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--steps", type=int, default=None, help="default: the molecule domain's")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="training config override (TOML value), e.g. ema_decay=0.99")
    parser.add_argument("--dataset-option", action="append", default=[], metavar="KEY=VALUE",
                        help="as for `genforge train`, e.g. aromatic=true")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                        help="model option, as for `genforge train`, e.g. pac=2")
    parser.add_argument("--model", default="molgan", help="molgan or latentgan (no --reward for latentgan)")
    parser.add_argument("--reward", default="none")
    parser.add_argument("--lambda-gan", type=float, default=0.7)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--limit", type=int, default=None, help="dataset option limit (MOSES)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--condition", help="also sample --samples molecules with this `genforge sample "
                        "--condition` (e.g. qed=0.55) and report them")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()
    torch.set_num_threads(1)

    registry = get_registry()
    domain = registry.domain("molecule")
    reward = {"reward": args.reward, "lambda_gan": args.lambda_gan} if args.model == "molgan" else {}
    overrides = {"dataset": args.dataset, "seed": args.seed, "steps": args.steps, "model": args.model,
                 **parse_options(args.set, "--set"),
                 "model_options": {**reward, **parse_options(args.option, "--option")},
                 "dataset_options": {**({"limit": args.limit} if args.limit else {}),
                                     **parse_options(args.dataset_option, "--dataset-option")}}
    config = fill_names(make_config("molecule", overrides, registry=registry), domain)
    t0 = time.perf_counter()
    data = load_training_data(config, registry)
    print(f"{args.dataset}: {data.size} training molecules, {len(data.reference.test_smiles)} test, "
          f"atoms {data.schema.atom_types}, max {data.schema.max_atoms}; loaded in {time.perf_counter() - t0:.0f}s",
          flush=True)
    model = build_model(config, data.schema, registry)
    trainer = Trainer(model, data, config, loss=registry.loss(config.loss), domain=domain)
    started = time.perf_counter()
    while trainer.step < trainer.total_steps and time.perf_counter() - started < args.minutes * 60:
        trainer.fit(min(trainer.step + 50, trainer.total_steps))
        if trainer.step % 500 == 0:
            print(f"  step {trainer.step}  {time.perf_counter() - started:.0f}s  {trainer.logs}", flush=True)
    train_time = time.perf_counter() - started

    t = time.perf_counter()
    samples = trainer.sample(args.samples, seed=args.seed + 1)
    sample_time = time.perf_counter() - t
    t = time.perf_counter()  # throughput: `genforge sample`'s path, 100,000 graphs
    valid = sum(len(c.valid) for c in trainer.trained().sample_chunks(100_000, seed=1))
    throughput = valid / (time.perf_counter() - t)
    ref = data.reference
    if args.condition:
        conditions = parse_conditions([args.condition], "--condition")
        (name,) = conditions
        counted = []  # generated batch sizes, to report the share kept
        with trainer.sampling_model() as m:
            rng = torch.Generator().manual_seed(args.seed + 2)

            def generate(k, c):
                counted.append(k)
                return generate_raw(m, k, c, rng, trainer.device)
            kept = domain.concat(domain.sample_chunks(generate, data.schema, args.samples, conditions, rng))
        print(f"\n--condition {args.condition} (sampling-time filter, not the reward): kept {len(kept)} of "
              f"{sum(counted)} generated ({len(kept) / max(1, sum(counted)):.1%}); mean {name} "
              f"{M.mean_property(kept, name):.3f}, uniqueness {M.uniqueness(kept):.3f}, "
              f"novelty {M.novelty(kept, ref.train_smiles):.3f}, IntDiv1 {M.internal_diversity(kept, 1):.3f}", flush=True)
    real = MoleculeSamples(ref.test_smiles[: args.samples])
    figures = {
        "dataset": args.dataset, "model": args.model, "reward": args.reward, "lambda_gan": args.lambda_gan,
        "steps": trainer.step,
        "train_minutes": train_time / 60, "samples": len(samples),
        "validity": M.validity(samples), "raw_validity": M.raw_validity(samples),
        "uniqueness": M.uniqueness(samples), "novelty": M.novelty(samples, ref.train_smiles),
        "int_div1": M.internal_diversity(samples, 1), "int_div2": M.internal_diversity(samples, 2),
        "filters": M.filters(samples), "qed_unique_valid": M.mean_property(samples, "qed"),
        "sa_unique_valid": M.mean_property(samples, "sa"), "logp_unique_valid": M.mean_property(samples, "logp"),
        "fcd_test": M.frechet_chemnet_distance(samples, ref),
        "qed_test_set": M.mean_property(real, "qed"),
        "sample_seconds_10k": sample_time, "valid_smiles_per_s": throughput, "workers": cpu_workers(),
    }
    train_real = MoleculeSamples(sorted(ref.train_smiles)[:: max(1, len(ref.train_smiles) // args.samples)][: args.samples])
    figures["fcd_real_train_vs_test"] = M.frechet_chemnet_distance(train_real, ref)
    print(f"\n== molecule benchmark: {args.model} on {args.dataset} "
          f"({'aromatic' if data.schema.aromatic else 'kekulized'} "
          f"graphs), reward={args.reward}, lambda={args.lambda_gan}, "
          f"{trainer.step} steps in {train_time / 60:.1f} min, {len(samples)} samples ==")
    print(f"FCD: {M.fcd_status()}")
    print(f"{'metric':24s} {'genforge':>10s} {'MolGAN (paper, QM9)':>20s}")
    for key, value in figures.items():
        if isinstance(value, float):
            peer = MOLGAN_QM9.get(key)
            print(f"{key:24s} {value:10.4f} {'' if peer is None else f'{peer:.3f}':>20s}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(figures, handle, indent=2)


if __name__ == "__main__":
    main()
