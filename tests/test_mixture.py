import math

import pytest
import torch

from genforge.builtin.mixture import Mixture, grid_means, ring_means


def test_ring_has_eight_distinct_means_on_the_unit_circle():
    means = ring_means()
    assert len(means) == 8
    assert torch.cdist(means, means).add(torch.eye(8) * 10).min() > 0.7
    assert torch.allclose(means.norm(dim=1), torch.ones(8))


def test_grid_means():
    means = grid_means()
    assert sorted(set(means[:, 0].tolist())) == [-4, -2, 0, 2, 4]
    assert len({tuple(m) for m in means.tolist()}) == 25


def test_metrics_on_hand_built_samples():
    mix = Mixture(grid_means(), 0.05)
    on_modes = grid_means()[:5].repeat(2, 1)          # 10 samples exactly on 5 modes
    far = torch.tensor([[1.0, 1.0], [3.0, 3.0]])       # between modes: low quality
    samples = torch.cat([on_modes, far])
    assert mix.modes_covered(samples) == 5
    assert mix.high_quality_share(samples) == pytest.approx(10 / 12)
    uniform = grid_means()
    assert mix.reverse_kl(uniform) == pytest.approx(0.0, abs=1e-9)
    one_mode = grid_means()[:1].repeat(10, 1)
    assert mix.reverse_kl(one_mode) == pytest.approx(math.log(25))


def test_real_samples_score_perfectly():
    mix = Mixture(ring_means(), 0.01)
    real = mix.sample(5000, torch.Generator().manual_seed(0))
    assert mix.modes_covered(real) == 8
    assert mix.high_quality_share(real) > 0.98
    assert mix.reverse_kl(real) < 0.01


def test_default_settings_learn_the_ring():
    """The shipped mixture defaults, cut to 5,000 of their 10,000 steps: every mode covered and
    most samples sharp already (seeds 0-1 on 1 or 2 threads: 73-95 % high quality)."""
    from genforge.plugins import build_registry
    from genforge.training import make_config, train

    registry = build_registry(include_entry_points=False)
    config = make_config("mixture", {"dataset": "ring-8", "steps": 5000, "eval_samples": 2000,
                                     "dataset_options": {"points": 20000}}, registry=registry)
    metrics = train(config, None, registry=registry, report=lambda *_: None).summary["metrics"]
    assert metrics["modes"] == 8
    assert metrics["high_quality"] >= 0.6
    assert metrics["reverse_kl"] < 0.05
