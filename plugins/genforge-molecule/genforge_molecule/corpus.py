"""A dataset ready for training: parsed training molecules plus the test split's SMILES."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from genforge.domain import DataReport
from genforge_molecule.datasets import in_test_split, option_int, read_moses, read_qm9, read_sample
from genforge_molecule.loading import MoleculeSet, graph_options, parse_molecules, read_records


#: MOSES test molecules read as the reference (FCD uses the first 10,000; MOSES's own
#: benchmark, benchmarks/molecule_moses.py, scores against its full test statistics)
MOSES_TEST_REFERENCE = 20_000


@dataclass
class MoleculeCorpus:
    train: MoleculeSet
    test_smiles: list[str]
    name: str = ""


def split_corpus(molecules: MoleculeSet, name: str) -> MoleculeCorpus:
    """Apply the fixed hash split; a set too small to split keeps every molecule for training."""
    train = [m for m in molecules.molecules if not in_test_split(m.smiles)]
    test = [m.smiles for m in molecules.molecules if in_test_split(m.smiles)]
    if not train or not test:
        return MoleculeCorpus(molecules, [m.smiles for m in molecules.molecules], name)
    return MoleculeCorpus(MoleculeSet(train, molecules.schema, molecules.report), test, name)


def from_records(records: Sequence[tuple[str, str]], options: dict[str, Any], name: str) -> MoleculeCorpus:
    return split_corpus(parse_molecules(records, source=name, **graph_options(options)), name)


def load_qm9(source: Path | None, options: dict[str, Any]) -> MoleculeCorpus:
    return from_records(read_qm9(option_int(options, "limit")), options, "qm9")


def load_qm9_sample(source: Path | None, options: dict[str, Any]) -> MoleculeCorpus:
    return from_records(read_sample(), options, "qm9-sample")


def load_file(source: Path, options: dict[str, Any]) -> MoleculeCorpus:
    return from_records(list(read_records(source, options.get("smiles_column"))), options, str(source))


def load_moses(source: Path | None, options: dict[str, Any]) -> MoleculeCorpus:
    """MOSES train (``limit`` molecules, default 200,000) and its test file."""
    limit = option_int(options, "limit") or 200_000
    train = parse_molecules(read_moses("train", limit), source="moses train", **graph_options(options))
    test = parse_molecules(read_moses("test", MOSES_TEST_REFERENCE), source="moses test", report=DataReport(),
                           max_atoms=max(train.schema.max_atoms, 1))
    return MoleculeCorpus(train, test.smiles, "moses")
