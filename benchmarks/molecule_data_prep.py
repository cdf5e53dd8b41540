"""What preparing MOSES for ``latentgan`` costs, stage by stage: time, rate and peak RSS.

    .venv/bin/python benchmarks/molecule_data_prep.py [--limit 20000] [--threads 1] [--codes-only]

First the SMILES-only path (dataset option ``codes``, :mod:`genforge_molecule.code_corpus`:
streamed, checked and tokenized in the worker pool while this process encodes, cached; run
here with an empty cache): molecules per CPU-second of this process plus its workers, and peak
RSS of both. Then, unless ``--codes-only``, the graph path it replaces, on the same molecules:

Stages, as ``genforge train molecule --dataset moses --model latentgan`` runs them:
reading the training SMILES (all 1,584,663: the file is read whole), featurising
``--limit`` of them into graphs (``parse_molecules``, worker pool), SELFIES tokens, and
encoding them to 64-d codes with the bundled autoencoder (``training_codes``). Prints
each stage's wall and CPU seconds (this process; the workers' CPU is not in it), its rate,
the peak RSS after it, and the extrapolation of each rate to the full training set.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import torch

FULL = 1_584_663


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def worker_peak_rss_mb() -> float:
    """The largest peak RSS (VmHWM) among the worker pool's live processes."""
    from genforge_molecule.worker_pool import worker_pids

    peaks = [0.0]
    for pid in worker_pids():
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks)


def codes_path(limit: int) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as cache:
        os.environ["GENFORGE_CACHE"] = cache
        from genforge_molecule.corpus import load_moses

        corpus = load_moses(None, {"codes": True, "limit": limit})
        t = corpus.train.timing
        cpu = t["cpu_s_main"] + t["cpu_s_workers"]
        print(f"SMILES-only codes: {int(t['molecules_read']):,} read, {len(corpus.train.smiles):,} encoded in "
              f"{t['wall_s']:.1f} s wall, {cpu:.1f} CPU-s ({t['cpu_s_main']:.1f} here + {t['cpu_s_workers']:.1f} "
              f"workers): {t['molecules_read'] / cpu:,.0f} molecules/CPU-s; peak RSS {peak_rss_mb():,.0f} MB here, "
              f"{worker_peak_rss_mb():,.0f} MB largest worker; full set at this rate: "
              f"{FULL / (t['molecules_read'] / cpu) / 3600:.2f} CPU-h", flush=True)
        for line in corpus.train.report.lines():
            print("   ", line)
        del os.environ["GENFORGE_CACHE"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=20_000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--codes-only", action="store_true", help="only the SMILES-only path")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    from genforge_molecule.autoencoder_pretraining import load_bundled_codec, selfies_tokens
    from genforge_molecule.datasets import read_moses
    from genforge_molecule.latentgan import training_codes
    from genforge_molecule.loading import parse_molecules

    rows = []
    codes_path(args.limit)
    if args.codes_only:
        return 0

    def stage(name: str, n: int, work):
        wall, cpu = time.perf_counter(), time.process_time()
        out = work()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        rows.append((name, n, wall, cpu, peak_rss_mb()))
        print(f"{name:34s} {n:>9,} in {wall:7.1f} s wall {cpu:7.1f} CPU-s  {n / wall:9,.0f}/s  "
              f"peak RSS {rows[-1][4]:7,.0f} MB  (full set: {FULL / (n / wall) / 60:6.1f} min)", flush=True)
        return out

    records = stage("read MOSES train SMILES", FULL, lambda: read_moses("train"))
    smiles = [s for _, s in records[: args.limit]]
    del records
    stage("featurise graphs (parse_molecules)", len(smiles),
          lambda: parse_molecules([(str(k), s) for k, s in enumerate(smiles)], source="moses train"))
    stage("SELFIES tokens", len(smiles), lambda: selfies_tokens(smiles))
    codec = load_bundled_codec()
    codes = stage("encode to codes (bundled AE)", len(smiles), lambda: training_codes(codec, smiles))
    print(f"codes {tuple(codes.shape)} {codes.dtype}: {codes.element_size() * codes.nelement() / 2**20:.1f} MB "
          f"({codes.element_size() * codes.shape[1] * FULL / 2**20:.0f} MB for the full set)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
