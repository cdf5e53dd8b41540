"""genforge: one adversarial engine, domain plugins for tables, molecules, images and more.

The public API (what plugins and users import; see docs/architecture.md):

* training: :func:`train`, :func:`make_config`, :class:`TrainConfig`, :func:`total_steps`
* a trained model: :class:`TrainedGAN` (sample, evaluate, save/load), :class:`GANEstimator`,
  :func:`generate_raw` (raw generator output, reproducible from a torch.Generator)
* files: :func:`save_atomic` / :func:`load_safe` (atomic writes, weights-only loads),
  :func:`plot_losses` (a run's loss curve)
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
from genforge.engine.checkpoint import load_safe, save_atomic
from genforge.engine.trainer import total_steps
from genforge.sampling import generate_raw
from genforge.training import TrainResult, make_config, train
from genforge.trained import TrainedGAN


def __getattr__(name: str):  # lazy: ``import genforge`` does not load scikit-learn
    if name == "GANEstimator":
        from genforge.estimator import GANEstimator
        return GANEstimator
    if name == "plot_losses":  # the loss curve of a run folder (matplotlib)
        from genforge.builtin.loss_plot import plot_losses
        return plot_losses
    raise AttributeError(f"module 'genforge' has no attribute {name!r}")


__all__ = ["Batch", "CommandSpec", "CheckpointError", "DataReport", "DatasetSpec", "Domain", "GANEstimator",
           "GANModel", "GenforgeError", "LossSpec", "MetricSpec", "ModelSpec", "TensorTrainingData",
           "TrainConfig", "TrainResult", "TrainedGAN", "TrainingData", "TrainingDiverged", "UserInputError",
           "generate_raw", "hookimpl", "load_safe", "make_config", "plot_losses", "save_atomic", "total_steps",
           "train"]
