"""The molecule part of ``genforge demo``: drug-like molecules from ``latentgan`` in about a minute.

A GAN is trained in the code space of the MOSES SELFIES autoencoder that ships with the
plugin (no autoencoder training), on 4,000 drug-like molecules of the MOSES training set
(the ``molsets`` wheel), written to a SMILES file first: the demo trains on it the way a
chemist trains on their own library. It then samples 2,000 molecules and prints the honest
figures first (valid without any repair, unique, novel, the share passing MOSES's
medicinal-chemistry filters, mean QED, each beside the training molecules' own), and ranks
them with a drug-likeness objective file (``drug_like.toml``, written beside the outputs:
the same file ``genforge sample RUN --objective`` takes) into ``candidates.csv`` and a grid
of the best with their scores.
"""
from __future__ import annotations

from pathlib import Path

#: the drug-likeness objective the demo ranks by (written to the output folder as drug_like.toml)
DRUG_LIKE_OBJECTIVE = """\
# Drug-likeness: QED, MOSES's medicinal-chemistry filters, no PAINS/Brenk structural alert,
# a MW and logP window.
# Use it on any molecule run:  genforge sample RUN -n 100 --objective drug_like.toml --out top.csv
aggregate = "geometric"

[[components]]
kind = "qed"
weight = 2

[[components]]
kind = "python"
name = "moses_filters"
function = "genforge_molecule.metrics:filter_scores"

[[components]]
kind = "alerts"
catalogs = ["PAINS", "BRENK"]

[[components]]
kind = "mw"
low = 250
high = 450
width = 50

[[components]]
kind = "logp"
low = 1
high = 4
width = 1
"""

GRID, TABLE = 12, 200


def write_training_file(path: Path, count: int) -> Path:
    """The first ``count`` MOSES training molecules as a SMILES file (temporary name, renamed)."""
    from genforge.output_files import write_text
    from genforge_molecule.datasets import read_moses

    write_text(path, "".join(f"{smiles}\n" for _, smiles in read_moses("train", count)))
    return path


def run_demo(out_dir: Path, seed: int, steps: int = 600, molecules: int = 4000, count: int = 2000) -> list[str]:
    """Train on ``molecules`` MOSES molecules for ``steps``, sample ``count``; the lines to print."""
    from rdkit import Chem
    from rdkit.Chem import QED

    from genforge import make_config, train
    from genforge.output_files import write_text
    from genforge_molecule import metrics as M
    from genforge_molecule.candidates import candidate_table, rank, write_grid, write_table
    from genforge_molecule.objectives import read_objective

    out_dir.mkdir(parents=True, exist_ok=True)
    library = write_training_file(out_dir / f"moses-train-{molecules}.smi", molecules)
    config = make_config("molecule", {"dataset": str(library), "model": "latentgan", "steps": steps, "seed": seed,
                                      "eval_samples": 500, "ema_decay": 0.99})
    result = train(config, out_dir / "run", report=lambda line: None)
    samples = result.trainer.sample(count, seed=seed)
    train_smiles = result.data.reference.train_smiles
    real_qed = sum(QED.qed(Chem.MolFromSmiles(s)) for s in sorted(train_smiles)[:500]) / 500
    objective_path = out_dir / "drug_like.toml"
    write_text(objective_path, DRUG_LIKE_OBJECTIVE)
    objective = read_objective(objective_path)
    distinct = list(dict.fromkeys(samples.valid))
    scores = objective.score(distinct)
    passing = scores.components["moses_filters"]
    ranked, top = rank(distinct, scores, TABLE)
    table = candidate_table(ranked, top)
    csv_path = write_table(table, out_dir / "candidates.csv")
    grid = write_grid(table, out_dir / "top-candidates.png", count=GRID)
    figures = (f"{100 * M.raw_validity(samples):.1f}% valid with no repair (SELFIES decoder), "
               f"{100 * M.uniqueness(samples):.1f}% unique, {100 * M.novelty(samples, train_smiles):.1f}% novel, "
               f"{100 * float(passing.mean()):.0f}% of the distinct ones pass MOSES's filters (its training set: all, "
               "by construction), "
               f"mean QED {float(scores.raw['qed'].mean()):.2f} (training molecules: {real_qed:.2f})")
    return [f"{steps} GAN steps on {len(train_smiles):,} MOSES molecules ({library.name}) in "
            f"{result.summary['wall_time']:.0f}s, in the code space of the bundled MOSES autoencoder",
            f"{count:,} samples: {figures}",
            f"candidates {csv_path}: the best {len(table)} of the {len(distinct):,} distinct molecules ranked by "
            f"{objective_path.name} (QED, MOSES filters, no PAINS/Brenk alert, MW 250-450, logP 1-4), each with its "
            f"score, every component, properties and alerts",
            f"grid {grid}: the best {GRID} by {objective_path.name}, with their scores "
            f"(from the saved run: genforge sample {out_dir / 'run'} -n {GRID} --pool {count} --objective "
            f"{objective_path} --grid top.png --out top.csv)"]
