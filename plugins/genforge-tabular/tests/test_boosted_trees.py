import numpy as np
import pytest
import torch
from sklearn.ensemble import HistGradientBoostingClassifier

from genforge_tabular import boosted_trees
from genforge_tabular.boosted_trees import BoostedTrees


def _fitted(seed=0):
    rng = np.random.default_rng(seed)
    x = np.c_[rng.normal(size=3000), rng.integers(0, 2, 3000), rng.exponential(size=3000)]
    y = ((x[:, 0] + x[:, 1] - x[:, 2] + rng.normal(0, 0.5, 3000)) > 0).astype(int)
    return HistGradientBoostingClassifier(max_iter=60, random_state=seed).fit(x, y), x


def test_the_trees_give_scikit_learns_decision_function(monkeypatch):
    clf, x = _fitted()
    monkeypatch.setattr(boosted_trees, "BLOCK_ROWS", 1000)  # three blocks of rows and a part
    trees = BoostedTrees.from_classifier(clf)
    splits = [(f, t) for f, t in zip(trees.state["feature"], trees.state["threshold"]) if np.isfinite(t)]
    on_threshold = x[: len(splits)].copy()
    for row, (feature, threshold) in zip(on_threshold, splits):
        row[feature] = threshold  # exactly on a split: goes left, as in scikit-learn
    rows = np.r_[x, on_threshold, x[:7] * 100]  # and far outside the data
    np.testing.assert_allclose(trees.decision(rows).numpy(), clf.decision_function(rows), rtol=0, atol=1e-9)
    assert trees.decision(rows[:0]).shape == (0,)


def test_the_state_is_plain_data_that_survives_a_weights_only_save(tmp_path):
    clf, x = _fitted(1)
    state = BoostedTrees.from_classifier(clf).state
    torch.save(state, tmp_path / "trees.pt")
    restored = BoostedTrees(torch.load(tmp_path / "trees.pt", weights_only=True))
    np.testing.assert_allclose(restored.decision(x).numpy(), clf.decision_function(x), rtol=0, atol=1e-9)
    assert len(state["roots"]) == clf.n_iter_ and state["depths"] == sorted(state["depths"]) and max(state["depths"]) >= 2


def test_categorical_splits_are_refused():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, (500, 1)).astype(float)
    clf = HistGradientBoostingClassifier(max_iter=5, categorical_features=[0]).fit(x, (x[:, 0] % 2).astype(int))
    with pytest.raises(ValueError, match="categorical"):
        BoostedTrees.from_classifier(clf)
