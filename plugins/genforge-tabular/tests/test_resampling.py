"""Discriminator-driven resampling: implausible rows are drawn less, seeded, saved with the model."""
import numpy as np
import pandas as pd
import torch

from genforge_tabular.bundled import TableSource
from genforge_tabular.plugin import _DOMAIN
from genforge_tabular.resampling import DensityRatioResampler


def test_rows_the_classifier_finds_implausible_are_drawn_less():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(0, 1, 1500), "c": rng.choice(list("ab"), 1500)})
    # generated rows: right shape, plus a third of rows far off (x near 5, always "b")
    bad = rng.random(1500) < 1 / 3
    fake = pd.DataFrame({"x": np.where(bad, rng.normal(5, 0.5, 1500), rng.normal(0, 1, 1500)),
                         "c": np.where(bad, "b", rng.choice(list("ab"), 1500))})
    kinds = {"x": "continuous", "c": "categorical"}
    resampler = DensityRatioResampler.fit(real, fake, kinds, seed=0)
    fresh = fake.sample(frac=1, random_state=1).reset_index(drop=True)
    chosen = resampler.select(fresh, 375, torch.Generator().manual_seed(0))
    assert len(chosen) == 375 and not chosen.duplicated().any()
    assert (chosen["x"] > 3).mean() < 0.5 * (fresh["x"] > 3).mean()  # 33 % off before, under 17 % after
    again = resampler.select(fresh, 375, torch.Generator().manual_seed(0))
    pd.testing.assert_frame_equal(chosen, again)  # seeded
    restored = DensityRatioResampler(resampler.state)  # plain data in, same ratios out
    torch.testing.assert_close(restored.log_ratio(fresh), resampler.log_ratio(fresh))


def test_a_small_table_is_sampled_without_it_and_says_so(mixed_table):
    data = _DOMAIN.prepare(TableSource(mixed_table.iloc[:150], "t"), {"target": "label"}, 0)
    assert any("fewer than the 200 the resampling step needs" in line for line in data.report.skipped)
