"""Bad input files on every domain end in exit 2 with one line naming the file, never a traceback."""
from __future__ import annotations

import numpy as np
import pytest

from fault_kit import one_clear_line, run_cli

GARBAGE = bytes(range(256)) * 4


def train_on(domain, path, tmp_path):
    return run_cli("train", domain, "--dataset", path, "--steps", 2, "--quiet", "--out", tmp_path / "run")


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.write_bytes if isinstance(data, bytes) else path.write_text)(data)
    return path


CASES = [
    ("tabular", "dup.csv", "a,b,a\n1,2,3\n4,5,6\n", ["'a' appears more than once"]),
    ("tabular", "empty.csv", "", ["empty"]),
    ("tabular", "garbage.csv", GARBAGE, ["garbage.csv"]),
    ("tabular", "header-only.csv", "a,b\n", ["no data rows"]),
    ("molecule", "empty.smi", "", ["empty.smi"]),
    ("molecule", "invalid.smi", "not_a_molecule\nC1CC\nXx\n", ["invalid.smi"]),
    ("molecule", "garbage.sdf", GARBAGE, ["garbage.sdf"]),
    ("text", "empty.txt", "", ["empty.txt"]),
    ("text", "garbage.txt", GARBAGE, ["garbage.txt"]),
    ("mixture", "points.csv", "x,y\n1,2\n", ["cannot read"]),
]


@pytest.mark.parametrize("domain, name, data, fragments", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_bad_files(domain, name, data, fragments, tmp_path):
    path = write(tmp_path / "in" / name, data)
    one_clear_line(train_on(domain, path, tmp_path), *fragments)


def test_image_folder_faults(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    one_clear_line(train_on("image", empty, tmp_path), "empty")
    broken = tmp_path / "broken"
    write(broken / "cat" / "a.png", GARBAGE)
    one_clear_line(train_on("image", broken, tmp_path), "a.png")
    arrays = tmp_path / "wrong.npy"
    np.save(arrays, np.zeros((3,), dtype=np.float32))
    one_clear_line(train_on("image", arrays, tmp_path), "wrong.npy")


def test_missing_and_unknown_names_suggest_the_closest(tmp_path):
    one_clear_line(run_cli("train", "tabulr", "--out", tmp_path / "r"), "did you mean 'tabular'")
    one_clear_line(run_cli("train", "tabular", "--dataset", "penguin", "--out", tmp_path / "r"),
                   "did you mean 'penguins'")
    one_clear_line(run_cli("train", "image", "--model", "dcgna", "--out", tmp_path / "r"), "did you mean 'dcgan'")
    one_clear_line(run_cli("train", "image", "--option", "g_widht=8", "--out", tmp_path / "r"),
                   "did you mean 'g_width'")
