"""Privacy attacks: a memorising synthesizer is caught, fresh rows of the population are not."""
import math

import numpy as np
import pandas as pd
import pytest

from genforge.plugins import get_registry
from genforge_tabular.metrics import TabularReference
from genforge_tabular.privacy.attacks import dcr_ratio, domias_auc, nndr_ratio

KINDS = {"x": "continuous", "y": "continuous", "colour": "categorical"}


def population(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, n)
    return pd.DataFrame({"x": x, "y": 0.5 * x + rng.normal(0, 1, n),
                         "colour": rng.choice(["red", "blue", "green"], n, p=[0.5, 0.3, 0.2])})


@pytest.fixture(scope="module")
def reference() -> TabularReference:
    return TabularReference(population(600, 0), KINDS, population(600, 1), None, 0)


def test_copies_of_the_training_rows_are_caught(reference):
    copies = reference.real.sample(600, replace=True, random_state=0).reset_index(drop=True)
    assert dcr_ratio(copies, reference) < 0.05
    assert nndr_ratio(copies, reference) < 0.05
    assert domias_auc(copies, reference) > 0.7  # 63 % of the members are copied: at most ~0.82


def test_fresh_rows_of_the_population_look_like_the_hold_out(reference):
    fresh = population(600, 2)
    assert 0.8 < dcr_ratio(fresh, reference) < 1.25
    assert 0.8 < nndr_ratio(fresh, reference) < 1.25
    assert 0.42 < domias_auc(fresh, reference) < 0.58


def test_with_too_few_hold_out_rows_the_attacks_are_nan():
    ref = TabularReference(population(100, 0), KINDS, population(8, 1), None, 0)
    assert all(math.isnan(f(population(50, 3), ref)) for f in (dcr_ratio, nndr_ratio, domias_auc))


def test_the_attacks_are_tabular_metrics():
    names = {m.name for m in get_registry().metrics_for("tabular")}
    assert {"dcr_ratio", "nndr_ratio", "mia_auc", "exact_copies"} <= names
