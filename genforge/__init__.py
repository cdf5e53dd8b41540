"""genforge: one adversarial engine, domain plugins for tables, molecules, images and more.

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
    from genforge.errors import CheckpointError, GenforgeError, TrainingDiverged, UserInputError
    from genforge.hookspecs import hookimpl
    from genforge.model import GANModel
