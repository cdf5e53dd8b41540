"""What makes the latent GAN beat a Gaussian: its codes scored in code space, then MOSES's FCD.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/molecule_code_gan.py [--limit 100000] \
        [--configs base steps10k ...] [--set KEY=JSON ...] [--decode NAME ...] [--jsonl results.jsonl]

Reads (or encodes once, cached in ``$GENFORGE_CACHE/molecule-codes/``) the bundled autoencoder's
codes of ``--limit`` MOSES training and ``--test`` MOSES test molecules drawn at random;
trains ``latentgan`` on the training codes with genforge's Trainer (the engine's loop; no final
evaluation, nothing decoded) for each named configuration of :data:`ABLATIONS` (one change from
:data:`BASE`, the ``molecule_moses.py`` settings) and scores ``-n`` generated codes in code space
against ``-n`` test codes (:mod:`genforge_molecule.code_space`: classifier two-sample AUC, MMD^2,
marginal gaps), beside the moment-matched Gaussian of the training codes and other real test codes
(the floor). ``--decode`` names (``gaussian``, ``real`` or configurations) are also decoded greedily
as they are scored, the molecules scored with MOSES's own FCD/Test and Filters (minutes each).
``--milestones`` scores one training on the way. CPU seconds beside wall time; one torch thread.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

#: the molecule_moses.py training settings (engine keys; model options are LATENTGAN_DEFAULTS')
BASE: dict[str, Any] = {"steps": 3000, "batch_size": 128, "n_critic": 5, "lr_g": 1e-4, "lr_d": 1e-4,
                        "ema_decay": 0.999}
#: one change from BASE each (model options and engine keys alike)
ABLATIONS: dict[str, dict[str, Any]] = {
    "base": {},
    "steps1k": {"steps": 1000}, "steps10k": {"steps": 10_000}, "steps20k": {"steps": 20_000},
    "steps30k": {"steps": 30_000}, "steps40k": {"steps": 40_000}, "steps60k": {"steps": 60_000},
    "critic512x3": {"critic": [512, 512, 512]}, "critic1024x2": {"critic": [1024, 1024]},
    "critic128": {"critic": [128, 128]},
    "gen512x3": {"hidden": [512, 512, 512]}, "gen1024x2": {"hidden": [1024, 1024]},
    "ncritic1": {"n_critic": 1}, "ncritic2": {"n_critic": 2}, "ncritic10": {"n_critic": 10},
    "lr3e-4": {"lr_g": 3e-4, "lr_d": 3e-4}, "lr1e-3": {"lr_g": 1e-3, "lr_d": 1e-3},
    "lr3e-5": {"lr_g": 3e-5, "lr_d": 3e-5},
    "batch64": {"batch_size": 64}, "batch512": {"batch_size": 512},
    "gp1": {"gp_weight": 1.0}, "gp0.1": {"gp_weight": 0.1}, "gp100": {"gp_weight": 100.0},
    "noise16": {"latent_dim": 16}, "noise256": {"latent_dim": 256},
    "ema0": {"ema_decay": 0.0}, "betas0.999": {"betas_g": (0.5, 0.999), "betas_d": (0.5, 0.999)},
}


def load_codes(limit: int, n_test: int, seed: int = 0):
    """CodeSets of ``limit`` MOSES training and ``n_test`` test molecules drawn at random (the
    files are ordered: their first rows are not a fair sample), encoded once and cached."""
    import numpy as np

    from genforge_molecule.code_corpus import chunked, code_set, file_identity
    from genforge_molecule.corpus import code_options
    from genforge_molecule.datasets import moses_files, read_moses

    sets = []
    for split, n in (("train", limit), ("test", n_test)):
        records = read_moses(split)
        pick = np.sort(np.random.default_rng(seed).choice(len(records), min(n, len(records)), replace=False))
        sets.append(code_set(chunked([records[k] for k in pick]), code_options({"codes": True}), f"moses {split}",
                             [file_identity(moses_files()[split]), "random", n, seed]))
    return sets


def split_settings(settings: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(engine keys, latentgan model options) of one configuration."""
    from genforge_molecule.latentgan import LATENTGAN_DEFAULTS

    merged = {**BASE, **settings}
    return ({k: v for k, v in merged.items() if k not in LATENTGAN_DEFAULTS},
            {k: v for k, v in merged.items() if k in LATENTGAN_DEFAULTS})


