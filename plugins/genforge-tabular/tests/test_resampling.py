"""Discriminator-driven resampling: implausible rows are drawn less, seeded, saved with the model."""
import numpy as np
import pandas as pd
import torch

from genforge_tabular.bundled import TableSource
from genforge_tabular.plugin import _DOMAIN
from genforge_tabular.resampling import CANDIDATES, MAX_LOG_RATIO, DensityRatioResampler


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
    assert restored.candidates == CANDIDATES


def test_many_generated_rows_against_few_real_ones_keep_the_ratio_balanced():
    """Classes are weighted equal, so the log-odds read as a density ratio whatever the counts:
    rows drawn as the real ones are have a mean log ratio near log(1 / 0.8) = 0.22 (unweighted, the
    class prior would put it near log(500 / 2000) = -1.4); rows where no real row lies, far below."""
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(0, 1, 500)})
    fake = pd.DataFrame({"x": np.r_[rng.normal(0, 1, 1600), rng.normal(6, 0.5, 400)]})  # 4 generated per real row
    resampler = DensityRatioResampler.fit(real, fake, {"x": "continuous"}, seed=0)
    assert abs(float(resampler.log_ratio(pd.DataFrame({"x": rng.normal(0, 1, 2000)})).mean())) < 0.5
    assert float(resampler.log_ratio(pd.DataFrame({"x": rng.normal(6, 0.5, 200)})).mean()) < -1.5


def test_a_model_saved_with_the_earlier_mlp_classifier_still_samples_with_it():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(2, 128), torch.nn.ReLU(), torch.nn.Linear(128, 128), torch.nn.ReLU(),
                              torch.nn.Linear(128, 1))
    rows = pd.DataFrame({"x": [0.0, 1.0, np.nan, 10.0]})
    from genforge_tabular.features import TableFeatures
    features = TableFeatures(rows, {"x": "continuous"})
    state = {"features": features.to_state(), "mean": [0.5, 0.25], "scale": [2.0, 0.5],
             "weights": {k: v.tolist() for k, v in net.state_dict().items()}, "validation_loss": 0.6}
    old = DensityRatioResampler(state)
    x = (torch.tensor(features.transform(rows), dtype=torch.float32) - torch.tensor([0.5, 0.25])) / torch.tensor([2.0, 0.5])
    expected = net(x).squeeze(1).clamp(-3, 3).double()
    torch.testing.assert_close(old.log_ratio(rows), expected.detach())
    assert old.candidates == 4


def test_a_second_stage_fitted_on_chosen_rows_adds_its_ratio_and_finds_less_to_correct():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(0, 1, 1000)})
    generator = lambda k: pd.DataFrame({"x": rng.normal(0.8, 1.3, k)})  # noqa: E731
    notes = []
    step = DensityRatioResampler.for_table(real, generator, {"x": "continuous"}, 0, "real", notes.append)
    assert len(step.stages) == 2 and len(notes) == 2 and "stage 2" in notes[1]
    first = DensityRatioResampler(dict(step.state, trees=step.state["trees"][:1]))
    x = generator(3000)
    stage_two = torch.as_tensor(step.stages[1].decision(step.features.transform(x))).clamp(-MAX_LOG_RATIO, MAX_LOG_RATIO)
    torch.testing.assert_close(step.log_ratio(x), first.log_ratio(x) + stage_two)
    # the chosen rows are near the real ones already: the second stage's ratio is much flatter
    assert float(stage_two.abs().mean()) < 0.5 * float(first.log_ratio(x).abs().mean())
    chosen = step.select(generator(16 * 500), 500, torch.Generator().manual_seed(0))
    assert abs(chosen["x"].mean()) < 0.15 and abs(chosen["x"].std() - 1) < 0.15  # generated: 0.8, 1.3


def test_a_small_table_is_sampled_without_it_and_says_so(mixed_table):
    data = _DOMAIN.prepare(TableSource(mixed_table.iloc[:150], "t"), {"target": "label"}, 0)
    assert any("fewer than the 200 the resampling step needs" in line for line in data.report.skipped)
