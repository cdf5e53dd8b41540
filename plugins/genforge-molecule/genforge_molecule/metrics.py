"""Sample quality, following the MOSES definitions (Polykovskiy et al. 2020).

* validity — share of samples that decode to a valid molecule (``raw_validity``:
  share whose graph is valid as sampled, before valence-aware decoding);
* uniqueness — unique valid canonical SMILES / valid SMILES;
* novelty — unique valid SMILES absent from the training set / unique valid;
* IntDiv_p — ``1 - mean_i (mean_j T(i, j)^p)^(1/p)`` over all pairs of valid
  samples (duplicates and i = j included), T the Tanimoto similarity of Morgan
  fingerprints (radius 2, 1024 bits);
* filters — share of valid samples passing MOSES's medicinal-chemistry filters
  (MCF and PAINS SMARTS, allowed atoms C N S O F Cl Br H, no charges, no ring
  of 8 or more atoms);
* QED, SA, logP — means over the unique valid samples;
* FCD — Fréchet ChemNet Distance between valid samples and the test split
  (``fcd_torch``, which ships the ChemNet weights).
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from rdkit import Chem

from genforge_molecule.samples import MoleculeSamples

FILTER_ATOMS = {"C", "N", "S", "O", "F", "Cl", "Br", "H"}
FCD_REFERENCE_SIZE = 10_000


@dataclass
class MoleculeReference:
    """What samples are judged against: training SMILES (novelty) and the test split (FCD)."""

    train_smiles: set[str]
    test_smiles: list[str]
    _fcd_stats: Any = field(default=None, repr=False)


def validity(samples: MoleculeSamples) -> float:
    return len(samples.valid) / max(1, len(samples))


def raw_validity(samples: MoleculeSamples) -> float:
    return float(samples.raw_valid.mean()) if len(samples) else 0.0


def uniqueness(samples: MoleculeSamples) -> float:
    return len(samples.unique_valid) / len(samples.valid) if samples.valid else 0.0


def novelty(samples: MoleculeSamples, train_smiles: set[str]) -> float:
    unique = samples.unique_valid
    return sum(s not in train_smiles for s in unique) / len(unique) if unique else 0.0


def internal_diversity(samples: MoleculeSamples, p: int = 1, block: int = 4096) -> float:
    """MOSES IntDiv_p over the valid samples (NaN when there are none)."""
    fps = torch.from_numpy(samples.fingerprints).float()
    if len(fps) == 0:
        return float("nan")
    counts = fps.sum(1)
    total = torch.zeros(len(fps), dtype=torch.float64)
    for lo in range(0, len(fps), block):
        x = fps[lo:lo + block]
        inter = x @ fps.T
        union = counts[lo:lo + block, None] + counts[None, :] - inter
        sim = torch.where(union > 0, inter / union.clamp(min=1), torch.ones_like(inter))
        total[lo:lo + block] = (sim.double() ** p).mean(1)
    return float(1.0 - (total ** (1.0 / p)).mean())


@lru_cache(maxsize=1)
def _filter_patterns() -> list[Chem.Mol]:
    patterns = []
    for name, column in (("moses_mcf.csv", "smarts"), ("moses_wehi_pains.csv", "smarts")):
        text = (Path(__file__).parent / "data" / name).read_text(encoding="utf-8")
        patterns += [Chem.MolFromSmarts(row[column]) for row in csv.DictReader(text.splitlines())]
    return [p for p in patterns if p is not None]


def passes_filters(mol: Chem.Mol) -> bool:
    """MOSES ``mol_passes_filters``."""
    if mol is None:
        return False
    if any(len(ring) >= 8 for ring in mol.GetRingInfo().AtomRings()):
        return False
    if any(a.GetFormalCharge() != 0 for a in mol.GetAtoms()):
        return False
    if any(a.GetSymbol() not in FILTER_ATOMS for a in mol.GetAtoms()):
        return False
    with_h = Chem.AddHs(mol)
    return not any(with_h.HasSubstructMatch(p) for p in _filter_patterns())


def filters(samples: MoleculeSamples) -> float:
    mols = samples.valid_mols
    return sum(passes_filters(m) for m in mols) / len(mols) if mols else 0.0


def mean_property(samples: MoleculeSamples, name: str) -> float:
    values = [v for v in samples.unique_properties[name] if not math.isnan(v)]
    return float(np.mean(values)) if values else float("nan")


def fcd_available() -> bool:
    try:
        import fcd_torch  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=1)
def _fcd_model():
    from fcd_torch import FCD
    return FCD(device="cpu", n_jobs=1, batch_size=512)


def fcd_stats(smiles: Sequence[str]) -> dict[str, np.ndarray]:
    return _fcd_model().precalc(list(smiles))


def frechet_chemnet_distance(samples: Sequence[str] | MoleculeSamples, reference: MoleculeReference) -> float:
    """FCD between valid samples and (up to 10,000 molecules of) the test split.

    NaN, with a clear message from :func:`fcd_status`, when ``fcd_torch`` is not installed.
    """
    smiles = samples.valid if isinstance(samples, MoleculeSamples) else list(samples)
    if not fcd_available() or len(smiles) < 2:
        return float("nan")
    if reference._fcd_stats is None:
        reference._fcd_stats = fcd_stats(reference.test_smiles[:FCD_REFERENCE_SIZE])
    gen = fcd_stats(smiles)
    return float(_fcd_model().metric(gen, reference._fcd_stats))


def fcd_status() -> str:
    return ("fcd_torch installed (ChemNet weights shipped with it)" if fcd_available()
            else "fcd_torch is NOT installed: FCD reports NaN; pip install fcd-torch")


def filter_scores(smiles: Sequence[str]) -> list[float]:
    """1.0 for each SMILES that passes MOSES's filters, else 0.0: an objective component
    (``kind = "python"``, ``function = "genforge_molecule.metrics:filter_scores"``)."""
    mols = [Chem.MolFromSmiles(s) for s in smiles]
    return [1.0 if m is not None and passes_filters(m) else 0.0 for m in mols]
