"""The ``molecule`` domain: molecules in, dense graphs to the engine, molecules out."""
from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import numpy as np
import torch
from torch.nn import functional as F

from genforge.domain import Batch, Domain, TrainingData
from genforge import did_you_mean
from genforge.errors import UserInputError
from genforge_molecule.corpus import MoleculeCorpus
from genforge_molecule.decoding import fix_valences, submit_smiles
from genforge_molecule.metrics import MoleculeReference
from genforge_molecule.properties import PROPERTIES, property_table
from genforge_molecule.samples import MoleculeSamples
from genforge_molecule.schema import MoleculeSchema
from genforge_molecule.latent_codec import decode_rows
from genforge_molecule.worker_pool import map_slices, submit_slices

REAL_SAMPLES = 2000
#: ``--condition NAME=X`` keeps molecules with NAME >= X (NAME <= X for sa); ``NAME=LO:HI`` a range
HIGHER_IS_BETTER = {"qed": True, "logp": True, "weight": True, "sa": False}
MAX_ATTEMPTS = 50  # rejection sampling gives up after generating 50 x n molecules


class MoleculeTrainingData(TrainingData):
    """Dense one-hot graphs of the training molecules, sampled uniformly."""

    def __init__(self, corpus: MoleculeCorpus, seed: int):
        self.schema: MoleculeSchema = corpus.train.schema
        self._train = corpus.train
        self._dense: tuple[torch.Tensor, torch.Tensor] | None = None
        self.smiles = corpus.train.smiles
        self.schema.training_smiles = self.smiles  # for a latent model's autoencoder
        self.size = len(self.smiles)
        self.report = corpus.train.report
        self.reference = MoleculeReference(set(self.smiles), list(corpus.test_smiles))
        pick = torch.randperm(self.size, generator=torch.Generator().manual_seed(seed))[:REAL_SAMPLES]
        self.real_samples = MoleculeSamples([self.smiles[k] for k in pick.tolist()])

    def batch(self, batch_size: int, rng: torch.Generator) -> Batch:
        """Codes of training molecules once a latent model is built, else dense one-hot graphs."""
        codes = self.schema.training_codes
        if codes is not None:
            return Batch(real=codes[torch.randint(0, len(codes), (batch_size,), generator=rng)])
        if self._dense is None:
            self._dense = self._train.dense()
        nodes, edges = self._dense
        idx = torch.randint(0, self.size, (batch_size,), generator=rng)
        return Batch(real=(F.one_hot(nodes[idx].long(), self.schema.node_types).float(),
                           F.one_hot(edges[idx].long(), self.schema.edge_types).float()))


def submit_decode_codes(codes: torch.Tensor, schema: MoleculeSchema) -> Callable[[], MoleculeSamples]:
    """Latent codes -> greedy SELFIES ids (here) -> canonical SMILES (in the workers)."""
    vocabulary = schema.latent.vocabulary
    ids = schema.latent.decode_ids(codes)
    pending = submit_slices(decode_rows, len(ids), (ids,), (vocabulary,), min_parallel=2000)

    def result() -> MoleculeSamples:
        rows = pending()
        return MoleculeSamples([s for s, _ in rows], reasons=[r for _, r in rows])
    return result


def decode_graphs(output: tuple[torch.Tensor, torch.Tensor], schema: MoleculeSchema,
                  workers: int | None = None) -> MoleculeSamples:
    """Generator output (soft or one-hot node/edge types) -> canonical SMILES + raw validity."""
    return submit_decode(output, schema, workers)()


def submit_decode(output: tuple[torch.Tensor, torch.Tensor], schema: MoleculeSchema,
                  workers: int | None = None) -> Callable[[], MoleculeSamples]:
    """:func:`decode_graphs` (or, for a latent model, :func:`submit_decode_codes`) with the
    SMILES work left running in the workers; call the result for the samples."""
    if schema.latent is not None:
        return submit_decode_codes(output, schema)
    graphs = fix_valences(output, schema)
    pending = submit_smiles(graphs, schema.atom_types, workers)
    return lambda: MoleculeSamples(*pending())


def latentgan_training(args: Any) -> dict[str, Any]:
    """The keys of :data:`~genforge_molecule.latentgan.LATENTGAN_TRAINING` that neither the command
    line (``--steps``, ``--epochs``, ``--batch-size``) nor the ``--config`` file sets; none on ``--resume``
    (the run's saved settings stand)."""
    from genforge.config import read_toml
    from genforge_molecule.latentgan import LATENTGAN_TRAINING

    if getattr(args, "resume", False):
        return {}
    given = set(read_toml(Path(args.config))) if getattr(args, "config", None) else set()
    given |= {k for k in ("steps", "epochs", "batch_size") if getattr(args, k, None) is not None}
    if "epochs" in given:
        given.add("steps")
    return {k: v for k, v in LATENTGAN_TRAINING.items() if k not in given}