def train_codes_gan(data, settings: dict[str, Any], seed: int = 0, milestones: tuple[int, ...] = ()):
    """Yield ``(step, sampling view, timing)`` at each milestone (< the configuration's steps) and at
    the end, training on with the engine's own loop (``Trainer.fit(steps)``) between them."""
    from genforge.engine.trainer import Trainer
    from genforge.plugins import get_registry
    from genforge.training import build_model, fill_names, make_config

    engine, options = split_settings(settings)
    registry = get_registry()
    config = fill_names(make_config("molecule", {"dataset": "moses", "model": "latentgan", "eval_every": 0,
                                                 "checkpoint_minutes": 0, "device": "cpu", "seed": seed, **engine,
                                                 "model_options": options}, registry=registry),
                        registry.domain("molecule"))
    model = build_model(config, data.schema, registry)
    trainer = Trainer(model, data, config, loss=registry.loss(config.loss), metrics=[],
                      domain=registry.domain("molecule"))
    wall, cpu = time.perf_counter(), time.process_time()
    for step in sorted({m for m in milestones if m < config.steps} | {config.steps}):
        trainer.fit(step)
        yield step, trainer.trained(), {"train_wall_s": time.perf_counter() - wall,
                                        "train_cpu_s": time.process_time() - cpu, "steps": step}


def decoded_figures(codec, codes: torch.Tensor) -> dict[str, float]:
    """Greedy decoding of ``codes``; MOSES's FCD/Test and Filters (``molecule_autoencoder.py``'s)."""
    from molecule_autoencoder import moses_figures

    from genforge_molecule.moses_metrics import import_moses_metrics

    import_moses_metrics()
    from moses.dataset import get_statistics

    codec.sample = False
    wall, cpu = time.perf_counter(), time.process_time()
    smiles = [s for s, _ in codec.vocabulary.decode(codec.decode_ids(codes))]
    figures = moses_figures(smiles, get_statistics("test"))
    return {**figures, "decode_wall_s": time.perf_counter() - wall, "decode_cpu_s": time.process_time() - cpu}


def row(name: str, figures: dict[str, Any]) -> str:
    def cell(key: str, fmt: str) -> str:
        value = figures.get(key)
        return format(value, fmt) if isinstance(value, (int, float)) else " " * len(format(0.0, fmt))

    return (f"{name:14s} {cell('auc', '6.3f')} {cell('mmd2', '8.5f')} {cell('mean_gap', '6.3f')} "
            f"{cell('std_gap', '6.3f')} {cell('ks', '6.3f')} {cell('corr_gap', '6.3f')} "
            f"{cell('FCD/Test', '8.2f')} {cell('Filters', '7.3f')} {cell('train_cpu_s', '7.0f')} "
            f"{cell('train_wall_s', '7.0f')}")


HEADER = (f"{'codes':14s} {'AUC':>6s} {'MMD2':>8s} {'dmean':>6s} {'dstd':>6s} {'KS':>6s} {'dcorr':>6s} "
          f"{'FCD/Test':>8s} {'Filters':>7s} {'CPU-s':>7s} {'wall-s':>7s}")


def shuffle(n: int, seed: int) -> torch.Tensor:
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed))


