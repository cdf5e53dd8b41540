"""Property-based fuzzing of the file readers (hypothesis), in process: CSV tables, SMILES / CSV /
SDF molecule files, image folders. Every input ends in data or a clear UserInputError (exit 2),
never another exception. GENFORGE_FUZZ_EXAMPLES sets the count per reader (default 500)."""
from __future__ import annotations

import io
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genforge.errors import UserInputError

EXAMPLES = int(os.environ.get("GENFORGE_FUZZ_EXAMPLES", "500"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))

FIELDS = st.one_of(st.sampled_from(["a", "1", "2.5", "", '"x,y"', "nan", " ", "é", "a.1", "1e400", "-", "True",
                                    '"', "2024-01-01", "NULL", "\\N", "0x1F", "∞"]),
                   st.text(max_size=6))
ROWS = st.lists(st.lists(FIELDS, min_size=1, max_size=5), max_size=8)
SEPARATORS = st.sampled_from([",", ";", "\t", "|"])


def _table_text(rows, sep):
    return "\n".join(sep.join(row) for row in rows)


CSV_INPUTS = st.one_of(st.binary(max_size=300), st.builds(lambda r, s: _table_text(r, s).encode("utf-8", "replace"),
                                                        ROWS, SEPARATORS))


def _scratch(name: str, data: bytes) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="genforge-fuzz-"))
    path = folder / name
    path.write_bytes(data)
    return path


def accepts_or_refuses_clearly(read, path: Path) -> None:
    try:
        read(path)
    except UserInputError as exc:  # a message that names the file (exit 2 at the CLI)
        assert path.name in str(exc) or str(path.parent) in str(exc), repr(exc)
    finally:
        shutil.rmtree(path.parent if path.is_file() else path, ignore_errors=True)


@FUZZ
@given(data=CSV_INPUTS, suffix=st.sampled_from([".csv", ".tsv"]))
def test_csv_reader(data, suffix):
    from genforge_tabular.reading import read_table
    accepts_or_refuses_clearly(lambda p: read_table(p, {}), _scratch("table" + suffix, data))


SMILES = st.sampled_from(["CCO", "c1ccccc1", "C1CC", "[Na+].[Cl-]", "CC(=O)O", "XX", "C" * 60, "", "  ", "N#N",
                          "[2H]C", "c1ccc", "C(", "O=C=O", "[Fe]", "CCO name", "\x00", "1"])
SMILES_LINES = st.lists(st.one_of(SMILES, st.text(max_size=8)), max_size=12)
SDF_BLOCK = ("\n  RDKit          2D\n\n  3  2  0  0  0  0  0  0  0  0999 V2000\n"
             "    0.0000    0.0000    0.0000 C   0  0\n    1.2990    0.7500    0.0000 C   0  0\n"
             "    2.5981   -0.0000    0.0000 O   0  0\n  1  2  1  0\n  2  3  1  0\nM  END\n$$$$\n")


@FUZZ
@given(lines=SMILES_LINES, kind=st.sampled_from(["smi", "csv", "sdf"]), cut=st.integers(0, 400),
       noise=st.binary(max_size=40))
def test_molecule_file_reader(lines, kind, cut, noise):
    from genforge_molecule.corpus import load_file
    if kind == "smi":
        data = "\n".join(lines).encode("utf-8", "replace")
    elif kind == "csv":
        data = ("smiles,value\n" + "\n".join(f"{s},{i}" for i, s in enumerate(lines))).encode("utf-8", "replace")
    else:
        data = ((SDF_BLOCK * max(1, len(lines) % 4)).encode()[:cut or None]) + noise
    accepts_or_refuses_clearly(lambda p: load_file(p, {}), _scratch(f"mols.{kind}", data))


def _png(side: int, mode: str, seed: int) -> bytes:
    from PIL import Image
    rng = np.random.default_rng(seed)
    channels = {"L": 1, "RGB": 3, "RGBA": 4}[mode]
    array = rng.integers(0, 256, (side, side + seed % 3, channels), dtype=np.uint8)
    image = Image.fromarray(array[..., 0] if channels == 1 else array, mode)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


IMAGE_FILE = st.one_of(
    st.builds(_png, st.integers(1, 12), st.sampled_from(["L", "RGB", "RGBA"]), st.integers(0, 5)),
    st.binary(max_size=64))
IMAGE_ENTRY = st.tuples(st.sampled_from(["", "cat", "dog", "cat/deep"]), st.sampled_from([".png", ".jpg", ".txt", ""]),
                        IMAGE_FILE)


@FUZZ
@given(entries=st.lists(IMAGE_ENTRY, max_size=6), skip_bad=st.booleans())
def test_image_folder_reader(entries, skip_bad):
    from genforge_image.loading import load_folder
    folder = Path(tempfile.mkdtemp(prefix="genforge-fuzz-"))
    for i, (sub, suffix, data) in enumerate(entries):
        path = folder / sub / f"img{i}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    try:
        load_folder(folder, {"skip_bad": skip_bad})
    except UserInputError as exc:
        assert str(exc).strip(), repr(exc)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
