"""Exact copies of training rows replaced at sampling (``copy_guard.py``): a table of few
combinations, where a GAN hands out training rows, gets none with the guard (with and without
the resampling step, after a reload) and many without it; the guard agrees with exact_copies."""
import numpy as np
import pandas as pd
import pytest

from genforge_tabular import TabularGAN
from genforge_tabular.copy_guard import CopyGuard

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def few() -> pd.DataFrame:
    """600 rows of 12 x 10 x 10 combinations: about 40 % of them are training rows."""
    rng = np.random.default_rng(0)
    n = 600
    return pd.DataFrame({"a": rng.choice([f"a{i}" for i in range(12)], n), "b": rng.choice(list("pqrstuvwxy"), n),
                         "c": rng.integers(0, 10, n), "y": rng.choice(["yes", "no"], n)})


def _copies(rows: pd.DataFrame, train: pd.DataFrame) -> float:
    seen = set(map(tuple, train.astype(str).to_numpy()))
    return float(np.mean([tuple(r) in seen for r in rows.astype(str).to_numpy()]))


def test_the_guard_knows_the_training_rows(few):
    guard = CopyGuard.fit(few, list(few.columns))
    fresh = few.assign(c=few.c + 100)
    assert guard.copies(few).all() and not guard.copies(fresh).any()
    mixed = pd.concat([few.iloc[:5], fresh.iloc[:5]], ignore_index=True)
    assert guard.copies(mixed).tolist() == [True] * 5 + [False] * 5
    assert guard.without_copies(mixed, 3).equals(fresh.iloc[:5].reset_index(drop=True))
    assert len(guard.without_copies(mixed, 8)) == 8  # too few left: the first copies come back


@pytest.mark.parametrize("resample", [True, False])
def test_sampled_rows_copy_no_training_row_unless_switched_off(few, resample, tmp_path):
    from genforge import TrainedGAN

    gan = TabularGAN(epochs=30, target="y", seed=0, resample=resample).fit(few)
    rows = gan.sample(2000, seed=1)
    assert _copies(rows, few) == 0.0 and len(rows) == 2000
    reloaded = TrainedGAN.load(gan.save(tmp_path / "model.pt"), domain="tabular")
    pd.testing.assert_frame_equal(reloaded.sample(2000, seed=1), rows)
    plain = TabularGAN(epochs=30, target="y", seed=0, resample=resample, copy_guard=False).fit(few)
    assert _copies(plain.sample(2000, seed=1), few) > 0.2


def test_a_bad_option_value_is_refused_before_training(few):
    from genforge.errors import UserInputError
    from genforge_tabular.domain import TabularDomain

    with pytest.raises(UserInputError, match="copy_guard='yes': expected true or false"):
        TabularDomain().prepare(few, {"copy_guard": "yes"}, 0)