def parse_property_conditions(conditions: dict[str, str]) -> list[tuple[str, float, float]]:
    """``{"qed": "0.7", "logp": "1:3"}`` -> ``[(name, low, high)]``."""
    out = []
    for name, text in conditions.items():
        if name not in HIGHER_IS_BETTER:
            raise UserInputError(f"--condition {name}={text}: unknown property{did_you_mean(name, HIGHER_IS_BETTER)}; use one of "
                                 f"{', '.join(HIGHER_IS_BETTER)} (e.g. qed=0.7, sa=3, logp=1:3)")
        try:
            if ":" in text:
                lo, hi = (float(v) if v.strip() else math.inf * (1 if k else -1)
                          for k, v in enumerate(text.split(":", 1)))
            else:
                value = float(text)
                lo, hi = (value, math.inf) if HIGHER_IS_BETTER[name] else (-math.inf, value)
        except ValueError:
            raise UserInputError(f"--condition {name}={text}: expected a number or LOW:HIGH") from None
        out.append((name, lo, hi))
    return out


def _keep_mask(smiles: list[str | None], ranges: list[tuple[str, float, float]]) -> list[bool]:
    valid = [s for s in smiles if s is not None]
    table = property_table(valid, [name for name, _, _ in ranges])
    ok = iter([all(lo <= table[name][k] <= hi for name, lo, hi in ranges) for k in range(len(valid))])
    return [False if s is None else next(ok) for s in smiles]


def _property_rows(smiles: list[str]) -> list[list[float]]:
    table = property_table(smiles)
    return [[table[p][k] for p in PROPERTIES] for k in range(len(smiles))]


