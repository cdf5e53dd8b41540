"""Goal-directed optimisation in the generator's noise space, counting scoring calls.

An evolution strategy around the trained generator's own samples: draw a population
of noise vectors, decode and score them; then, until the scoring budget is spent,
keep the best (elites), and make children by Gaussian mutation and uniform crossover
of elite noise vectors. Every molecule is a decoded generator sample, so every one is
valid by construction. A scaffold memory (REINVENT's diversity filter) keeps it from
collapsing on one series: once ``scaffold_bucket`` molecules with the same Bemis-Murcko
scaffold are elites, further ones of that scaffold score 0 for selection (their true
score is still reported).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import torch
from rdkit import Chem
from rdkit.Chem.Scaffolds import MurckoScaffold

from genforge_molecule.objectives.scoring import ScoringFunction


@dataclass
class OptimizationResult:
    """Every molecule scored (best first) and how many scoring calls that took."""

    smiles: list[str]
    scores: list[float]
    calls: int
    generations: int
    history: list[float] = field(default_factory=list)  # best score after each generation


def scaffold(smiles: str) -> str:
    try:
        return MurckoScaffold.MurckoScaffoldSmiles(mol=Chem.MolFromSmiles(smiles))
    except (ValueError, RuntimeError):
        return smiles


def optimize_latent(generate: Callable[[torch.Tensor], Sequence[str | None]], latent_dim: int,
                    objective: ScoringFunction, budget: int, seed: int = 0, population: int = 500,
                    elites: int = 100, sigma: float = 0.5, scaffold_bucket: int = 10,
                    max_generations: int = 1000) -> OptimizationResult:
    """Optimise ``objective`` over molecules ``generate(z)`` decodes, within ``budget`` calls."""
    rng = torch.Generator().manual_seed(seed)
    start = objective.calls
    archive: dict[str, tuple[float, torch.Tensor]] = {}
    pool_z = torch.randn(population, latent_dim, generator=rng)
    history, generation = [], 0
    while objective.calls - start < budget and generation < max_generations:
        smiles = list(generate(pool_z))
        left = budget - (objective.calls - start)
        objective.max_calls = objective.calls + left
        scores = objective.score(smiles).total
        for s, value, z in zip(smiles, scores, pool_z):
            if s is not None and not np.isnan(value) and s not in archive:
                archive[s] = (float(value), z)
        generation += 1
        ranked = sorted(archive.items(), key=lambda kv: -kv[1][0])
        history.append(ranked[0][1][0] if ranked else 0.0)
        if not ranked:
            pool_z = torch.randn(population, latent_dim, generator=rng)
            continue
        parents = _select(ranked, elites, scaffold_bucket)
        pool_z = _children(parents, population, sigma, rng)
    objective.max_calls = None
    ranked = sorted(archive.items(), key=lambda kv: -kv[1][0])
    return OptimizationResult([s for s, _ in ranked], [v for _, (v, _) in ranked], objective.calls - start,
                              generation, history)


def diverse_top(ranked: Sequence[str], k: int, bucket: int) -> list[int]:
    """Indices of the first ``k`` of ``ranked`` SMILES (best first), at most ``bucket`` per
    Bemis-Murcko scaffold: the scaffold memory."""
    memory: Counter[str] = Counter()
    chosen: list[int] = []
    for index, s in enumerate(ranked):
        key = scaffold(s)
        if memory[key] >= bucket:
            continue
        memory[key] += 1
        chosen.append(index)
        if len(chosen) == k:
            break
    return chosen


def _select(ranked: list[tuple[str, tuple[float, torch.Tensor]]], elites: int, bucket: int) -> torch.Tensor:
    """Noise vectors of the best molecules, at most ``bucket`` per scaffold."""
    return torch.stack([ranked[k][1][1] for k in diverse_top([s for s, _ in ranked], elites, bucket)])


def _children(parents: torch.Tensor, n: int, sigma: float, rng: torch.Generator) -> torch.Tensor:
    a = parents[torch.randint(0, len(parents), (n,), generator=rng)]
    b = parents[torch.randint(0, len(parents), (n,), generator=rng)]
    mix = torch.rand(a.shape, generator=rng) < 0.5
    crossed = torch.where(mix[: n // 2], a[: n // 2], b[: n // 2])
    mutated = a[n // 2:] + sigma * torch.randn(a[n // 2:].shape, generator=rng)
    return torch.cat([crossed + 0.1 * sigma * torch.randn(crossed.shape, generator=rng), mutated])
