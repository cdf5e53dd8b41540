"""Large tables read in chunks (``streaming.py``): a bounded uniform sample in file order, every
row encoded compactly, training and sampling through the CLI, and clear refusals."""
import numpy as np
import pandas as pd
import pytest

from genforge.cli import main
from genforge_tabular.bundled import load_file
from genforge_tabular.streaming import StreamedTable, bounded_sample, should_stream


def _table(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    label = np.where(rng.random(n) < 0.2, "rare", "common")
    return pd.DataFrame({"x": np.where(label == "rare", rng.normal(5, 1, n), rng.normal(-5, 1, n)).round(2),
                         "age": rng.integers(18, 90, n), "colour": rng.choice(["red", "blue", "green"], n),
                         "label": label, "row": np.arange(n)})


def test_bounded_sample_is_uniform_in_file_order_and_reproducible():
    chunks = lambda: (_table(10_000).iloc[i:i + 500] for i in range(0, 10_000, 500))  # noqa: E731
    sample, rows = bounded_sample(chunks(), 1000, seed=3, holdout=0.25)
    assert rows == 10_000 and len(sample) == 1000 and sample["row"].is_monotonic_increasing
    assert sample["row"].is_unique
    per_chunk = np.bincount(sample["row"] // 500, minlength=20)
    assert per_chunk.min() >= 25 and per_chunk.max() <= 80  # 50 expected in each of the 20 chunks
    assert 0.18 < sample["__holdout__"].mean() < 0.32
    again, _ = bounded_sample(chunks(), 1000, seed=3, holdout=0.25)
    pd.testing.assert_frame_equal(sample, again)
    small, rows = bounded_sample(chunks(), 20_000, seed=3)
    assert len(small) == rows == 10_000  # a bound above the table: every row


def test_a_streamed_csv_trains_and_samples_through_the_cli(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GENFORGE_PROGRESS", "plain")  # the core's progress lines, one per chunk
    monkeypatch.setenv("GENFORGE_PROGRESS_EVERY", "0")
    data, run, out = tmp_path / "big.csv", tmp_path / "run", tmp_path / "s.parquet"
    _table(3000).drop(columns="row").to_csv(data, index=False)
    assert not should_stream(data, {}) and should_stream(data, {"stream": True})
    chunks = list(StreamedTable(data, {"chunk_rows": 700}).chunks())
    assert [len(c) for c in chunks] == [700, 700, 700, 700, 200]
    options = ["--dataset-option", "stream=true", "--dataset-option", "chunk_rows=700",
               "--dataset-option", "sample_rows=1000", "--dataset-option", "holdout=0.1",
               "--dataset-option", "resample=false", "--dataset-option", "calibrate=false"]
    assert main(["train", "tabular", "--dataset", str(data), "--target", "label", "--steps", "5",
                 "--batch-size", "100", "--option", "pac=2", "--option", "latent_dim=8", "--option",
                 "generator_dims=[32]", "--option", "critic_dims=[32]", *options, "--out", str(run)]) == 0
    captured = capsys.readouterr()
    assert "reading big.csv, pass 1 of 2 (sample): row 3000" in captured.err
    assert "reading big.csv, pass 2 of 2 (encode): row 3000/3000" in captured.err
    assert "read in chunks of 700 rows (3,000 rows): columns fitted on a uniform sample of 1,000" in captured.out
    assert main(["sample", str(run), "-n", "2000", "--condition", "label=rare", "--out", str(out)]) == 0
    rows = pd.read_parquet(out)
    assert len(rows) == 2000 and (rows.label == "rare").all() and set(rows.colour) <= {"red", "blue", "green"}
    source = load_file(data, {"stream": True, "chunk_rows": 700})
    from genforge.plugins import get_registry
    prepared = get_registry().domain("tabular").prepare(source, {"stream": True, "holdout": 0.1,
                                                                 "chunk_rows": 700}, 0)
    train = _table(3000).drop(columns="row")[~(np.random.default_rng([0, 1]).random(3000) < 0.1)]
    assert prepared.size == len(train) and 2600 < len(train) < 2800
    decoded = prepared.schema.transformer.decode(prepared.encoded[:])  # every row, chunk by chunk, in order
    assert (decoded[["colour", "label"]].to_numpy() == train[["colour", "label"]].to_numpy()).all()
    assert np.abs(decoded.x.to_numpy() - train.x.to_numpy()).max() < 0.05
    assert prepared.encoded.nbytes < len(train) * 4 * 8  # int32 codes, float32 scalars, int16 modes


def test_streaming_refuses_what_needs_the_whole_table(tmp_path, capsys):
    data = tmp_path / "t.parquet"
    _table(500).to_parquet(data)
    rules = tmp_path / "r.toml"
    rules.write_text('[[constraints]]\nkind = "positive"\ncolumn = "age"\n', encoding="utf-8")
    assert main(["train", "tabular", "--dataset", str(data), "--steps", "2", "--constraints", str(rules),
                 "--dataset-option", "stream=true", "--out", str(tmp_path / "r")]) == 2
    assert (f"{data}: dataset option constraints needs the whole table in memory, but this file is large enough "
            "to be streamed; pass dataset option stream=false") in capsys.readouterr().err
    assert main(["train", "tabular", "--dataset", str(data), "--steps", "2", "--dataset-option", "stream=maybe",
                 "--out", str(tmp_path / "r2")]) == 2
    assert "dataset option stream='maybe': expected true, false or auto" in capsys.readouterr().err
    with pytest.raises(Exception, match="chunk_rows=0: expected a positive whole number"):
        StreamedTable(data, {"chunk_rows": 0})


def test_a_csv_column_that_changes_type_after_its_first_block_is_read_wider(tmp_path, monkeypatch, capsys):
    import genforge_tabular.streaming as streaming
    monkeypatch.setattr(streaming, "CSV_BLOCK_BYTES", 4096)  # blocks of ~250 rows: types from the first
    table = _table(3000)
    table["age"] = table["age"].astype(object)
    table.loc[2500, "age"] = 40.5  # integers, then a number that is not one
    table["row"] = table["row"].astype(object)
    table.loc[2900, "row"] = "unknown"  # integers, then text
    data = tmp_path / "t.csv"
    table.to_csv(data, index=False)
    stream = StreamedTable(data, {"chunk_rows": 1000})
    with pytest.raises(streaming.TypeWidened, match=r"column 'age' was read as int64 from its first rows, but "
                       r"line 2,502 has '40.5': reading the file again with column 'age' as float64"):
        list(stream.chunks())
    with pytest.raises(streaming.TypeWidened, match="column 'row' .* line 2,902 has 'unknown': .* column 'row' as string"):
        list(stream.chunks())
    back = pd.concat(list(stream.chunks()), ignore_index=True)
    assert back["age"].dtype == float and back["age"][2500] == 40.5 and back["row"][2900] == "unknown"
    from genforge.plugins import get_registry
    table.drop(columns="row").to_csv(data, index=False)  # (a text among numbers is refused as in a whole table)
    prepared = get_registry().domain("tabular").prepare(load_file(data, {"stream": True}),
                                                        {"stream": True, "chunk_rows": 1000}, 0)
    assert prepared.size == 3000 and "column 'age' was read as int64" in capsys.readouterr().err