class MoleculeDomain(Domain):
    name = "molecule"
    description = "graph-based molecule generation (MolGAN-class) with torch-geometric and RDKit"
    default_dataset = "qm9"
    default_model = "molgan"
    default_loss = "wgan-gp"
    sample_suffix = ".smi"
    # Measured on QM9 (benchmarks/molecule_qm9.py): uniqueness and novelty fall and FCD
    # first falls, then rises again as training goes on (the generator drifts toward the
    # training molecules); with lr 2e-4 and an EMA generator the three meet the targets
    # together around 1,500 steps of 64 graphs (lr 1e-3 or longer runs: novelty < 0.85).
    train_defaults = {"steps": 1500, "batch_size": 64, "lr_g": 2e-4, "lr_d": 2e-4,
                      "betas_g": (0.5, 0.9), "betas_d": (0.5, 0.9), "n_critic": 2, "ema_decay": 0.999,
                      "temperature_start": 1.0, "temperature_end": 1.0, "eval_samples": 2000}

    def add_train_arguments(self, parser: Any) -> None:
        parser.add_argument("--objective", type=Path, default=None,
                            help="steer a latentgan training toward this TOML objective file (feedback GAN "
                                 "with a scaffold memory; its max_calls bounds the scoring calls, default 10000)")

    def train_overrides(self, args: Any) -> dict[str, Any]:
        """``--objective``; for ``--model latentgan`` its training settings (:func:`latentgan_training`)
        and with the bundled autoencoder dataset option ``codes = true`` (SMILES -> codes, no graphs:
        :mod:`genforge_molecule.code_corpus`)."""
        overrides: dict[str, Any] = latentgan_training(args) if getattr(args, "model", None) == "latentgan" else {}
        options = [str(o).replace(" ", "") for o in getattr(args, "option", None) or []]
        dataset_options = [str(o).replace(" ", "") for o in getattr(args, "dataset_option", None) or []]
        if (getattr(args, "model", None) == "latentgan" and "autoencoder=train" not in options
                and not any(o.startswith("codes=") for o in dataset_options)):
            overrides["dataset_options"] = {"codes": True}
        objective = getattr(args, "objective", None)
        if objective is None:
            return overrides
        if not Path(objective).is_file():
            raise UserInputError(f"--objective {objective}: no such file")
        return {**overrides, "model_options": {"objective": str(Path(objective).resolve())}}

    def prepare(self, raw: MoleculeCorpus, options: dict[str, Any], seed: int) -> MoleculeTrainingData:
        return MoleculeTrainingData(raw, seed)

    def schema_state(self, schema: MoleculeSchema) -> dict[str, Any]:
        return schema.to_state()

    def schema_from_state(self, state: dict[str, Any]) -> MoleculeSchema:
        return MoleculeSchema.from_state(state)

    def reference_state(self, reference: MoleculeReference) -> dict[str, Any]:
        return {"train_smiles": sorted(reference.train_smiles), "test_smiles": list(reference.test_smiles)}

    def reference_from_state(self, state: dict[str, Any], schema: MoleculeSchema) -> MoleculeReference:
        return MoleculeReference(set(state["train_smiles"]), list(state["test_smiles"]))

    def decode(self, output: Any, schema: MoleculeSchema) -> MoleculeSamples:
        return submit_decode(output, schema)()

    def concat(self, chunks) -> MoleculeSamples:
        return MoleculeSamples.concat(list(chunks))

    def sample_chunks(self, generate: Callable[[int, Any], Any], schema: MoleculeSchema, n: int,
                      conditions: dict[str, str], rng: torch.Generator,
                      chunk_size: int = 10_000) -> Iterator[MoleculeSamples]:
        """Decoded chunks; with ``--condition`` only valid molecules in the property ranges
        (rejection sampling, at most ``MAX_ATTEMPTS * n`` generated)."""
        ranges = parse_property_conditions(conditions)
        if not ranges:
            yield from self._pipelined_chunks(generate, schema, n, chunk_size)
            return
        done = generated = 0
        while done < n and generated < MAX_ATTEMPTS * n:
            samples = self.decode(generate(chunk_size, None), schema)
            generated += chunk_size
            keep = map_slices(_keep_mask, len(samples.smiles), (samples.smiles,), (ranges,), min_parallel=2000)
            idx = [i for i, good in enumerate(keep) if good][: n - done]
            samples = samples.subset(idx)
            done += len(samples)
            yield samples

    def _pipelined_chunks(self, generate: Callable[[int, Any], Any], schema: MoleculeSchema, n: int,
                          chunk_size: int) -> Iterator[MoleculeSamples]:
        """Chunk k+1 is generated and valence-fixed while the workers write chunk k's SMILES."""
        pending, done = None, 0
        while done < n:
            k = min(chunk_size, n - done)
            submitted = submit_decode(generate(k, None), schema)
            if pending is not None:
                yield pending()
            pending, done = submitted, done + k
        if pending is not None:
            yield pending()

    def write_samples(self, chunks: Iterable[MoleculeSamples], path: Path) -> int:
        """Valid molecules to ``.smi`` (one SMILES a line), ``.csv`` (SMILES and QED, SA,
        logP, weight) or ``.sdf`` (2-D coordinates, same properties); returns how many.
        Streams chunk by chunk, with progress lines and the throughput on stderr."""
        from genforge_molecule.sample_stream import SampleTally, tallied

        chunks = tallied(chunks, SampleTally())
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".smi", ".txt", ".csv", ".sdf"):
            raise UserInputError(f"{path}: molecules are written as .smi, .csv or .sdf, not {suffix or 'no suffix'}")
        from genforge.output_files import atomic_open, atomic_path

        count = 0
        if suffix == ".sdf":
            from rdkit import Chem
            with atomic_path(path) as partial:
                writer = Chem.SDWriter(str(partial))
                for chunk in chunks:
                    for s, row in zip(chunk.valid, map_slices(_property_rows, len(chunk.valid), (chunk.valid,))):
                        mol = Chem.MolFromSmiles(s)
                        mol.SetProp("_Name", s)
                        for name, value in zip(PROPERTIES, row):
                            mol.SetDoubleProp(name, value)
                        writer.write(mol)
                        count += 1
                writer.close()
            return count
        with atomic_open(path, "w", newline="") as handle:
            table = csv.writer(handle) if suffix == ".csv" else None
            if table is not None:
                table.writerow(["smiles", *PROPERTIES])
            for chunk in chunks:
                if table is None:
                    handle.writelines(s + "\n" for s in chunk.valid)
                else:
                    rows = map_slices(_property_rows, len(chunk.valid), (chunk.valid,))
                    table.writerows([s, *(f"{v:.4f}" for v in row)] for s, row in zip(chunk.valid, rows))
                count += len(chunk.valid)
        return count

    def add_sample_arguments(self, parser: Any) -> None:
        from genforge_molecule.sample_command import add_domain_arguments
        add_domain_arguments(parser)

    def sample_command(self, args: Any) -> int | None:
        from genforge_molecule.sample_command import sample_command
        return sample_command(args)

    def sample_summary(self, samples: MoleculeSamples, schema: MoleculeSchema) -> list[str]:
        """Validity, uniqueness and the rejected graphs (``genforge sample`` prints these)."""
        n, valid = len(samples), len(samples.valid)
        raw = int(samples.raw_valid.sum())
        return [f"validity {valid / max(n, 1):.3f} ({valid:,} of {n:,} graphs), uniqueness "
                f"{len(samples.unique_valid) / max(valid, 1):.3f} ({len(samples.unique_valid):,} unique)",
                f"rejected {n - valid:,}: no valid molecule even after valence-aware decoding; "
                f"repaired by decoding {max(valid - raw, 0):,} (valid as drawn: {raw:,})"]

    def diversity(self, samples: MoleculeSamples, schema: MoleculeSchema) -> float | None:
        from genforge_molecule.metrics import uniqueness
        return uniqueness(samples)

    def report(self, samples: MoleculeSamples, reference: MoleculeReference, out_dir: Path) -> list[Path]:
        from genforge_molecule.drawing import molecule_grid, property_histograms

        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        if not samples.valid:
            return []
        train = sorted(reference.train_smiles)
        pick = np.random.default_rng(0).choice(len(train), min(2000, len(train)), replace=False)
        ref_props = property_table([train[k] for k in pick], ["qed", "sa", "logp"])
        gen_props = {k: samples.unique_properties[k] for k in ("qed", "sa", "logp")}
        return [molecule_grid(samples.valid, out_dir / "molecules.png"),
                property_histograms(gen_props, ref_props, out_dir / "properties.png")]

    def demo(self, out_dir: Path, seed: int) -> list[str]:
        from genforge_molecule.demo import run_demo
        return run_demo(Path(out_dir), seed)
