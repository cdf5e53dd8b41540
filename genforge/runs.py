"""A run folder on disk: config, checkpoints, metrics log, samples and plots.

:class:`Run` reopens one for sampling and evaluation: it rebuilds the model
from the registered spec and the checkpoint's schema, and loads the generator
EMA when training kept one.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from genforge.config import TrainConfig
from genforge.engine import checkpoint
from genforge.engine.distributed import pick_device
from genforge.errors import UserInputError
from genforge.model import GANModel
from genforge.plugins import Registry, get_registry
from genforge.sampling import decoded_chunks
from genforge.training import CONFIG_FILE, build_model, load_training_data


class Run:
    """A trained run, ready to sample and evaluate."""

    def __init__(self, path: Path, registry: Registry | None = None, device: str = "auto"):
        self.path = Path(path)
        self.registry = registry or get_registry()
        if not (self.path / CONFIG_FILE).is_file():
            raise UserInputError(f"{self.path}: not a genforge run folder (no {CONFIG_FILE}); "
                                 "create one with `genforge train ... --out DIR`")
        state, self.checkpoint_path = checkpoint.load_latest_good(self.path / "checkpoints")
        self.config = TrainConfig.from_dict(state["config"], source=str(self.checkpoint_path))
        self.step = int(state["step"])
        self.domain = self.registry.domain(self.config.domain)
        self.schema = self.domain.schema_from_state(state["schema"])
        self.device = pick_device(device)
        self.model: GANModel = build_model(self.config, self.schema, self.registry)
        self.model.load_state_dict(state["model"])
        if state.get("ema") is not None:
            self.model.generator.load_state_dict(state["ema"])
        self.model.to(self.device).eval()
        self.last_metrics: dict[str, float] = dict(state.get("last_metrics") or {})

    def _rng(self, seed: int | None) -> torch.Generator:
        return torch.Generator().manual_seed(self.config.seed if seed is None else seed)

    def sample(self, n: int, conditions: dict[str, str] | None = None, seed: int | None = None) -> Any:
        """``n`` decoded samples (same seed, same samples)."""
        chunks = list(decoded_chunks(self.domain, self.model, self.schema, n, conditions or {},
                                     self._rng(seed), self.device))
        return self.domain.concat(chunks)

    def sample_to(self, out: Path, n: int, conditions: dict[str, str] | None = None,
                  seed: int | None = None, chunk_size: int = 10_000) -> int:
        """Stream ``n`` samples to ``out`` in chunks (bounded memory); return the count."""
        out = Path(out)
        if out.parent and not out.parent.exists():
            raise UserInputError(f"{out}: folder {out.parent} does not exist")
        chunks = decoded_chunks(self.domain, self.model, self.schema, n, conditions or {},
                                self._rng(seed), self.device, chunk_size=chunk_size)
        return self.domain.write_samples(chunks, out)

    def evaluate(self, n: int | None = None, seed: int | None = None, plots: bool = True) -> dict[str, float]:
        """Every registered metric of the domain on fresh samples, against the reference data."""
        data = load_training_data(self.config, self.registry, report=lambda line: None)
        samples = self.sample(n or self.config.eval_samples, seed=seed)
        results = {m.name: float(m.compute(samples, data.reference))
                   for m in self.registry.metrics_for(self.config.domain)}
        diversity = self.domain.diversity(samples, self.schema)
        if diversity is not None:
            results["diversity"] = float(diversity)
        if plots:
            self.domain.report(samples, data.reference, self.path)
        (self.path / "evaluation.json").write_text(json.dumps({"step": self.step, "metrics": results},
                                                              indent=2) + "\n", encoding="utf-8")
        return results
