"""genforge: one adversarial engine, domain plugins for tables, molecules, images and more."""
__version__ = "0.1.0"

from genforge.config import TrainConfig
from genforge.domain import (Batch, CommandSpec, DataReport, DatasetSpec, Domain, LossSpec, MetricSpec,
                             ModelSpec, TensorTrainingData, TrainingData)
from genforge.errors import CheckpointError, GenforgeError, TrainingDiverged, UserInputError
from genforge.hookspecs import hookimpl
from genforge.model import GANModel

__all__ = ["Batch", "CommandSpec", "CheckpointError", "DataReport", "DatasetSpec", "Domain", "GANModel",
           "GenforgeError", "LossSpec", "MetricSpec", "ModelSpec", "TensorTrainingData",
           "TrainConfig", "TrainingData", "TrainingDiverged", "UserInputError", "hookimpl"]
