"""genforge: one adversarial engine, domain plugins for tables, molecules, images and more.

The public API (what plugins and users import; see docs/architecture.md):

* training: :func:`train`, :func:`make_config`, :class:`TrainConfig`, :func:`total_steps`
* a trained model: :class:`TrainedGAN` (sample, evaluate, save/load), :class:`GANEstimator`
* the plugin contract: :class:`Domain`, :class:`TrainingData`, :class:`Batch`, the specs,
  :class:`GANModel`, :data:`hookimpl`, the errors
* reusable layers: :mod:`genforge.nn`
* for plugins: :func:`track` (progress of data preparation), :func:`did_you_mean` and
  :func:`check_name` (close-match suggestions for mistyped names)

The public names are imported on first use (PEP 562), so ``import genforge`` (and the CLI's
``--help``) does not import torch.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> the module that defines it
_EXPORTS = {
    "TrainConfig": "genforge.config",
    **{name: "genforge.domain" for name in ("Batch", "CommandSpec", "DataReport", "DatasetSpec", "Domain",
                                            "LossSpec", "MetricSpec", "ModelSpec", "TensorTrainingData",
                                            "TrainingData")},
    **{name: "genforge.errors" for name in ("CheckpointError", "GenforgeError", "TrainingDiverged",
                                            "UserInputError")},
    "hookimpl": "genforge.hookspecs",
    "GANModel": "genforge.model",
    "total_steps": "genforge.engine.trainer",
    **{name: "genforge.training" for name in ("TrainResult", "make_config", "train")},
    "TrainedGAN": "genforge.trained",
    "GANEstimator": "genforge.estimator",
    "generate_raw": "genforge.sampling",
    **{name: "genforge.engine.checkpoint" for name in ("load_safe", "save_atomic")},
    "plot_losses": "genforge.builtin.loss_plot",  # the loss curve of a run folder (matplotlib)
    "track": "genforge.builtin.progress",  # progress of long data preparation, as for training
    **{name: "genforge.suggestions" for name in ("check_name", "did_you_mean")},  # "did you mean ...?"
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'genforge' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:  # pragma: no cover
    from genforge.config import TrainConfig
    from genforge.domain import (Batch, CommandSpec, DataReport, DatasetSpec, Domain, LossSpec, MetricSpec,
                                 ModelSpec, TensorTrainingData, TrainingData)
    from genforge.builtin.loss_plot import plot_losses
    from genforge.builtin.progress import track
    from genforge.engine.checkpoint import load_safe, save_atomic
    from genforge.engine.trainer import total_steps
    from genforge.errors import CheckpointError, GenforgeError, TrainingDiverged, UserInputError
    from genforge.estimator import GANEstimator
    from genforge.hookspecs import hookimpl
    from genforge.model import GANModel
    from genforge.sampling import generate_raw
    from genforge.suggestions import check_name, did_you_mean
    from genforge.trained import TrainedGAN
    from genforge.training import TrainResult, make_config, train
