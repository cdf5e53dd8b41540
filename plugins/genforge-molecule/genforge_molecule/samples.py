"""Decoded samples: canonical SMILES (``None`` when invalid) with the raw validity of each graph.

Metrics share one :class:`MoleculeSamples`; what they need (valid molecules,
fingerprints, properties) is computed once and cached on it.
"""
from __future__ import annotations

from functools import cached_property
from typing import Iterable, Sequence

import numpy as np
from rdkit import Chem
from rdkit.Chem import rdFingerprintGenerator

from genforge_molecule.properties import property_table

FINGERPRINT_BITS = 1024
_MORGAN = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=FINGERPRINT_BITS)


#: why a dense graph was not valid as sampled (the decoded SMILES is its repaired form)
GRAPH_REPAIRED = "graph invalid as sampled (valence-aware decoding repaired it)"
INVALID_LINE = "INVALID"


class MoleculeSamples:
    """Generated (or real) molecules, in order.

    ``smiles[k]`` is the decoded molecule (``None`` when there is none), ``raw_valid[k]``
    whether the generator's own output was valid with no repair, ``reasons[k]`` why not
    (``""`` when it was).
    """

    def __init__(self, smiles: Sequence[str | None], raw_valid: Iterable[bool] | None = None,
                 reasons: Sequence[str] | None = None):
        self.smiles = list(smiles)
        self.raw_valid = (np.array([s is not None for s in self.smiles], dtype=bool) if raw_valid is None
                          else np.asarray(list(raw_valid), dtype=bool))
        if len(self.raw_valid) != len(self.smiles):
            raise ValueError(f"{len(self.raw_valid)} raw-validity flags for {len(self.smiles)} samples")
        self.reasons = (list(reasons) if reasons is not None else
                        ["" if ok else (GRAPH_REPAIRED if s is not None else "no molecule")
                         for s, ok in zip(self.smiles, self.raw_valid)])

    def __len__(self) -> int:
        return len(self.smiles)

    @classmethod
    def concat(cls, parts: Sequence["MoleculeSamples"]) -> "MoleculeSamples":
        return cls([s for p in parts for s in p.smiles], np.concatenate([p.raw_valid for p in parts]),
                   [r for p in parts for r in p.reasons])

    def subset(self, index: Sequence[int]) -> "MoleculeSamples":
        return MoleculeSamples([self.smiles[i] for i in index], self.raw_valid[list(index)],
                               [self.reasons[i] for i in index])

    def raw_lines(self) -> list[str]:
        """One line per sample, in order: the SMILES when the output was valid as generated,
        else ``INVALID`` (no repair, no fragment dropping)."""
        return [s if ok and s is not None else INVALID_LINE for s, ok in zip(self.smiles, self.raw_valid)]

    def rejects(self) -> dict[str, int]:
        """Outputs not valid as generated, counted by reason."""
        counts: dict[str, int] = {}
        for r, ok in zip(self.reasons, self.raw_valid):
            if not ok:
                counts[r] = counts.get(r, 0) + 1
        return counts

    @cached_property
    def valid(self) -> list[str]:
        """Valid canonical SMILES, duplicates kept (MOSES computes IntDiv, FCD, filters on these)."""
        return [s for s in self.smiles if s is not None]

    @cached_property
    def unique_valid(self) -> list[str]:
        return list(dict.fromkeys(self.valid))

    @cached_property
    def valid_mols(self) -> list[Chem.Mol]:
        return [Chem.MolFromSmiles(s) for s in self.valid]

    @cached_property
    def fingerprints(self) -> np.ndarray:
        """Morgan r=2, 1024-bit fingerprints of the valid molecules as a {0,1} uint8 matrix."""
        bits = "".join(_MORGAN.GetFingerprint(m).ToBitString() for m in self.valid_mols)
        return (np.frombuffer(bits.encode("ascii"), dtype=np.uint8) - ord("0")).reshape(-1, FINGERPRINT_BITS)

    @cached_property
    def unique_properties(self) -> dict[str, list[float]]:
        """QED, SA, logP and weight of each unique valid molecule."""
        return property_table(self.unique_valid)
