"""Domain-level behaviour: conditions, split, options, decode."""
import numpy as np
import pytest
import torch

from genforge.errors import UserInputError
from genforge_image.domain import ImageDomain, split_indices
from genforge_image.loading import load_digits
from genforge_image.samples import ImageSchema, to_training, to_uint8

DOMAIN = ImageDomain()
SCHEMA = ImageSchema(8, 1, ["zero", "one", "two"])


def test_conditions_are_balanced_shuffled_or_one_class():
    rng = torch.Generator().manual_seed(0)
    labels = DOMAIN.condition({}, 9, SCHEMA, rng)
    assert sorted(labels.tolist()) == [0, 0, 0, 1, 1, 1, 2, 2, 2] and labels.tolist() != sorted(labels.tolist())
    assert DOMAIN.condition({"label": "two"}, 4, SCHEMA, rng).tolist() == [2] * 4
    assert DOMAIN.condition({"label": "1"}, 2, SCHEMA, rng).tolist() == [1, 1]
    with pytest.raises(UserInputError, match="label=CLASS only"):
        DOMAIN.condition({"digit": "1"}, 2, SCHEMA, rng)
    with pytest.raises(UserInputError, match="unconditional"):
        DOMAIN.condition({"label": "1"}, 2, ImageSchema(8, 1, []), rng)


def test_split_is_fixed_stratified_and_independent_of_the_training_seed():
    ds = load_digits(None, {})
    train, test = split_indices(len(ds.images), ds.labels)
    again, _ = split_indices(len(ds.images), ds.labels)
    assert np.array_equal(train, again) and not set(train) & set(test)
    assert np.abs(np.bincount(ds.labels[test]) / len(test) - np.bincount(ds.labels) / len(ds.labels)).max() < 0.01
    a = DOMAIN.prepare(ds, {}, seed=1).reference.test_images
    b = DOMAIN.prepare(ds, {}, seed=2).reference.test_images
    assert np.array_equal(a, b)


def test_unknown_dataset_option_and_tiny_datasets_are_refused():
    ds = load_digits(None, {})
    with pytest.raises(UserInputError, match="no option 'sise'"):
        DOMAIN.prepare(ds, {"sise": 16}, seed=0)
    ds.images, ds.labels = ds.images[:5], ds.labels[:5]
    with pytest.raises(UserInputError, match="only 5 usable images"):
        DOMAIN.prepare(ds, {}, seed=0)


def test_encode_decode_round_trip_is_exact():
    images = np.random.default_rng(0).integers(0, 256, (4, 8, 8, 3)).astype(np.uint8)
    assert np.array_equal(to_uint8(to_training(images)).numpy(), images)
    decoded = DOMAIN.decode(torch.full((2, 1, 8, 8), 2.0), SCHEMA)  # out-of-range output is clipped
    assert decoded.images.dtype == torch.uint8 and int(decoded.images.max()) == 255
    assert decoded.class_names == SCHEMA.class_names
