"""SDV single-table metadata: sdtypes, primary key, datetime formats, PII replaced by Faker
values; a file that disagrees with the table is a clear error naming the column."""
import json

import numpy as np
import pandas as pd
import pytest

from genforge.errors import UserInputError
from genforge_tabular import TabularGAN
from genforge_tabular.bundled import TableSource
from genforge_tabular.domain import TabularDomain
from genforge_tabular.pii import GeneratedColumn
from genforge_tabular.sdv_metadata import read_sdv_metadata


def users(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    start = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    return pd.DataFrame({"user_id": [f"U{i:05d}" for i in range(n)],
                         "email": [f"person{i}@corp.com" for i in range(n)],
                         "name": [f"Person {i}" for i in range(n)], "signup": start.strftime("%d/%m/%Y"),
                         "age": rng.integers(18, 90, n), "plan": rng.choice(["free", "pro", "team"], n),
                         "spend": rng.gamma(2, 30, n).round(2)})


METADATA = {"METADATA_SPEC_VERSION": "SINGLE_TABLE_V1", "primary_key": "user_id", "columns": {
    "user_id": {"sdtype": "id", "regex_format": "U[0-9]{5}"}, "email": {"sdtype": "email", "pii": True},
    "name": {"sdtype": "name", "pii": True}, "signup": {"sdtype": "datetime", "datetime_format": "%d/%m/%Y"},
    "age": {"sdtype": "numerical", "computer_representation": "Int64"}, "plan": {"sdtype": "categorical"},
    "spend": {"sdtype": "numerical"}}}




def test_sdv_metadata_file_trains_and_samples(tmp_path, tiny):
    path = tmp_path / "metadata.json"
    path.write_text(json.dumps({"METADATA_SPEC_VERSION": "V1", "tables": {"users": METADATA}}), encoding="utf-8")
    real = users()
    gan = TabularGAN(steps=20, metadata=str(path), **tiny).fit(real)
    samples = gan.sample(12_000, seed=0)
    assert list(samples.columns) == list(real.columns)
    assert samples.user_id.is_unique and samples.user_id.str.fullmatch(r"U\d{5,}").all()
    assert samples.email.str.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+").all()
    assert not set(samples.email) & set(real.email) and not set(samples.name) & set(real.name)
    assert samples.name.nunique() > 1000
    assert pd.to_datetime(samples.signup, format="%d/%m/%Y").notna().all()  # written in the file's format
    assert samples.age.dtype.kind == "i" and set(samples.plan) <= {"free", "pro", "team"}
    lines = "\n".join(gan.report_.lines())
    assert "column 'email' (email) is generated, not learned: Faker values" in lines
    assert "column 'user_id' (id) is generated, not learned: unique keys" in lines
    with pytest.raises(UserInputError, match="column 'email'.*generated.*cannot be conditioned on"):
        gan.sample(5, conditions={"email": "a@b.c"})


def test_primary_keys_stay_unique_across_chunks():
    key = GeneratedColumn.key("id", pd.Series([3, 4, 10]))
    values = pd.concat([key.values(5, seed=0, offset=0), key.values(5, seed=1, offset=5)])
    assert values.tolist() == list(range(3, 13))


@pytest.mark.parametrize("change, message", [
    (lambda m, d: m["columns"].pop("plan"), r"column 'plan': in the table but not in the metadata"),
    (lambda m, d: m["columns"].update(extra={"sdtype": "categorical"}), r"column 'extra': in the metadata but not"),
    (lambda m, d: d.__setitem__("age", d.age.astype(object).where(d.index != 4, "old")),
     r"column 'age': numerical in the metadata, but holds 'old' \(row 5\)"),
    (lambda m, d: d.__setitem__("signup", d.signup.where(d.index != 2, "2020-13-45")),
     r"column 'signup': value '2020-13-45' does not match datetime_format '%d/%m/%Y'"),
    (lambda m, d: d.__setitem__("user_id", d.user_id.where(d.index != 7, "U00003")),
     r"column 'user_id': the primary key is not unique: 'U00003' on rows 4 and 8"),
    (lambda m, d: m["columns"]["plan"].update(sdtype="colour"), r"column 'plan': sdtype 'colour' is unknown"),
    (lambda m, d: m.update(primary_key="uid"), r"primary key 'uid' is not one of the columns"),
])
def test_metadata_that_disagrees_with_the_table(change, message):
    meta, data = json.loads(json.dumps(METADATA)), users(50)
    change(meta, data)
    with pytest.raises(UserInputError, match=message):
        read_sdv_metadata(meta, data)


def test_bad_metadata_through_the_domain(tmp_path):
    path = tmp_path / "m.json"
    meta = json.loads(json.dumps(METADATA))
    meta["columns"]["spend"]["sdtype"] = "numerical"
    meta["columns"].pop("name")
    path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(UserInputError, match=r"m.json, column 'name': in the table but not in the metadata"):
        TabularDomain().prepare(TableSource(users(60), "users.csv"), {"metadata": str(path)}, 0)
