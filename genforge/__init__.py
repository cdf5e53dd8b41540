"""genforge: one adversarial engine, domain plugins for tables, molecules, images and more.

The public API (what plugins and users import; see docs/architecture.md):

* training: :func:`train`, :func:`make_config`, :class:`TrainConfig`, :func:`total_steps`
* a trained model: :class:`TrainedGAN` (sample, evaluate, save/load), :class:`GANEstimator`
* the plugin contract: :class:`Domain`, :class:`TrainingData`, :class:`Batch`, the specs,
  :class:`GANModel`, :data:`hookimpl`, the errors
* reusable layers: :mod:`genforge.nn`
"""
__version__ = "0.1.0"

from genforge.config import TrainConfig
from genforge.domain import (Batch, CommandSpec, DataReport, DatasetSpec, Domain, LossSpec, MetricSpec,
                             ModelSpec, TensorTrainingData, TrainingData)
from genforge.errors import CheckpointError, GenforgeError, TrainingDiverged, UserInputError
from genforge.hookspecs import hookimpl
from genforge.model import GANModel
from genforge.engine.trainer import total_steps
from genforge.training import TrainResult, make_config, train
from genforge.trained import TrainedGAN


def __getattr__(name: str):  # lazy: ``import genforge`` does not load scikit-learn
    if name == "GANEstimator":
        from genforge.estimator import GANEstimator
        return GANEstimator
    raise AttributeError(f"module 'genforge' has no attribute {name!r}")


__all__ = ["Batch", "CommandSpec", "CheckpointError", "DataReport", "DatasetSpec", "Domain", "GANEstimator",
           "GANModel", "GenforgeError", "LossSpec", "MetricSpec", "ModelSpec", "TensorTrainingData",
           "TrainConfig", "TrainResult", "TrainedGAN", "TrainingData", "TrainingDiverged", "UserInputError",
           "hookimpl", "make_config", "total_steps", "train"]
