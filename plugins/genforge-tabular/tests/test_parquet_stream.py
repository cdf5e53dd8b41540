"""Streaming sample files: complete files appear under their name only at the end, a failure
leaves nothing behind, and chunks whose dtypes differ (missing values) still write."""
import numpy as np
import pandas as pd
import pytest

from genforge_tabular.parquet_stream import write_table_stream


def chunks(k: int, rows: int = 1000):
    for i in range(k):
        age = np.arange(rows) + i * rows
        frame = pd.DataFrame({"age": age, "colour": np.where(age % 2, "red", "blue"), "x": age / 7})
        if i == 1:  # a chunk with a missing value: pandas makes the integers floats
            frame["age"] = frame["age"].astype(float)
            frame.loc[3, "age"] = np.nan
        yield frame


@pytest.mark.parametrize("name", ["out.parquet", "out.csv"])
def test_streams_all_rows_with_progress(tmp_path, name, capsys, monkeypatch):
    monkeypatch.setenv("GENFORGE_PROGRESS", "plain")  # the core's progress lines, one per chunk
    monkeypatch.setenv("GENFORGE_PROGRESS_EVERY", "0")
    path = tmp_path / name
    assert write_table_stream(chunks(3), path, total=3000) == 3000
    back = pd.read_parquet(path) if name.endswith("parquet") else pd.read_csv(path)
    assert len(back) == 3000 and back.age.isna().sum() == 1 and back.age.max() == 2999
    err = capsys.readouterr().err
    assert f"writing {name}: row 1000/3000" in err and f"writing {name}: row 3000/3000" in err and "done in" in err
    monkeypatch.setenv("GENFORGE_PROGRESS", "0")  # --quiet: nothing
    assert write_table_stream(chunks(3), path, total=3000) == 3000 and capsys.readouterr().err == ""
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_a_failure_leaves_no_file(tmp_path):
    def failing():
        yield from chunks(1)
        raise RuntimeError("generator failed")

    path = tmp_path / "out.parquet"
    with pytest.raises(RuntimeError):
        write_table_stream(failing(), path, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_the_file_appears_only_when_complete(tmp_path):
    path = tmp_path / "out.parquet"
    seen = []

    def watched():
        for chunk in chunks(2):
            seen.append(path.exists())
            yield chunk

    write_table_stream(watched(), path, progress=False)
    assert seen == [False, False] and path.exists()
