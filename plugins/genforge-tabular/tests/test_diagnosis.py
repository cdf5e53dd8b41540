"""What gives synthetic rows away: the column the detector relies on and the broken pair are named."""
import numpy as np
import pandas as pd

from genforge_tabular.diagnosis import column_importance, write_diagnosis
from genforge_tabular.metrics import TabularReference


def _tables():
    rng = np.random.default_rng(0)
    n = 1200
    x = rng.normal(size=n)
    real = pd.DataFrame({"x": x, "y": 2 * x + rng.normal(0, 0.2, n), "w": rng.normal(size=n),
                         "c": rng.choice(list("abc"), n)})
    fake = real.sample(frac=1, random_state=1).reset_index(drop=True)
    fake["y"] = rng.permutation(fake["y"].to_numpy())  # same marginal, the x-y relation broken
    kinds = {"x": "continuous", "y": "continuous", "w": "continuous", "c": "categorical"}
    half = n // 2
    return (TabularReference(real.iloc[:half].reset_index(drop=True), kinds, real.iloc[half:].reset_index(drop=True)),
            fake.iloc[:half].reset_index(drop=True))


def test_the_detector_relies_on_the_broken_columns(tmp_path):
    ref, fake = _tables()
    auc, drops = column_importance(fake, ref)
    assert auc > 0.9 and set(drops.index[:2]) == {"x", "y"} and abs(drops["c"]) < 0.05
    lines, paths = write_diagnosis(fake, ref, tmp_path)
    worst = lines[lines.index(next(line for line in lines if line.startswith("worst"))) + 1]
    assert worst.strip().startswith("x x y: ") and worst.endswith("*")
    assert [p.name for p in paths] == ["what_gives_rows_away.txt", "pair_trends.png"] and all(p.stat().st_size for p in paths)
