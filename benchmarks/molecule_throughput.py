"""Sampling throughput of the latent GAN: valid unique canonical SMILES per second.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/molecule_throughput.py RUN [-n 100000]
        [--precision fp32 bf16] [--repeats 3] [--stream 200000 1000000]

Samples ``-n`` molecules from a trained ``latentgan`` run the way ``genforge sample`` does
(generator and GRU decoding in this process, SELFIES -> SMILES -> RDKit canonical SMILES
in the worker pool, chunk k+1 decoded while the workers write chunk k), and prints:

for each decoding precision (model option ``decode_precision``; fp32 is the default, bf16
gives other samples):

* the wall-clock figure with ``GENFORGE_WORKERS`` workers (all cores by default);
* the CPU seconds per molecule of each stage, measured on one core, and the figure two
  idle cores would give when the stages share them (``2 / total CPU per molecule``):
  on a shared machine the wall figure understates the code, this one does not; beside it
  the same stage with ``selfies.decoder`` (the reference derivation) in the same run;
* with ``--stream N ...``: ``genforge sample RUN -n N --out FILE.smi`` run as a command,
  its wall time, throughput and peak RSS (its own last progress line).

Target (issue 19): >= 5,000 valid unique canonical drug-like SMILES/s on 2 cores.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import torch


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("run", type=Path, help="a latentgan run folder (genforge train molecule --model latentgan)")
    ap.add_argument("-n", type=int, default=100_000)
    ap.add_argument("--stage-n", type=int, default=20_000, help="molecules for the per-stage CPU figures")
    ap.add_argument("--precision", nargs="+", default=["fp32", "bf16"], choices=["fp32", "bf16"],
                    help="decoding precisions to measure (model option decode_precision)")
    ap.add_argument("--repeats", type=int, default=3, help="stage timings: the least of this many runs")
    ap.add_argument("--stream", type=int, nargs="*", default=[], help="also stream N molecules to a .smi file")
    args = ap.parse_args()
    torch.set_num_threads(1)
    from genforge import TrainedGAN
    from genforge_molecule.worker_pool import cpu_workers

    run = TrainedGAN.load(args.run, domain="molecule")
    codec = run.schema.latent
    if codec is None:
        raise SystemExit(f"{args.run} is not a latentgan run")
    run.sample(2000, seed=0)  # warm-up: worker pool started, ChemNet-free
    for precision in args.precision:
        codec.precision = precision
        started = time.perf_counter()
        samples = run.sample(args.n, seed=1)
        wall = time.perf_counter() - started
        unique = len(set(samples.valid))
        print(f"[{precision}] {args.n:,} sampled in {wall:.1f}s wall with {cpu_workers()} worker processes "
              f"(load average {os.getloadavg()[0]:.1f}): {unique / wall:,.0f} valid unique canonical SMILES/s "
              f"(raw validity {samples.raw_valid.mean():.4f}, {unique:,} unique)")
    for precision in args.precision:
        codec.precision = precision
        stage_figures(run, codec, args.stage_n, precision, args.repeats)
    for n in args.stream:
        stream(args.run, n)
    return 0


def stage_figures(run, codec, n: int, precision: str, repeats: int) -> None:
    """CPU per molecule of each stage on one core (the least of ``repeats`` runs: on a shared
    machine the others include time lost to neighbours), and what two idle cores would give."""
    from genforge_molecule.latent_codec import decode_rows

    gru = smiles = float("inf")
    for _ in range(repeats):
        with run.sampling_model() as model:
            z = model.noise(n, torch.Generator().manual_seed(2))
            cpu = time.process_time()
            with torch.no_grad():
                codes = model.generate(z)
            ids = codec.decode_ids(codes)
            gru = min(gru, (time.process_time() - cpu) / n)
        cpu = time.process_time()
        rows = decode_rows(ids, codec.vocabulary)
        smiles = min(smiles, (time.process_time() - cpu) / n)
    derive, reference, same = derivation_costs(ids, codec.vocabulary, rows)
    share = len({s for s, _ in rows if s}) / n
    total = gru + smiles
    print(f"[{precision}] CPU per molecule on one core: generator + GRU decoding {gru * 1e3:.3f} ms, SELFIES -> "
          f"canonical SMILES {smiles * 1e3:.3f} ms (of which the SELFIES derivation {derive * 1e3:.3f} ms; with "
          f"selfies.decoder instead {reference * 1e3:.3f} ms, the same molecules: {same}) "
          f"(mean {(ids > 2).sum(1).mean():.1f} tokens); two idle cores: "
          f"{2 * share / total:,.0f} valid unique canonical SMILES/s (target 5,000)")


def derivation_costs(ids, vocabulary, rows, n: int = 3000) -> tuple[float, float, bool]:
    """CPU per molecule of the compiled SELFIES derivation alone and of the whole conversion
    with ``selfies.decoder`` (on the first ``n`` rows), and whether both give the same SMILES."""
    import selfies
    from rdkit import Chem
    from genforge_molecule.selfies_derivation import compiled_writer

    bodies = [row[:next((k for k, t in enumerate(row) if t <= 2), len(row))] for row in ids[:n].tolist()]
    writer = compiled_writer(tuple(vocabulary.tokens))
    cpu = time.process_time()
    if writer is not None:
        [writer(b) for b in bodies]
    derive = (time.process_time() - cpu) / len(bodies)
    cpu = time.process_time()
    out = []
    for b in bodies:
        mol = Chem.MolFromSmiles(selfies.decoder("".join(vocabulary.tokens[k] for k in b))) if b else None
        out.append(Chem.MolToSmiles(mol) if mol is not None and mol.GetNumAtoms() else None)
    reference = (time.process_time() - cpu) / len(bodies)
    return derive, reference, out == [s for s, _ in rows[:n]]


def stream(run: Path, n: int) -> None:
    """``genforge sample RUN -n n --out FILE.smi`` as a command: its own last progress line."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "big.smi"
        started = time.perf_counter()
        done = subprocess.run([str(Path(sys.executable).parent / "genforge"), "sample", str(run), "-n", str(n), "--out", str(out)],
                              capture_output=True, text=True)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(done.stderr[-2000:])
        lines = sum(1 for _ in out.open())
        last = [line for line in done.stderr.splitlines() if line.startswith("sampled")][-1]
        print(f"genforge sample -n {n:,} --out big.smi: {lines:,} lines in {wall:.1f}s wall "
              f"(load average {os.getloadavg()[0]:.1f}); its report: {last}")


if __name__ == "__main__":
    sys.exit(main())
