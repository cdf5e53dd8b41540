"""Bad input: each a clear UserInputError naming the file, the column and the problem."""
import pandas as pd
import pytest

from genforge.errors import UserInputError
from genforge_tabular.bundled import TableSource, load_file
from genforge_tabular.plugin import _DOMAIN


def prepare(path, **options):
    return _DOMAIN.prepare(load_file(path, options), options, 0)


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("content, expected", [
    (b"", "the file is empty"),
    (b"  \n", "the file is empty"),
    (b"a,b,c\n", "has a header (a, b, c) but no data rows"),
    (b"a;b;c\n1;2;3\n4;5;6\n", "header contains ';'; pass the delimiter"),
    (b"name,city\nJos\xe9,Paris\n", "line 2: byte 0xe9 is not valid utf-8"),
    (b"a,b\n1,2,3,4\n5,6\n", "malformed CSV"),
])
def test_unreadable_files_are_refused_with_the_file_named(tmp_path, content, expected):
    path = write(tmp_path, "data.csv", content)
    with pytest.raises(UserInputError) as err:
        prepare(path)
    assert str(path) in str(err.value) and expected in str(err.value)


def test_mixed_types_name_the_column_and_examples(tmp_path):
    rows = "\n".join(f"{i},{v}" for i, v in enumerate(["1.5", "2", "3", "abc", "4", "5", "zz", "6"]))
    path = write(tmp_path, "mixed.csv", f"id,amount\n{rows}\n".encode())
    with pytest.raises(UserInputError, match=r"mixed\.csv, column 'amount': mixed types: 75% .* 'abc'"):
        prepare(path)
    assert prepare(path, discrete_columns=["amount"]).schema.kinds["amount"] == "categorical"


def test_target_with_one_class_or_missing_column(tmp_path):
    path = write(tmp_path, "one.csv", b"x,y\n1.5,a\n2.5,a\n3.5,a\n")
    with pytest.raises(UserInputError, match=r"one\.csv, column 'y': the target has 1 class; "):
        prepare(path, target="y")
    with pytest.raises(UserInputError, match=r"one\.csv: target column 'z' not found; columns: x, y"):
        prepare(path, target="z")


def test_unknown_metadata_column_and_kind(tmp_path):
    path = write(tmp_path, "t.csv", b"x,y\n1.5,a\n2.5,b\n")
    with pytest.raises(UserInputError, match="column 'nope' named in the metadata"):
        prepare(path, metadata={"nope": "categorical"})
    with pytest.raises(UserInputError, match="column 'x': unknown kind 'number'"):
        prepare(path, metadata={"x": "number"})


def test_nothing_dropped_silently_constant_and_id_columns_are_reported(mixed_table):
    df = mixed_table.assign(const="k", rid=[f"r{i}" for i in range(len(mixed_table))])
    data = _DOMAIN.prepare(TableSource(df, "t.csv"), {}, 0)
    lines = "\n".join(data.report.lines())
    assert "column 'const' is constant" in lines and "column 'rid' is ID-like" in lines
    assert data.report.used == data.report.total == 400
    out = _DOMAIN.decode(data.encoded[:5], data.schema)
    assert (out["const"] == "k").all() and out["rid"].nunique() == 5


def test_parquet_is_read(tmp_path, mixed_table):
    path = tmp_path / "t.parquet"
    mixed_table.to_parquet(path)
    assert prepare(path).size == 400
    bad = write(tmp_path, "bad.parquet", b"not parquet")
    with pytest.raises(UserInputError, match="not a readable Parquet file"):
        prepare(bad)


@pytest.mark.parametrize("header, names", [(b"a,b,a\n", "'a'"), (b"x, y,x,y\n", "'x', 'y'")])
def test_duplicate_column_names_are_refused_with_the_names(tmp_path, header, names):
    path = write(tmp_path, "dup.csv", header + b"1,2,3,4\n5,6,7,8\n" if header.count(b",") == 3
                 else header + b"1,2,3\n4,5,6\n")
    with pytest.raises(UserInputError, match=f"column names? {names} appears? more than once"):
        prepare(path)


def test_a_table_too_large_for_the_memory_is_refused_with_the_figures(tmp_path, monkeypatch):
    from genforge_tabular import reading

    path = write(tmp_path, "big.csv", b"a,b\n" + b"".join(b"%d,%d\n" % (i % 7, i % 3) for i in range(5000)))
    monkeypatch.setattr(reading, "available_memory", lambda: 400_000)
    with pytest.raises(UserInputError, match=r"big\.csv: a 0 MB table needs about 0\.0 GB .*34x the file.*rows=N"):
        prepare(path)
    assert len(prepare(path, rows=100).table) == 100  # a sample of the rows is read and trained on
