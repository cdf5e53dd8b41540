"""A dataset ready for training: parsed training molecules plus the test split's SMILES."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from genforge.domain import DataReport
from genforge_molecule.datasets import (QM9_SAMPLE, in_test_split, iter_moses, moses_files, option_bool,
                                        option_int, qm9_files, read_moses, read_qm9, read_sample)
from genforge_molecule.code_corpus import CodeSet, chunked, code_set, file_identity
from genforge_molecule.loading import MoleculeSet, graph_options, parse_molecules, read_records


#: MOSES test molecules read as the reference (FCD uses the first 10,000; MOSES's own
#: benchmark, benchmarks/molecule_moses.py, scores against its full test statistics)
MOSES_TEST_REFERENCE = 20_000


@dataclass
class MoleculeCorpus:
    #: graphs, or with dataset option ``codes`` SMILES and autoencoder codes only
    train: MoleculeSet | CodeSet
    test_smiles: list[str]
    name: str = ""


def split_corpus(molecules: MoleculeSet, name: str) -> MoleculeCorpus:
    """Apply the fixed hash split; a set too small to split keeps every molecule for training."""
    train = [m for m in molecules.molecules if not in_test_split(m.smiles)]
    test = [m.smiles for m in molecules.molecules if in_test_split(m.smiles)]
    if not train or not test:
        return MoleculeCorpus(molecules, [m.smiles for m in molecules.molecules], name)
    return MoleculeCorpus(MoleculeSet(train, molecules.schema, molecules.report), test, name)


def from_records(records: Sequence[tuple[str, str]], options: dict[str, Any], name: str,
                 identity: Any = None) -> MoleculeCorpus:
    """The corpus of ``records`` (graphs; with dataset option ``codes``, SMILES and codes, cached
    under ``identity``, the data's fingerprint)."""
    if codes_only(options):
        return split_codes(code_set(chunked(records), code_options(options), name, identity), name)
    return split_corpus(parse_molecules(records, source=name, **graph_options(options)), name)


def codes_only(options: dict[str, Any]) -> bool:
    """Dataset option ``codes``: the SMILES-only path of :mod:`genforge_molecule.code_corpus`."""
    return option_bool(options, "codes")


def code_options(options: dict[str, Any]) -> dict[str, Any]:
    graph = graph_options(options)
    return {"atom_types": graph["atom_types"], "max_atoms": graph["max_atoms"], "drop_stereo": graph["drop_stereo"],
            "limit": option_int(options, "limit")}


def split_codes(codes: CodeSet, name: str) -> MoleculeCorpus:
    """:func:`split_corpus` for a :class:`CodeSet`: the hash split's test molecules leave the codes."""
    test = [in_test_split(s) for s in codes.smiles]
    if all(test) or not any(test):
        return MoleculeCorpus(codes, list(codes.smiles), name)
    keep = [k for k, t in enumerate(test) if not t]
    codes.schema.training_codes = codes.codes = codes.codes[keep]
    test_smiles = [s for s, t in zip(codes.smiles, test) if t]
    codes.smiles = [codes.smiles[k] for k in keep]
    return MoleculeCorpus(codes, test_smiles, name)


def load_qm9(source: Path | None, options: dict[str, Any]) -> MoleculeCorpus:
    return from_records(read_qm9(option_int(options, "limit")), options, "qm9",
                        [file_identity(p) for p in qm9_files()])


def load_qm9_sample(source: Path | None, options: dict[str, Any]) -> MoleculeCorpus:
    return from_records(read_sample(), options, "qm9-sample", file_identity(QM9_SAMPLE))


def load_file(source: Path, options: dict[str, Any]) -> MoleculeCorpus:
    return from_records(list(read_records(source, options.get("smiles_column"))), options, str(source),
                        [file_identity(source), options.get("smiles_column")])


def load_moses(source: Path | None, options: dict[str, Any]) -> MoleculeCorpus:
    """MOSES train (``limit`` molecules, default 200,000; with dataset option ``codes`` the whole
    set by default, streamed) and its test file."""
    if codes_only(options):
        limit = option_int(options, "limit")
        train = code_set(iter_moses("train", limit), code_options(options), "moses train",
                         file_identity(moses_files()["train"]))
        test = parse_molecules(read_moses("test", MOSES_TEST_REFERENCE), source="moses test",
                               report=DataReport(), max_atoms=max(train.schema.max_atoms, 1))
        return MoleculeCorpus(train, test.smiles, "moses")
    limit = option_int(options, "limit") or 200_000
    train = parse_molecules(read_moses("train", limit), source="moses train", **graph_options(options))
    test = parse_molecules(read_moses("test", MOSES_TEST_REFERENCE), source="moses test", report=DataReport(),
                           max_atoms=max(train.schema.max_atoms, 1))
    return MoleculeCorpus(train, test.smiles, "moses")
