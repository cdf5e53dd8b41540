import os

import pytest

os.environ.setdefault("GENFORGE_PROGRESS", "0")


@pytest.fixture
def registry():
    from genforge.plugins import build_registry
    return build_registry(include_entry_points=False)


@pytest.fixture
def tiny_config():
    """A small, fast mixture configuration."""
    from genforge.training import make_config
    from genforge.plugins import build_registry

    def make(**overrides):
        values = {"dataset": "ring-8", "steps": 40, "batch_size": 64, "eval_samples": 500,
                  "model_options": {"hidden": 32, "d_hidden": 32, "layers": 2, "d_layers": 2},
                  "dataset_options": {"points": 2000}, "log_every": 5, "r1_weight": 0.0,
                  "penalty_every": 1}
        values.update(overrides)
        return make_config("mixture", values, registry=build_registry(include_entry_points=False))
    return make
