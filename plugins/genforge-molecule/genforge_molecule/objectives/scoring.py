"""A scoring function: components combined by a weighted geometric or arithmetic mean.

``ScoringFunction.score(smiles)`` returns the total and each component's
desirability per molecule; invalid SMILES score 0. Every distinct valid molecule
scored counts as one *call* (PMO's oracle-call count); repeats come from a cache
and cost nothing. ``max_calls`` bounds the calls: molecules beyond the budget are
not scored (total NaN) and ``exhausted`` turns true.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from rdkit import Chem

from genforge_molecule.objectives.components import Component

AGGREGATES = ("geometric", "arithmetic")


@dataclass
class Scores:
    """Per molecule, in input order: ``total`` and ``components[name]`` desirabilities,
    ``raw[name]`` the components' raw values (NaN for invalid or unscored molecules)."""

    smiles: list[str | None]
    total: np.ndarray
    components: dict[str, np.ndarray]
    raw: dict[str, np.ndarray]


@dataclass
class ScoringFunction:
    components: list[Component]
    aggregate: str = "geometric"
    max_calls: int | None = None
    calls: int = 0
    _cache: dict[str, tuple[float, dict[str, float], dict[str, float]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.components:
            raise ValueError("a scoring function needs at least one component")
        if self.aggregate not in AGGREGATES:
            raise ValueError(f"aggregate must be one of {', '.join(AGGREGATES)}, got {self.aggregate!r}")
        names = [c.name for c in self.components]
        for k, c in enumerate(self.components):  # duplicate names get a number
            if names.count(c.name) > 1:
                c.name = f"{c.name}_{names[:k].count(c.name) + 1}"

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.components]

    @property
    def exhausted(self) -> bool:
        return self.max_calls is not None and self.calls >= self.max_calls

    def combine(self, desirability: np.ndarray) -> np.ndarray:
        """``[M, C]`` desirabilities -> ``[M]`` totals."""
        w = np.array([c.weight for c in self.components])
        w = w / w.sum()
        if self.aggregate == "arithmetic":
            return desirability @ w
        return np.exp(np.log(np.clip(desirability, 1e-12, 1.0)) @ w) * (desirability > 0).all(1)

    def score(self, smiles: Sequence[str | None]) -> Scores:
        smiles = list(smiles)
        fresh: dict[str, Chem.Mol] = {}
        for s in smiles:
            if s is None or s in self._cache or s in fresh:
                continue
            if self.max_calls is not None and self.calls + len(fresh) >= self.max_calls:
                break
            mol = Chem.MolFromSmiles(s)
            if mol is not None:
                fresh[s] = mol
        if fresh:
            self._score_new(list(fresh), list(fresh.values()))
        nan = float("nan")
        total = np.full(len(smiles), nan)
        parts = {n: np.full(len(smiles), nan) for n in self.names}
        raws = {n: np.full(len(smiles), nan) for n in self.names}
        for k, s in enumerate(smiles):
            hit = self._cache.get(s) if s is not None else None
            if hit is None:
                if s is None or Chem.MolFromSmiles(s) is None:
                    total[k] = 0.0
                continue
            total[k] = hit[0]
            for n in self.names:
                parts[n][k], raws[n][k] = hit[1][n], hit[2][n]
        return Scores(smiles, total, parts, raws)

    def _score_new(self, smiles: list[str], mols: list[Chem.Mol]) -> None:
        raw, desirability = {}, []
        for c in self.components:
            raw[c.name], d = c.score(mols, smiles)
            desirability.append(d)
        matrix = np.stack(desirability, 1)
        totals = self.combine(matrix)
        for k, s in enumerate(smiles):
            self._cache[s] = (float(totals[k]), {n: float(matrix[k, j]) for j, n in enumerate(self.names)},
                              {n: float(raw[n][k]) for n in self.names})
        self.calls += len(smiles)
