"""What limits the latent GAN on MOSES: the SELFIES autoencoder, measured on its own.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/molecule_autoencoder.py \
        [--limit 50000] [--ae-steps 1500] [--temperatures 1.0 0.7 0.5 0] [-n 2000]

Pretrains (or reuses from ``$GENFORGE_CACHE``: the same key as ``molecule_moses.py``
with the same ``--limit``/``--ae-*`` options) the autoencoder ``latentgan`` builds,
then prints held-out token accuracy and exact reconstruction, and for each decoding
temperature (0 = greedy) the MOSES figures of molecules decoded from two kinds of
codes: the codes of held-out MOSES test molecules (the autoencoder's ceiling), and
codes drawn from a Gaussian with the training codes' mean and covariance (what a GAN
that matched the codes' first two moments would give). FCD/Test against MOSES's
bundled test statistics and Filters (MCF + PAINS + rings >= 8 + charges + elements)
with MOSES's own code; validity here has no repair.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch


def moses_figures(smiles: list[str | None], ptest: dict) -> dict[str, float]:
    from genforge_molecule.moses_metrics import import_moses_metrics

    import_moses_metrics()
    from moses.metrics.metrics import FCDMetric, fraction_passes_filters

    valid = [s for s in smiles if s]
    return {"valid": len(valid) / len(smiles), "unique": len(set(valid)) / max(1, len(valid)),
            "FCD/Test": float(FCDMetric(n_jobs=1, device="cpu")(gen=valid, pref=ptest["FCD"])),
            "Filters": float(fraction_passes_filters(valid, n_jobs=1))}


def print_qm9_reconstruction(codec, n: int) -> None:
    """How well an autoencoder fits QM9: coverage of its vocabulary and greedy exact reconstruction."""
    from genforge_molecule.autoencoder_pretraining import coverage_problem, selfies_tokens
    from genforge_molecule.corpus import load_qm9
    from genforge_molecule.latentgan import training_codes

    smiles = load_qm9(None, {"limit": n}).train.smiles
    tokens = selfies_tokens(smiles)
    index = set(codec.vocabulary.tokens)
    covered = [s for s, t in zip(smiles, tokens) if t and all(x in index for x in t)]
    sample, codec.sample = codec.sample, False
    decoded = [s for s, _ in codec.vocabulary.decode(codec.decode_ids(training_codes(codec, covered)))]
    codec.sample = sample
    exact = np.mean([a == b for a, b in zip(decoded, covered)])
    print(f"QM9: {len(covered):,} of {len(smiles):,} molecules covered by the vocabulary "
          f"({coverage_problem(codec, tokens) or 'all'}); greedy exact reconstruction {exact:.3f}", flush=True)


def train_bundled(args: argparse.Namespace) -> int:
    """The shipped autoencoder (``--ship PATH``): trained on the first ``--limit`` MOSES training
    molecules for ``--ae-steps`` steps or ``--cpu-seconds`` of CPU, whichever comes first; the
    weights are stored as fp16 with the provenance in ``summary``."""
    from genforge_molecule.autoencoder_pretraining import PRETRAIN_DEFAULTS, selfies_tokens, train_autoencoder
    from genforge_molecule.datasets import read_moses
    from genforge_molecule.latent_codec import LatentCodec
    from genforge_molecule.selfies_vocabulary import SelfiesVocabulary
    from genforge import save_atomic
    from genforge_molecule.autoencoder_pretraining import BUNDLED_FORMAT

    smiles = [s for _, s in read_moses("train", args.limit)]
    tokens = [t for t in selfies_tokens(smiles) if t]
    vocabulary = SelfiesVocabulary.from_tokens(tokens)
    vocabulary.max_length += args.length_margin  # room for longer user molecules
    codec = LatentCodec(vocabulary, {"code_dim": args.code_dim, "hidden": args.hidden, "embedding": args.embedding})
    options = {**PRETRAIN_DEFAULTS, "ae_steps": args.ae_steps, "ae_batch_size": args.ae_batch_size,
               "ae_lr": args.ae_lr, "ae_max_seconds": args.cpu_seconds}
    summary = train_autoencoder(codec, vocabulary.encode(tokens), options, 0, print)
    codec.keep_weights()
    codec.weights = {k: v.half() for k, v in codec.weights.items()}
    codec.summary = {**summary, "training_molecules": float(len(tokens))}
    save_atomic(codec.to_state(), args.ship, tag=BUNDLED_FORMAT)
    print(f"wrote {args.ship} ({args.ship.stat().st_size / 1e6:.1f} MB): {codec.summary}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ship", type=Path, help="train the bundled autoencoder and write it here")
    ap.add_argument("--cpu-seconds", type=float, default=0.0, help="with --ship: CPU-time cap (0: none)")
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--code-dim", type=int, default=64)
    ap.add_argument("--embedding", type=int, default=32)
    ap.add_argument("--length-margin", type=int, default=8)
    ap.add_argument("--limit", type=int, default=50_000)
    ap.add_argument("--ae-steps", type=int, default=1500)
    ap.add_argument("--ae-batch-size", type=int, default=128)
    ap.add_argument("--ae-lr", type=float, default=2e-3)
    ap.add_argument("--temperatures", type=float, nargs="+", default=[1.0, 0.7, 0.5, 0.0])
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("--bundled", action="store_true",
                    help="measure the shipped autoencoder (no pretraining); --limit then only picks the training codes")
    ap.add_argument("--noise", type=float, nargs="*", default=[],
                    help="also decode test codes + Gaussian noise of these standard deviations (clamped to [-1, 1])")
    ap.add_argument("--qm9", type=int, default=0, help="also print the exact greedy reconstruction of N QM9 molecules")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.ship:
        return train_bundled(args)
    from genforge_molecule.autoencoder_pretraining import (PRETRAIN_DEFAULTS, fit_codec, load_bundled_codec,
                                                           selfies_tokens)
    from genforge_molecule.corpus import load_moses
    from genforge_molecule.latentgan import LATENTGAN_DEFAULTS, codec_options, training_codes
    from genforge_molecule.moses_metrics import import_moses_metrics

    import_moses_metrics()
    from moses.dataset import get_statistics

    corpus = load_moses(None, {"limit": args.limit})
    options = {**LATENTGAN_DEFAULTS, "ae_steps": args.ae_steps, "ae_molecules": args.limit,
               "ae_batch_size": args.ae_batch_size, "ae_lr": args.ae_lr}
    started, cpu = time.perf_counter(), time.process_time()
    codec = (load_bundled_codec() if args.bundled else
             fit_codec(corpus.train.smiles, codec_options(options), {k: options[k] for k in PRETRAIN_DEFAULTS}, 0))
    print(f"autoencoder: {time.perf_counter() - started:.0f}s wall, {time.process_time() - cpu:.0f}s CPU here; "
          f"summary {codec.summary}")
    index = set(codec.vocabulary.tokens)
    test = [s for s, t in zip(corpus.test_smiles, selfies_tokens(corpus.test_smiles))
            if t and all(x in index for x in t)][: args.n]
    test_codes = training_codes(codec, test)
    train_codes = training_codes(codec, corpus.train.smiles[:20_000])
    mean, cov = train_codes.mean(0), torch.cov(train_codes.T)
    gauss = torch.distributions.MultivariateNormal(mean, cov + 1e-5 * torch.eye(len(mean)))
    prior_codes = gauss.sample((args.n,)).clamp(-1, 1)
    if args.qm9:
        print_qm9_reconstruction(codec, args.qm9)
    ptest = get_statistics("test")
    print(f"\n{'codes':10s} {'T':>5s} {'valid':>6s} {'unique':>6s} {'exact':>6s} {'FCD/Test':>8s} {'Filters':>7s}")
    for t in args.temperatures:
        codec.sample, codec.temperature = t > 0, t or 1.0
        noisy = [(f"test+{sd:g}", (test_codes + sd * torch.randn(test_codes.shape,
                                                                    generator=torch.Generator().manual_seed(1))
                                   ).clamp(-1, 1)) for sd in args.noise]
        for name, codes in (("test", test_codes), ("gaussian", prior_codes), *noisy):
            decoded = [s for s, _ in codec.vocabulary.decode(codec.decode_ids(codes))]
            figures = moses_figures(decoded, ptest)
            exact = (np.mean([a == b for a, b in zip(decoded, test)]) if name == "test" else float("nan"))
            print(f"{name:10s} {t:5.2f} {figures['valid']:6.3f} {figures['unique']:6.3f} {exact:6.3f} "
                  f"{figures['FCD/Test']:8.2f} {figures['Filters']:7.3f}", flush=True)
    print(f"\n(MOSES anchors: LatentGAN FCD/Test 0.296, Filters 0.973; CharRNN 0.073 / 0.994; "
          f"{args.n} samples, so FCD carries a small-sample bias)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
