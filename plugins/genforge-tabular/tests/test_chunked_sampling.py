"""Sampling in seeded chunks: the same rows for a seed with one or two worker processes, a
sample's first chunks do not depend on how many rows follow, the caller's random stream is
left alone; the generator's sampling path (hard Gumbel argmax, sparse condition) computes the
training path's function."""
import pandas as pd
import pytest
import torch

from genforge.errors import UserInputError
from genforge_tabular import TabularGAN
from genforge_tabular.chunked_sampling import (WORKERS_ENV, chunk_seeds, chunk_sizes, reseeded, sample_workers,
                                               seeded_chunks)


@pytest.fixture(scope="module")
def fitted(mixed_table, tiny):
    return TabularGAN(steps=6, target="label", threads=1, **tiny).fit(mixed_table)


def test_same_seed_same_rows_with_one_and_two_workers(fitted, monkeypatch, tmp_path):
    rows = {}
    for workers in ("1", "2"):
        monkeypatch.setenv(WORKERS_ENV, workers)
        out = tmp_path / f"w{workers}.parquet"
        assert fitted.trained_.sample_to(out, 2_500, seed=7, chunk_size=1_000) == 2_500
        rows[workers] = pd.read_parquet(out)
    pd.testing.assert_frame_equal(rows["1"], rows["2"])
    assert rows["1"]["x"].nunique() > 500 and set(rows["1"]["label"]) == {"rare", "common"}
    monkeypatch.setenv(WORKERS_ENV, "1")  # the first chunks are those of a shorter sample
    shorter = pd.concat(list(fitted.trained_.sample_chunks(2_000, seed=7, chunk_size=1_000)), ignore_index=True)
    pd.testing.assert_frame_equal(shorter, rows["1"].iloc[:2_000])
    other = pd.concat(list(fitted.trained_.sample_chunks(1_000, seed=8, chunk_size=1_000)), ignore_index=True)
    assert not other.equals(rows["1"].iloc[:1_000])


def test_chunks_in_order_and_streams_untouched():
    assert chunk_sizes(2_500, 1_000) == [1_000, 1_000, 500]
    seeds = chunk_seeds(torch.Generator().manual_seed(3), 3)
    assert seeds[:2] == chunk_seeds(torch.Generator().manual_seed(3), 2) and len(set(seeds)) == 3
    rng = torch.Generator().manual_seed(1)
    draw = lambda k: torch.rand(k, generator=rng)  # noqa: E731
    first = reseeded(rng, 5, draw, 3)
    assert torch.equal(first, reseeded(rng, 5, draw, 3))
    assert torch.equal(torch.rand(2, generator=rng), torch.rand(2, generator=torch.Generator().manual_seed(1)))
    work = lambda i: float(reseeded(rng, seeds[i], draw, 1))  # noqa: E731
    assert list(seeded_chunks(work, 3, 2)) == list(seeded_chunks(work, 3, 1))


def test_worker_count_setting(monkeypatch):
    monkeypatch.setenv(WORKERS_ENV, "3")
    assert sample_workers(10) == 3 and sample_workers(2) == 2
    monkeypatch.setenv(WORKERS_ENV, "many")
    with pytest.raises(UserInputError, match="GENFORGE_SAMPLE_WORKERS='many'"):
        sample_workers(4)


def test_sampling_path_computes_the_training_paths_function(fitted):
    gen, schema = fitted.trained_.generator.eval(), fitted.schema_
    cond = schema.empirical_conditions(3_000, torch.Generator().manual_seed(1))
    z = torch.randn(3_000, gen.body[0].fc.in_features - cond.shape[1], generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        dense = gen.head(gen.body(torch.cat([z, cond], 1)))
        assert torch.allclose(gen._sparse_condition_forward(z, cond), dense, atol=1e-5)
        torch.manual_seed(4)
        fast = gen(z, cond)
    torch.manual_seed(4)
    with torch.enable_grad():
        slow = gen(z, cond).detach()
    for start, end, activation in schema.transformer.spans():
        if activation == "softmax":  # the same level drawn from the same noise, on (almost) every row
            assert (fast[:, start:end].argmax(1) == slow[:, start:end].argmax(1)).float().mean() > 0.999
            assert set(fast[:, start:end].sum(1).tolist()) == {1.0}
        else:
            assert torch.allclose(fast[:, start:end], slow[:, start:end], atol=1e-5)
