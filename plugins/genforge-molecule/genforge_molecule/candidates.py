"""Candidates for a chemist: a ranked table of molecules and the files it is written as.

:func:`candidate_table` turns SMILES (and, optionally, a scoring function's scores)
into a pandas table: ``smiles``, ``name``, ``score`` and every component's
desirability, the properties (QED, SA, logP, MW, TPSA, HBD, HBA, rotatable bonds),
the PAINS / Brenk alerts each molecule raises, and ``novel`` (absent from the
user's own library). :func:`write_candidates` writes it as CSV, Parquet or SDF
(optionally with ETKDG 3-D conformers) and a grid PNG of the top molecules with
their scores; every file goes to a temporary name first and is renamed.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
from rdkit import Chem

from genforge.errors import UserInputError
from genforge_molecule.objectives.components import DESCRIPTORS, alert_names, filter_catalog
from genforge_molecule.objectives.scoring import Scores

TABLE_SUFFIXES = (".csv", ".parquet", ".sdf")
ALERT_CATALOGS = ("PAINS", "BRENK")


def candidate_table(smiles: Sequence[str], scores: Scores | None = None,
                    exclude: set[str] | frozenset[str] = frozenset(), prefix: str = "gen") -> pd.DataFrame:
    """One row per molecule, in the given order (ranked when ``scores`` ranked them)."""
    mols = [Chem.MolFromSmiles(s) for s in smiles]
    catalog = filter_catalog(ALERT_CATALOGS)
    table = pd.DataFrame({"smiles": list(smiles), "name": [f"{prefix}-{k + 1:06d}" for k in range(len(smiles))]})
    if scores is not None:
        table["score"] = scores.total
        for name, values in scores.components.items():
            table[f"score_{name}"] = values
    for name, fn in DESCRIPTORS.items():
        table[name] = [float(fn(m)) for m in mols]
    alerts = [alert_names(catalog, m) for m in mols]
    table["alerts"] = ["; ".join(a) for a in alerts]
    table["alert_count"] = [len(a) for a in alerts]
    table["novel"] = [s not in exclude for s in smiles]
    return table


def rank(smiles: Sequence[str], scores: Scores, top: int) -> tuple[list[str], Scores]:
    """The ``top`` best-scoring distinct molecules (unscored ones last), best first."""
    order = np.argsort(-np.nan_to_num(scores.total, nan=-1.0), kind="stable")
    seen, keep = set(), []
    for k in order:
        s = smiles[k]
        if s is None or s in seen or np.isnan(scores.total[k]):
            continue
        seen.add(s)
        keep.append(int(k))
        if len(keep) == top:
            break
    pick = lambda a: np.asarray(a)[keep]  # noqa: E731
    return [smiles[k] for k in keep], Scores([smiles[k] for k in keep], pick(scores.total),
                                             {n: pick(v) for n, v in scores.components.items()},
                                             {n: pick(v) for n, v in scores.raw.items()})


def read_library(path: Path) -> set[str]:
    """Canonical SMILES of a user's library (``--exclude``); unparsable lines are ignored but counted."""
    from genforge_molecule.loading import read_records

    out, bad = set(), 0
    for _, text in read_records(Path(path)):
        mol = Chem.MolFromSmiles(text) if text else None
        if mol is None:
            bad += text != ""
            continue
        Chem.RemoveStereochemistry(mol)
        out.add(Chem.MolToSmiles(mol))
    if not out:
        raise UserInputError(f"{path}: no valid molecule to exclude ({bad} unparsable lines)")
    if bad:
        print(f"--exclude {path}: {len(out)} molecules read, {bad} unparsable lines ignored")
    return out


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.partial")


def write_table(table: pd.DataFrame, path: Path, conformers: bool = False, seed: int = 0) -> Path:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise UserInputError(f"{path}: candidates are written as {', '.join(TABLE_SUFFIXES)}, not {suffix or 'no suffix'}")
    partial = _temporary(path)
    if suffix == ".csv":
        table.to_csv(partial, index=False, float_format="%.4f")
    elif suffix == ".parquet":
        table.to_parquet(partial, index=False)
    else:
        _write_sdf(table, partial, conformers, seed)
    os.replace(partial, path)
    return path


def _write_sdf(table: pd.DataFrame, path: Path, conformers: bool, seed: int) -> None:
    from rdkit.Chem import AllChem

    writer = Chem.SDWriter(str(path))
    for row in table.itertuples(index=False):
        mol = Chem.MolFromSmiles(row.smiles)
        if conformers:
            mol = Chem.AddHs(mol)
            params = AllChem.ETKDGv3()
            params.randomSeed = seed
            if AllChem.EmbedMolecule(mol, params) == 0:
                AllChem.MMFFOptimizeMolecule(mol)
            else:  # no 3-D embedding found: keep 2-D coordinates, say so in the record
                mol = Chem.RemoveHs(mol)
                mol.SetProp("conformer", "ETKDG failed; 2-D coordinates")
        mol.SetProp("_Name", str(row.name))
        for column, value in zip(table.columns, row):
            if column in ("smiles", "name"):
                continue
            mol.SetProp(column, f"{value:.4f}" if isinstance(value, float) else str(value))
        mol.SetProp("smiles", row.smiles)
        writer.write(mol)
    writer.close()


def write_grid(table: pd.DataFrame, path: Path, count: int = 24, per_row: int = 6) -> Path:
    """A PNG grid of the first ``count`` molecules, each labelled with its name and score."""
    from rdkit.Chem import Draw

    rows = table.head(count)
    legends = [f"{r['name']}" + (f"  {r['score']:.3f}" if "score" in rows.columns else f"  QED {r['qed']:.2f}")
               for _, r in rows.iterrows()]
    image = Draw.MolsToGridImage([Chem.MolFromSmiles(s) for s in rows["smiles"]], molsPerRow=per_row,
                                 subImgSize=(250, 220), legends=legends)
    path = Path(path)
    partial = _temporary(path)
    image.save(partial, format="PNG")
    os.replace(partial, path)
    return path
