"""``balance_with`` / ``balancing_rows`` (the benchmark's GAN-balanced sets and ``augment --balance``):
every smaller class is topped up to the majority by exact conditional sampling, one seed per class."""
import pandas as pd

from genforge_tabular.augment import balance_with, balancing_rows


class _RecordingModel:
    """Stands in for a fitted TabularGAN: rows of the asked class, and a log of the calls."""

    def __init__(self):
        self.calls = []

    def sample(self, n, conditions, seed):
        self.calls.append((n, conditions, seed))
        return pd.DataFrame({"x": [float(seed)] * n, **{k: [v] * n for k, v in conditions.items()}})


def test_every_smaller_class_is_topped_up_to_the_majority():
    real = pd.DataFrame({"x": [float(i) for i in range(10)], "y": ["a"] * 6 + ["b"] * 3 + ["c"]})
    model = _RecordingModel()
    balanced = balance_with(model, real, "y", seed=7)
    assert balanced["y"].value_counts().to_dict() == {"a": 6, "b": 6, "c": 6}
    assert balanced.iloc[:10].equals(real)  # the real rows first, untouched
    assert sorted(model.calls) == [(3, {"y": "b"}, 7), (5, {"y": "c"}, 8)]


def test_a_balanced_table_gets_no_rows():
    real = pd.DataFrame({"x": range(4), "y": ["a", "b"] * 2})
    assert balancing_rows(_RecordingModel(), real, "y", seed=0).empty