def parse_set(items: list[str]) -> dict[str, Any]:
    out = {}
    for item in items:
        key, _, value = item.partition("=")
        out[key] = json.loads(value)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=100_000, help="MOSES training molecules (codes cached)")
    ap.add_argument("--test", type=int, default=30_000, help="MOSES test molecules encoded (reference + floor)")
    ap.add_argument("-n", type=int, default=10_000, help="codes per set scored (and decoded)")
    ap.add_argument("--configs", nargs="*", default=["base"], help=f"of: {', '.join(ABLATIONS)}")
    ap.add_argument("--set", nargs="*", default=[], help="KEY=JSON: an extra configuration 'custom'")
    ap.add_argument("--decode", nargs="*", default=[], help="gaussian, real and/or configuration names")
    ap.add_argument("--milestones", type=int, nargs="*", default=[],
                    help="also score each configuration after these steps (one training, scored on the way)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--save", type=Path, default=None, help="write each set of codes here (NAME.pt)")
    ap.add_argument("--jsonl", type=Path, default=None, help="append one JSON line per row here")
    args = ap.parse_args()
    torch.set_num_threads(1)
    from genforge_molecule.code_space import code_space_figures, moment_matched
    from genforge_molecule.corpus import MoleculeCorpus
    from genforge_molecule.domain import MoleculeTrainingData

    started, cpu = time.perf_counter(), time.process_time()
    train, test = load_codes(args.limit, args.test, args.seed)
    if len(test.codes) < 2 * args.n:
        raise SystemExit(f"--test {args.test} gave {len(test.codes)} codes: need 2 x -n = {2 * args.n}")
    shuffled = test.codes[shuffle(len(test.codes), args.seed)]
    reference, floor = shuffled[: args.n], shuffled[args.n: 2 * args.n]  # the draws are in file order
    print(f"codes: {len(train.codes):,} training, {len(test.codes):,} test ({time.perf_counter() - started:.0f}s "
          f"wall, {time.process_time() - cpu:.0f} CPU-s); reference: {args.n:,} test codes", flush=True)
    data = MoleculeTrainingData(MoleculeCorpus(train, test.smiles[: args.n], "moses"), args.seed)
    configs = {name: ABLATIONS[name] for name in args.configs}
    if args.set:
        configs["custom"] = parse_set(args.set)
    candidates: dict[str, tuple[torch.Tensor, dict[str, Any]]] = {
        "real (floor)": (floor, {}),
        "train codes": (train.codes[shuffle(len(train.codes), args.seed + 3)[: args.n]], {}),
        "gaussian": (moment_matched(train.codes, args.n, args.seed + 1), {})}
    aliases = {"real": "real (floor)"}
    decode = [aliases.get(name, name) for name in args.decode]

    def report(name: str, codes: torch.Tensor, figures: dict[str, Any]) -> None:
        candidates[name] = (codes, figures)
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            torch.save(codes, args.save / f"{name.split()[0]}.pt")
        if name in decode:
            figures.update(decoded_figures(train.schema.latent, codes))
        extra = f" valid {figures['valid']:.3f} unique {figures['unique']:.3f}" if "valid" in figures else ""
        print(row(name, figures) + extra, flush=True)
        if args.jsonl:
            with args.jsonl.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({"name": name, "limit": args.limit, "n": args.n, "seed": args.seed,
                                         **figures}, default=str) + "\n")

    print(HEADER)
    for name, codes in list(candidates.items()):
        report(name, codes[0], code_space_figures(reference, codes[0], args.seed))
    for name, settings in configs.items():
        final = {**BASE, **settings}["steps"]
        for step, trained, timing in train_codes_gan(data, settings, args.seed, tuple(args.milestones)):
            with torch.no_grad():
                codes = trained.generate(args.n, None, torch.Generator().manual_seed(args.seed + 2))
            figures = {**code_space_figures(reference, codes, args.seed), **timing, "settings": settings}
            report(name if step == final else f"{name}@{step}", codes, figures)
    print(f"total {time.perf_counter() - started:.0f}s wall, {time.process_time() - cpu:.0f} CPU-s here")
    return 0


if __name__ == "__main__":
    sys.exit(main())
