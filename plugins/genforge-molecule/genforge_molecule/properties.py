"""RDKit property scores: QED, SA (Ertl & Schuffenhauer, RDKit Contrib ``SA_Score``), logP, weight.

``normalized`` maps each score to [0, 1] (higher is better) the way MolGAN's
reward does: SA from [1, 10] reversed, logP clipped to the MolGAN range.
"""
from __future__ import annotations

import os
import sys
from typing import Callable, Sequence

import numpy as np
from rdkit import Chem, RDConfig
from rdkit.Chem import Crippen, Descriptors, QED

_SA_DIR = os.path.join(RDConfig.RDContribDir, "SA_Score")
if _SA_DIR not in sys.path:
    sys.path.append(_SA_DIR)
import sascorer  # noqa: E402  (RDKit Contrib module, found through RDConfig)

PROPERTIES: dict[str, Callable[[Chem.Mol], float]] = {
    "qed": QED.qed,
    "sa": sascorer.calculateScore,
    "logp": Crippen.MolLogP,
    "weight": Descriptors.MolWt,
}
#: properties a reward can target, each mapped to [0, 1], higher is better
REWARDS = ("validity", "qed", "sa", "logp")
_LOGP_RANGE = (-2.12178879609, 6.0429063424)  # MolGAN's water-octanol partition normalization


def normalized(name: str, value: float) -> float:
    if name == "qed":
        return float(value)
    if name == "sa":
        return float(np.clip((10.0 - value) / 9.0, 0.0, 1.0))
    if name == "logp":
        lo, hi = _LOGP_RANGE
        return float(np.clip((value - lo) / (hi - lo), 0.0, 1.0))
    raise ValueError(f"no normalization for {name!r}")


def property_table(smiles: Sequence[str], names: Sequence[str] = tuple(PROPERTIES)) -> dict[str, list[float]]:
    """``{property: [value per SMILES]}`` (NaN where the SMILES does not parse)."""
    out: dict[str, list[float]] = {n: [] for n in names}
    for s in smiles:
        mol = Chem.MolFromSmiles(s)
        scores = {} if mol is None else _scores(mol, names)
        for n in names:
            out[n].append(float(scores.get(n, float("nan"))))
    return out


def _scores(mol: Chem.Mol, names: Sequence[str]) -> dict[str, float]:
    """The named properties of ``mol``; QED's own logP and weight are reused (the same RDKit
    calls, made once)."""
    if "qed" not in names:
        return {n: PROPERTIES[n](mol) for n in names}
    shared = QED.properties(mol)
    known = {"qed": QED.qed(mol, qedProperties=shared), "logp": shared.ALOGP, "weight": shared.MW}
    return {n: known[n] if n in known else PROPERTIES[n](mol) for n in names}
