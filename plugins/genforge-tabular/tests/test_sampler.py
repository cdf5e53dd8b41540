"""Training-by-sampling: conditions first, then real rows that satisfy them."""
import numpy as np
import pytest
import torch

from genforge.errors import UserInputError
from genforge_tabular.bundled import TableSource
from genforge_tabular.schema import TARGET_SHARE
from genforge_tabular.plugin import _DOMAIN


@pytest.fixture(scope="module")
def data(mixed_table):
    return _DOMAIN.prepare(TableSource(mixed_table, "t"), {"target": "label"}, 0)


@pytest.mark.parametrize("pairs, slots", [(True, 2), (False, 1)])
def test_real_rows_satisfy_their_condition(mixed_table, pairs, slots):
    data = _DOMAIN.prepare(TableSource(mixed_table, "t"), {"target": "label", "target_pairs": pairs}, 0)
    batch = data.batch(512, torch.Generator().manual_seed(0))
    cond = batch.condition
    assert cond.shape == (512, data.layout.dim) and (cond.sum(1) == slots).all()
    # the encoded real row carries the conditioned level (and its partner's): those slots are 1
    picked = batch.real[:, data.schema.cond_to_output()]
    assert ((picked * cond).sum(1) == slots).all()


def _target_slot_share(data, n=20000):
    """Share of condition rows that carry a target level."""
    cond = data.conditions(n, torch.Generator().manual_seed(1)).condition
    j = data.schema.discrete_names.index("label")
    a = data.schema.cond_offsets[j]
    return cond[:, a:a + data.schema.cond_widths[j]].sum().item() / n


def test_target_column_is_conditioned_on_target_share_of_the_time(mixed_table):
    data = _DOMAIN.prepare(TableSource(mixed_table, "t"), {"target": "label", "target_pairs": False}, 0)
    assert _target_slot_share(data) == pytest.approx(TARGET_SHARE, abs=0.02)


def test_conditions_pair_the_target_with_a_companion_as_the_data_does(mixed_table):
    d = _DOMAIN.prepare(TableSource(mixed_table, "t"), {"target": "label"}, 0)
    schema = d.schema.from_state(d.schema.to_state())  # what a saved model samples with
    assert _target_slot_share(d) == 1.0  # every condition carries the target
    j, c = schema.discrete_names.index("label"), schema.discrete_names.index("colour")
    label, colour = schema.discrete[j], schema.discrete[c]
    rare, red = label.categories.index("rare"), colour.categories.index("red")
    # sampling on label=rare: the companion's levels follow P(colour | rare) of the table
    cond = schema.one_hot({j: (rare,)}, 20000, torch.Generator().manual_seed(3))
    assert (cond.sum(1) == 2).all()
    real = mixed_table.loc[mixed_table.label == "rare", "colour"].value_counts(normalize=True)
    assert cond[:, schema.cond_offsets[c] + red].mean().item() == pytest.approx(real["red"], abs=0.02)
    # training batches (partner from the real row) and sampling (partner from the tables) agree
    rng = torch.Generator().manual_seed(4)
    trained = torch.cat([d.batch(1000, rng).condition for _ in range(20)]).mean(0)
    sampled = schema.empirical_conditions(20000, torch.Generator().manual_seed(5)).mean(0)
    assert torch.allclose(trained, sampled, atol=0.02)


def test_unconditional_sampling_draws_conditions_as_training_does(mixed_table):
    for share in (0.5, 0.9):
        d = _DOMAIN.prepare(TableSource(mixed_table, "t"), {"target": "label", "target_share": share,
                                                              "target_pairs": False}, 0)
        schema = d.schema.from_state(d.schema.to_state())  # what a saved model samples with
        j = schema.discrete_names.index("label")
        a, w = schema.cond_offsets[j], schema.cond_widths[j]
        for cond in (d.conditions(20000, torch.Generator().manual_seed(1)).condition,
                     schema.empirical_conditions(20000, torch.Generator().manual_seed(1))):
            assert cond[:, a:a + w].sum().item() / 20000 == pytest.approx(share, abs=0.02)
    with pytest.raises(UserInputError, match="target_share=1.5"):
        _DOMAIN.prepare(TableSource(mixed_table, "t"), {"target": "label", "target_share": 1.5}, 0)


def test_level_probabilities_empirical_and_log_frequency(mixed_table):
    counts = mixed_table["colour"].value_counts()
    for mix, expected in ((0.0, counts / counts.sum()),
                          (1.0, np.log1p(counts) / np.log1p(counts).sum())):
        d = _DOMAIN.prepare(TableSource(mixed_table, "t"), {"log_frequency": mix}, 0)
        j = d.schema.discrete_names.index("colour")
        enc = d.schema.discrete[j]
        probs = {enc.categories[i]: d.draws.level_probs[j, i].item() for i in range(len(enc.categories))}
        for level, p in expected.items():
            assert probs[level] == pytest.approx(p)


def test_default_sampling_keeps_the_real_marginals(data, mixed_table):
    rng = torch.Generator().manual_seed(2)
    rows = torch.cat([data.batch(1000, rng).real for _ in range(20)])
    frame = _DOMAIN.decode(rows, data.schema)
    real = mixed_table["label"].value_counts(normalize=True)
    assert frame["label"].value_counts(normalize=True)["rare"] == pytest.approx(real["rare"], abs=0.02)


def test_same_seed_same_batches(data):
    a = data.batch(64, torch.Generator().manual_seed(5))
    b = data.batch(64, torch.Generator().manual_seed(5))
    assert torch.equal(a.real, b.real) and torch.equal(a.condition, b.condition)
