import importlib
import sys

import pytest
import torch
from torch_geometric.utils import to_dense_adj, to_dense_batch
from torch_geometric.data import Batch as PygBatch

from genforge.errors import UserInputError
from genforge_molecule.datasets import in_test_split, qm9_files, read_qm9
from genforge_molecule.loading import load_molecule_file, parse_molecules, read_records
from genforge_molecule.schema import MoleculeSchema


def test_bad_lines_are_counted_by_reason_with_examples(smi_file):
    mols = load_molecule_file(smi_file, {"max_atoms": 9, "atom_types": ["C", "N", "O"]})
    r = mols.report
    assert r.total == 12 and r.used == 5
    assert r.skipped == {"empty line or cell": 1, "invalid SMILES (RDKit cannot parse or sanitize it)": 1,
                         "several fragments (salt or mixture)": 2,
                         "charged atom (the graphs hold neutral atoms)": 1,
                         "element outside the atom vocabulary ['C', 'N', 'O']": 1,
                         "more than 9 heavy atoms": 1}
    assert r.examples["invalid SMILES (RDKit cannot parse or sanitize it)"] == ["line 7: 'C1CC'"]
    assert mols.smiles == ["CCO", "c1ccccc1", "CC(N)=O", "C1CC1", "N#CO"]


def test_vocabulary_and_max_atoms_are_derived_from_the_data(smi_file):
    mols = load_molecule_file(smi_file, {})
    assert mols.schema.atom_types == ["C", "O", "N", "Si"]  # by frequency
    assert mols.schema.max_atoms == 12
    assert mols.schema.valences == [4, 2, 3, 4]


def test_graphs_are_pyg_data_and_match_the_dense_form(smi_file):
    mols = load_molecule_file(smi_file, {"atom_types": ["C", "N", "O"]})
    graphs = mols.graphs()
    benzene = graphs[1]
    assert benzene.smiles == "c1ccccc1" and benzene.x.tolist() == [1] * 6
    assert sorted(benzene.edge_attr.tolist()) == [1] * 6 + [2] * 6  # kekulized, both directions
    nodes, edges = mols.dense()
    batch = PygBatch.from_data_list(graphs)
    x, _ = to_dense_batch(batch.x, batch.batch, max_num_nodes=mols.schema.max_atoms)
    adj = to_dense_adj(batch.edge_index, batch.batch, batch.edge_attr, max_num_nodes=mols.schema.max_atoms)
    assert torch.equal(x, nodes.long()) and torch.equal(adj.long(), edges.long())


def test_csv_and_sdf(tmp_path):
    csv_path = tmp_path / "m.csv"
    csv_path.write_text("name,SMILES\na,CCO\nb,not-a-smiles\nc,CCN\n", encoding="utf-8")
    mols = load_molecule_file(csv_path, {})
    assert mols.smiles == ["CCO", "CCN"] and mols.report.examples[
        "invalid SMILES (RDKit cannot parse or sanitize it)"] == ["row 3: 'not-a-smiles'"]
    bad = tmp_path / "bad.csv"
    bad.write_text("name,value\na,1\n", encoding="utf-8")
    with pytest.raises(UserInputError, match="no SMILES column .*name, value"):
        load_molecule_file(bad, {})
    from rdkit import Chem
    sdf = tmp_path / "m.sdf"
    writer = Chem.SDWriter(str(sdf))
    for s in ("CCO", "c1ccncc1"):
        writer.write(Chem.MolFromSmiles(s))
    writer.close()
    assert load_molecule_file(sdf, {}).smiles == ["CCO", "c1ccncc1"]


def test_not_a_molecule_file(tmp_path):
    binary = tmp_path / "x.smi"
    binary.write_bytes(b"\x89PNG\x00\x00\x01")
    with pytest.raises(UserInputError, match="binary data, not a molecule file"):
        list(read_records(binary))
    junk = tmp_path / "y.txt"
    junk.write_text("hello world\nthis is prose\n", encoding="utf-8")
    with pytest.raises(UserInputError, match="no usable molecule among 2 records: .*invalid SMILES"):
        load_molecule_file(junk, {})


def test_unusual_hydrogens_are_refused():
    mols = parse_molecules([("a", "CCO"), ("b", "[CH2]C"), ("c", "[13CH4]"), ("d", "c1cc[nH]c1")])
    assert mols.smiles == ["CCO", "c1cc[nH]c1"]
    assert mols.report.skipped == {"radical electrons": 1,
                                   "isotope label (e.g. [13C], [2H]): the graphs carry none": 1}


