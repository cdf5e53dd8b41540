import numpy as np
import pandas as pd
import pytest
import torch


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def mixed_table() -> pd.DataFrame:
    """400 rows: a bimodal float, an integer, a category tied to a 15% minority class, missing values."""
    rng = np.random.default_rng(0)
    n = 400
    label = np.where(rng.random(n) < 0.15, "rare", "common")
    colour = np.where(label == "rare", rng.choice(["red", "blue"], n, p=[0.8, 0.2]),
                      rng.choice(["red", "blue", "green"], n, p=[0.1, 0.5, 0.4]))
    x = np.where(rng.random(n) < 0.5, rng.normal(-5, 1, n), rng.normal(5, 1, n)).round(2)
    x[rng.random(n) < 0.1] = np.nan
    age = rng.integers(18, 90, n)
    return pd.DataFrame({"x": x, "age": age, "colour": colour, "label": label})


@pytest.fixture(scope="session")
def tiny() -> dict:
    """A tiny, fast TabularGAN configuration for tests (EMA "auto": short runs)."""
    return dict(generator_dims=(32,), critic_dims=(32,), latent_dim=8, pac=2, batch_size=64, ema_decay="auto")
