"""A Trainer's checkpoint: what it holds, how it is restored, and which one a resume may use.

A checkpoint records, beside weights, optimizers and RNG streams, the run's
``domain``, ``model_name`` and ``schema_fingerprint`` (and the file format's
version, :mod:`genforge.engine.checkpoint`): a resume skips, with a warning, a
checkpoint of another domain, model or data and falls back to the previous good one.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from genforge.engine import checkpoint
from genforge.errors import CheckpointError

if TYPE_CHECKING:
    from genforge.engine.trainer import Trainer


def capture(trainer: "Trainer") -> dict[str, Any]:
    """Everything that decides how training continues (bit-exact resume on CPU)."""
    model = trainer.model
    state = {
        "step": trainer.step, "config": trainer.config.to_dict(), "model": model.state_dict(),
        "ema": trainer.ema.state_dict() if trainer.ema else None,
        "ema_updates": trainer.ema.updates if trainer.ema else 0,
        "opt_g": trainer.opt_g.state_dict(), "opt_d": trainer.opt_d.state_dict(),
        "aux_optimizers": {k: o.state_dict() for k, o in model.auxiliary_optimizers().items()},
        "rng": {"torch": torch.get_rng_state(), "data": trainer.data_rng.get_state(),
                "noise": trainer.noise_rng.get_state()},
        "diagnostics": trainer.diagnostics.state_dict(), "plugin_state": trainer.plugin_state,
        "logs": trainer.logs, "last_metrics": trainer.last_metrics,
        "model_name": trainer.config.model,
    }
    if trainer.device.type == "cuda":
        state["rng"]["cuda"] = torch.cuda.get_rng_state(trainer.device)
    if trainer.domain is not None:
        state["schema"] = trainer.domain.schema_state(trainer.data.schema)
        state["domain"] = trainer.domain.name
        state["schema_fingerprint"] = checkpoint.fingerprint(state["schema"])
        state["data_fingerprint"] = data_fingerprint(trainer)
    return state


def data_fingerprint(trainer: "Trainer") -> str | None:
    """The fingerprint of the schema as prepared from the data, before training fits anything into
    it (the tabular calibration and resampler): what a resumed run's data must match. Taken once
    per trainer (``fit`` asks before its first step)."""
    if trainer.domain is None:
        return None
    if "_data_fingerprint" not in vars(trainer):
        trainer._data_fingerprint = checkpoint.fingerprint(trainer.domain.schema_state(trainer.data.schema))
    return trainer._data_fingerprint


def restore(trainer: "Trainer", state: dict[str, Any]) -> None:
    trainer.model.load_state_dict(state["model"])
    if trainer.ema is not None and state.get("ema") is not None:
        trainer.ema.load_state_dict(state["ema"])
        trainer.ema.updates = int(state.get("ema_updates", state["step"]))
    trainer.opt_g.load_state_dict(state["opt_g"])
    trainer.opt_d.load_state_dict(state["opt_d"])
    for name, opt in trainer.model.auxiliary_optimizers().items():
        opt.load_state_dict(state["aux_optimizers"][name])
    rng = state["rng"]
    torch.set_rng_state(rng["torch"])
    trainer.data_rng.set_state(rng["data"])
    trainer.noise_rng.set_state(rng["noise"])
    if trainer.group.rank > 0:  # rank 0's streams were saved; others re-derive theirs
        offset = trainer.config.seed + 1_000_003 * trainer.group.rank + 7 * state["step"]
        trainer.data_rng.manual_seed(offset)
        trainer.noise_rng.manual_seed(offset + 1)
    if "cuda" in rng and trainer.device.type == "cuda":
        torch.cuda.set_rng_state(rng["cuda"], trainer.device)
    trainer.diagnostics.load_state_dict(state["diagnostics"])
    trainer.plugin_state = dict(state.get("plugin_state") or {})
    trainer.logs, trainer.last_metrics = dict(state.get("logs") or {}), dict(state.get("last_metrics") or {})
    trainer.step = int(state["step"])


def check_and_restore(trainer: "Trainer", state: dict[str, Any], path: Path) -> None:
    """Refuse (:class:`CheckpointError`) a checkpoint of another domain, model or data; else restore it."""
    domain = trainer.domain
    # the data's identity: a checkpoint written before data_fingerprint existed has only the schema's
    data_key = "data_fingerprint" if "data_fingerprint" in state else "schema_fingerprint"
    expected = {"domain": None if domain is None else domain.name, "model_name": trainer.config.model,
                data_key: data_fingerprint(trainer)}
    for key, want in expected.items():
        found = state.get(key)
        if want is not None and found is not None and found != want:
            raise CheckpointError(f"{path}: {key.replace('_', ' ')} {found!r}, this run's is {want!r}")
    try:
        restore(trainer, state)
    except (RuntimeError, KeyError, ValueError) as exc:
        raise CheckpointError(f"{path}: does not fit this run's model ({str(exc).splitlines()[0]})") from None


def checkpoint_due(trainer: "Trainer", last_checkpoint: float) -> bool:
    """Every ``checkpoint_every`` steps, and every ``checkpoint_minutes`` of wall time."""
    cfg = trainer.config
    due = bool(cfg.checkpoint_every) and trainer.step % cfg.checkpoint_every == 0
    due = due or (cfg.checkpoint_minutes > 0 and time.monotonic() - last_checkpoint >= 60 * cfg.checkpoint_minutes)
    return due and trainer.run_dir is not None


def save_checkpoint(trainer: "Trainer") -> Path | None:
    """Atomically write ``checkpoints/step-N.pt`` (rank 0 only) and prune to ``keep_checkpoints``."""
    if trainer.run_dir is None or not trainer.group.is_main:
        return None
    folder = trainer.run_dir / "checkpoints"
    path = checkpoint.save_atomic(capture(trainer), checkpoint.step_path(folder, trainer.step))
    checkpoint.prune(folder, trainer.config.keep_checkpoints)
    return path


def resume(trainer: "Trainer", warn=print) -> Path | None:
    """Restore the newest good checkpoint of the trainer's run folder; ``None`` if there is none."""
    folder = None if trainer.run_dir is None else trainer.run_dir / "checkpoints"
    if folder is None or not checkpoint.list_checkpoints(folder):
        return None
    _, path = checkpoint.load_latest_good(folder, warn=warn,
                                          check=lambda state, where: check_and_restore(trainer, state, where))
    return path
