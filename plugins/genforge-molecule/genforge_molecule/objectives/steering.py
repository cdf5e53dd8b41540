"""Steering the latent GAN at training time: feedback GAN (Gupta et al. 2018) with a scaffold memory.

Every ``every`` GAN steps (through the model's ``auxiliary_step`` hook, so the engine's loop
is not forked) the generator's codes for ``samples`` noise vectors are decoded and scored.
The best distinct molecules found so far (score above 0), at most ``bucket`` per Bemis-Murcko scaffold
(REINVENT's diversity filter, so the GAN does not collapse on one series), are encoded by
the autoencoder and take ``share`` of the real set the critic sees: the GAN learns to
write them. Scoring stops for good once the objective's ``max_calls`` (default
``STEER_CALLS``) molecules are scored; every round prints the calls used (PMO's count).
The memory, the rounds and the calls are part of the model's checkpoint
(:meth:`FeedbackSteering.to_tensor`), so ``--resume`` carries on with them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch

from genforge_molecule.objectives.latent_optimizer import diverse_top
from genforge_molecule.objectives.scoring import ScoringFunction

STEER_CALLS = 10_000
STEER_DEFAULTS: dict[str, Any] = {"objective": None, "steer_every": 50, "steer_samples": 500,
                                  "steer_share": 0.5, "steer_elites": 256, "steer_bucket": 10}


@dataclass
class FeedbackSteering:
    objective: ScoringFunction
    every: int
    samples: int
    share: float
    elites: int
    bucket: int
    report: Callable[[str], None] = print
    memory: dict[str, float] = field(default_factory=dict)  # every distinct molecule scored
    rounds: int = 0

    def __post_init__(self) -> None:
        if self.objective.max_calls is None:
            self.objective.max_calls = STEER_CALLS
        if not 0 < self.share < 1:
            raise ValueError(f"steer_share must be between 0 and 1, got {self.share}")

    def step(self, step: int, generate: Callable[[int], list[str | None]],
             encode: Callable[[list[str]], torch.Tensor], real: torch.Tensor) -> tuple[torch.Tensor | None, dict]:
        """On a steering step: score ``generate(samples)`` and return the new real codes
        (``real`` with the elites' codes as ``share`` of it) and logs; else ``(None, {})``."""
        if step % self.every or self.objective.exhausted:
            return None, {}
        smiles = generate(self.samples)
        scores = self.objective.score(smiles).total
        fresh = [(s, float(v)) for s, v in zip(smiles, scores) if s is not None and not np.isnan(v)]
        self.memory.update(fresh)
        self.rounds += 1
        ranked = sorted((s for s in self.memory if self.memory[s] > 0), key=lambda s: -self.memory[s])
        chosen = [ranked[k] for k in diverse_top(ranked, self.elites, self.bucket)]
        codes = encode(chosen)
        logs = {"steer_calls": float(self.objective.calls),
                "steer_round_mean": float(np.mean([v for _, v in fresh])) if fresh else 0.0,
                "steer_elite_mean": float(np.mean([self.memory[s] for s in chosen])) if chosen else 0.0}
        self.report(f"steering: step {step}, round {self.rounds}: scored {len(fresh)}, "
                    f"mean {logs['steer_round_mean']:.3f}, "
                    f"{len(codes)} elites (mean {logs['steer_elite_mean']:.3f}, "
                    f"best {max(self.memory.values(), default=0.0):.3f}); "
                    f"scoring calls {self.objective.calls} of max_calls {self.objective.max_calls}"
                    + (" (budget spent: steering stops)" if self.objective.exhausted else ""))
        if len(codes) == 0:
            return None, logs
        copies = int(np.ceil(self.share / (1 - self.share) * len(real) / len(codes)))
        return torch.cat([real, codes.to(real.device).repeat(copies, 1)]), logs

    def to_tensor(self) -> torch.Tensor:
        """The memory, rounds and calls as UTF-8 JSON bytes in a uint8 tensor (a plain tensor,
        so it rides in the model's ``state_dict`` and loads with ``weights_only=True``)."""
        text = json.dumps({"memory": self.memory, "rounds": self.rounds, "calls": self.objective.calls})
        return torch.frombuffer(bytearray(text.encode()), dtype=torch.uint8).clone()

    def restore(self, state: torch.Tensor) -> None:
        """Undo :meth:`to_tensor` (an empty tensor: nothing to restore)."""
        if state.numel() == 0:
            return
        saved = json.loads(bytes(state.cpu().numpy()).decode())
        self.memory, self.rounds = {s: float(v) for s, v in saved["memory"].items()}, int(saved["rounds"])
        self.objective.calls = max(self.objective.calls, int(saved["calls"]))