def test_stereo_and_isotopes_are_counted_by_reason_with_examples():
    from genforge_molecule.loading import ISOTOPE, STEREO
    records = [("line 1", "CCO"), ("line 2", "C[C@H](N)O"), ("line 3", "F/C=C/F"), ("line 4", "[2H]C(Cl)Cl"),
               ("line 5", "[NH4+]")]
    mols = parse_molecules(records)
    assert mols.smiles == ["CCO"] and mols.report.used == 1 and mols.report.total == 5
    assert mols.report.skipped[STEREO] == 2 and mols.report.skipped[ISOTOPE] == 1
    assert mols.report.examples[STEREO] == ["line 2: 'C[C@H](N)O'", "line 3: 'F/C=C/F'"]
    assert any("skipped 2: stereochemistry" in line and "line 2" in line for line in mols.report.lines())
    flat = parse_molecules(records, drop_stereo=True)  # the option keeps them, flattened
    assert flat.smiles == ["CCO", "CC(N)O", "FC=CF"] and STEREO not in flat.report.skipped


def test_a_library_with_nothing_usable_exits_2_naming_the_reasons(tmp_path, capsys):
    from genforge.cli import main
    library = tmp_path / "chiral.smi"
    library.write_text("C[C@H](N)O\n[13CH3]O\nCC.Cl\n")
    assert main(["train", "molecule", "--dataset", str(library), "--steps", "1", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "no usable molecule among 3 records" in err and "stereochemistry" in err and "isotope" in err
    assert "salt" in err and "Traceback" not in err


def test_qm9_is_found_without_importing_qm9pack():
    sys.modules.pop("qm9pack", None)
    files = qm9_files()
    assert [f.name for f in files] == ["qm9_part1.csv", "qm9_part2.csv", "qm9_part3.csv"]
    records = read_qm9(limit=50)
    assert len(records) == 50 and records[0] == ("qm9_part1.csv row 2", "C")
    assert "qm9pack" not in sys.modules


def test_split_is_fixed_and_about_ten_percent():
    smiles = [f"C{'C' * k}O" for k in range(2000)]
    share = sum(map(in_test_split, smiles)) / len(smiles)
    assert 0.07 < share < 0.13
    assert in_test_split("CCO") == in_test_split("CCO")


def test_aromatic_graphs_keep_aromatic_bonds_and_pyrrole_type_nitrogens():
    records = [("a", "c1ccccc1"), ("b", "Cc1cc[nH]n1"), ("c", "O=c1[nH]cc[nH]1"), ("d", "CCO")]
    mols = parse_molecules(records, aromatic=True)
    assert mols.report.used == 4 and mols.schema.aromatic
    assert mols.schema.atom_types == ["C", "[nH]", "O", "N"] and mols.schema.valences == [4, 2, 2, 3]
    assert mols.schema.edge_types == 5
    assert MoleculeSchema.from_state(mols.schema.to_state()) == mols.schema  # saved with the run
    benzene, pyrazole = mols.graphs()[:2]
    assert benzene.edge_attr.tolist() == [4] * 12
    assert sorted(pyrazole.x.tolist()) == [1, 1, 1, 1, 2, 4]  # four C, one [nH], one n
    kekulized = parse_molecules(records)
    assert kekulized.schema.edge_types == 4 and "[nH]" not in kekulized.schema.atom_types
    assert mols.smiles == kekulized.smiles  # the same molecules either way


def test_aromatic_option_must_be_a_boolean(smi_file):
    with pytest.raises(UserInputError, match="dataset option 'aromatic' must be true or false"):
        load_molecule_file(smi_file, {"aromatic": "yes"})


def test_rings_first_puts_ring_atoms_first_in_cycle_order():
    records = [("a", "OCc1ccccc1"), ("b", "CC1CCO1"), ("c", "CCO")]
    mols = parse_molecules(records, aromatic=True, rings_first=True)
    toluol, oxetane, ethanol = mols.molecules
    ring = {(min(i, j), max(i, j), t) for i, j, t in toluol.bonds if i < 6 and j < 6}
    assert ring == {(0, 1, 4), (1, 2, 4), (2, 3, 4), (3, 4, 4), (4, 5, 4), (0, 5, 4)}
    assert toluol.elements == ["C"] * 7 + ["O"]  # the ring, then CH2, then O breadth-first
    assert sorted(oxetane.elements[:4]) == ["C", "C", "C", "O"]
    assert ethanol.elements == ["C", "C", "O"]
    assert mols.smiles == parse_molecules(records).smiles  # the same molecules


def test_size_limit_is_a_high_percentile_and_outliers_are_counted():
    from genforge_molecule.loading import parse_molecules
    records = [(f"line {k}", "C" * (3 + k % 5)) for k in range(2000)] + [("line 2001", "C" * 40)]
    molecules = parse_molecules(records)
    assert molecules.schema.max_atoms == 7 and molecules.report.used == 2000
    (reason, count), = molecules.report.skipped.items()
    assert count == 1 and reason.startswith("more than 7 heavy atoms (outlier: over 1.5x the 99th percentile")
    assert molecules.report.examples[reason] == ["C" * 40]
