"""A run folder on disk: config, checkpoints, metrics log, samples, plots and reference data.

:func:`open_run` turns one into a :class:`~genforge.trained.TrainedGAN` (its newest
good checkpoint, of the run's own domain and model); :class:`Run` is that object
with the folder's extras: ``evaluate`` writes ``evaluation.json`` and the plots.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from genforge.config import TrainConfig
from genforge.engine import checkpoint
from genforge.errors import CheckpointError, UserInputError
from genforge.output_files import write_text
from genforge.plugins import Registry, get_registry
from genforge.trained import TrainedGAN

CONFIG_FILE = "config.json"
REFERENCE_FILE = "reference.pt"
REFERENCE_FORMAT = "genforge-reference"


def write_reference(run_dir: Path, domain: Any, reference: Any) -> Path | None:
    """Save the domain's reference data beside the checkpoints (plain state, weights-only),
    so the run can be evaluated without re-reading its dataset."""
    state = None if reference is None else domain.reference_state(reference)
    if state is None:
        return None
    return checkpoint.save_atomic({"domain": domain.name, "reference": state}, Path(run_dir) / REFERENCE_FILE,
                                  tag=REFERENCE_FORMAT)


def open_run(path: Path, registry: Registry | None = None, device: str = "auto") -> TrainedGAN:
    """The newest good checkpoint of run folder ``path`` as a :class:`TrainedGAN`; a checkpoint
    of another domain or model than the run's config is skipped (with a warning)."""
    path = Path(path)
    registry = registry or get_registry()
    if not (path / CONFIG_FILE).is_file():
        raise UserInputError(f"{path}: not a genforge run folder (no {CONFIG_FILE}); "
                             "create one with `genforge train ... --out DIR`")
    try:
        config = TrainConfig.from_dict(json.loads((path / CONFIG_FILE).read_text(encoding="utf-8")),
                                       source=str(path / CONFIG_FILE))
    except json.JSONDecodeError as exc:
        raise UserInputError(f"{path / CONFIG_FILE}: not valid JSON ({exc})") from None

    def same_run(state: dict[str, Any], where: Path) -> None:
        for key, want in (("domain", config.domain), ("model_name", config.model)):
            found = state.get(key)
            if found is not None and want and found != want:
                raise CheckpointError(f"{where}: a checkpoint of {key.split('_')[0]} {found!r}, "
                                      f"this run's is {want!r}")

    state, where = checkpoint.load_latest_good(path / "checkpoints", check=same_run,
                                               warn=lambda m: print(m, file=sys.stderr))
    reference = _read_reference(path, registry.domain(config.domain))
    trained = TrainedGAN.from_state({**state, "reference": reference}, registry, device, source=str(where))
    trained.checkpoint_path = where
    return trained


def _read_reference(run_dir: Path, domain: Any) -> Any:
    file = run_dir / REFERENCE_FILE
    if not file.is_file():
        return None
    state = checkpoint.load_safe(file, tag=REFERENCE_FORMAT)
    if state.get("domain") != domain.name:
        raise UserInputError(f"{file}: reference data of domain {state.get('domain')!r}, expected {domain.name!r}")
    return state["reference"]  # plain state: TrainedGAN.from_state decodes it


class Run(TrainedGAN):
    """A trained run folder, ready to sample and evaluate (``Run(path)``)."""

    def __init__(self, path: Path, registry: Registry | None = None, device: str = "auto"):
        trained = open_run(path, registry, device)
        self.__dict__.update(trained.__dict__)
        self.path, self.registry = Path(path), registry or get_registry()

    def evaluate(self, n: int | None = None, seed: int | None = None, plots: bool = True,
                 reference: Any = None) -> dict[str, float]:
        """Every metric of the domain on fresh samples; writes ``evaluation.json`` (and, with
        ``plots``, the domain's plots and its :attr:`report_lines`). A run saved without reference data re-reads its dataset (the encoders are not re-fitted)."""
        reference = reference if reference is not None else self.reference
        if reference is None:
            from genforge.training import load_training_data

            reference = load_training_data(self.config, self.registry, report=lambda line: None).reference
        samples = self.sample(n or self.config.eval_samples, seed=seed)
        results = self.score(samples, reference)
        #: the domain's explanation of the figures (``Domain.report_lines``); printed by ``genforge evaluate``
        self.report_lines: list[str] = []
        if plots:
            self.domain.report(samples, reference, self.path)
            self.report_lines = list(self.domain.report_lines(samples, reference, self.path))
        record = {"step": self.step, "metrics": results, "failed": self.metric_failures,
                  "report": self.report_lines}
        write_text(self.path / "evaluation.json", json.dumps(record, indent=2) + "\n")
        return results
