"""Goal-directed optimisation in a latent model's continuous space, counting scoring calls.

A genetic algorithm through the model's own decoder: draw a population of points,
decode and score them; then, until the scoring budget is spent, keep the best
(elites) and make children by uniform crossover and Gaussian mutation of elites
(parents drawn with a bias to the best, ``rank_bias``). The space is either the
generator's noise (:func:`noise_space`: every point is a generator sample) or the
autoencoder's code space (:func:`code_space`: starts from generator samples' codes and
moves the codes themselves, bounded to the generator's [-1, 1] range). Every molecule is
a decoded SELFIES string, so every one is valid by construction. A scaffold memory
(REINVENT's diversity filter) keeps it from collapsing on one series: at most
``scaffold_bucket`` elites share a Bemis-Murcko scaffold.
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

Decode = Callable[[torch.Tensor], Sequence[str | None]]


@dataclass
class SearchSpace:
    """Where the search moves: ``start(n, rng)`` draws points, ``decode(points)`` writes
    their molecules, points are kept within [low, high] when those are set."""

    start: Callable[[int, torch.Generator], torch.Tensor]
    decode: Decode
    low: float | None = None
    high: float | None = None

    def bound(self, points: torch.Tensor) -> torch.Tensor:
        return points if self.low is None else points.clamp(self.low, self.high)


def noise_space(generate: Callable[[torch.Tensor], torch.Tensor], latent_dim: int, decode_codes: Decode) -> SearchSpace:
    """The generator's noise: a point z is the molecule ``decode_codes(generate(z))``."""
    return SearchSpace(lambda n, rng: torch.randn(n, latent_dim, generator=rng),
                       lambda z: decode_codes(generate(z)))


def code_space(generate: Callable[[torch.Tensor], torch.Tensor], latent_dim: int, decode_codes: Decode) -> SearchSpace:
    """The autoencoder's codes, starting from the generator's samples (in [-1, 1])."""
    return SearchSpace(lambda n, rng: generate(torch.randn(n, latent_dim, generator=rng)), decode_codes, -1.0, 1.0)


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


def optimize_latent(space: SearchSpace, objective: ScoringFunction, budget: int, seed: int = 0,
                    population: int = 500, elites: int = 100, sigma: float = 0.5, scaffold_bucket: int = 10,
                    rank_bias: float = 0.0, max_generations: int = 1000,
                    seeds: torch.Tensor | None = None) -> OptimizationResult:
    """Optimise ``objective`` over the molecules ``space`` decodes, within ``budget`` calls.
    ``seeds``: points of the first population (e.g. the codes of given starting molecules).

    ``rank_bias`` 0 draws parents uniformly among the elites; b > 0 draws the elite of rank r
    with weight exp(-b r / elites) (b = 3: the best ~20 times as often as the last)."""
    rng = torch.Generator().manual_seed(seed)
    start = objective.calls
    archive: dict[str, tuple[float, torch.Tensor]] = {}
    points = space.start(population, rng)
    if seeds is not None and len(seeds):
        points = torch.cat([seeds[:population], points[len(seeds):]])
    history, generation, stale = [], 0, 0
    while objective.calls - start < budget and generation < max_generations and stale < 20:
        smiles = list(space.decode(points))
        left = budget - (objective.calls - start)
        objective.max_calls = objective.calls + left
        before = objective.calls
        scores = objective.score(smiles).total
        stale = stale + 1 if objective.calls == before else 0  # nothing new decoded: give up after 20
        for s, value, z in zip(smiles, scores, points):
            if s is not None and not np.isnan(value) and s not in archive:
                archive[s] = (float(value), z)
        generation += 1
        ranked = sorted(archive.items(), key=lambda kv: -kv[1][0])
        history.append(ranked[0][1][0] if ranked else 0.0)
        if not ranked:
            points = space.start(population, rng)
            continue
        parents = _select(ranked, elites, scaffold_bucket)
        points = space.bound(_children(parents, population, sigma, rank_bias, rng))
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
    """Points of the best molecules (best first), at most ``bucket`` per scaffold."""
    return torch.stack([ranked[k][1][1] for k in diverse_top([s for s, _ in ranked], elites, bucket)])


def _children(parents: torch.Tensor, n: int, sigma: float, rank_bias: float, rng: torch.Generator) -> torch.Tensor:
    weights = torch.exp(-rank_bias * torch.arange(len(parents), dtype=torch.float) / len(parents))
    a = parents[torch.multinomial(weights, n, replacement=True, generator=rng)]
    b = parents[torch.multinomial(weights, n, replacement=True, generator=rng)]
    mix = torch.rand(a.shape, generator=rng) < 0.5
    crossed = torch.where(mix[: n // 2], a[: n // 2], b[: n // 2])
    mutated = a[n // 2:] + sigma * torch.randn(a[n // 2:].shape, generator=rng)
    return torch.cat([crossed + 0.1 * sigma * torch.randn(crossed.shape, generator=rng), mutated])
