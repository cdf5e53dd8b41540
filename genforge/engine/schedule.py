"""Run length and seeding: how many steps a config means, and one seed for every global RNG."""
from __future__ import annotations

import math
import random

import numpy as np
import torch

from genforge.config import TrainConfig


def seed_all(seed: int) -> None:
    """Seed every global RNG genforge or a plugin might touch."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def total_steps(config: TrainConfig, data_size: int) -> int:
    if config.steps is not None:
        return int(config.steps)
    if config.epochs is not None:
        return max(1, math.ceil(config.epochs * data_size / config.batch_size))
    return 1000
