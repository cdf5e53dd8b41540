"""The molecule report sections: properties scored once for every section, the subsample stated."""
from __future__ import annotations

from genforge_molecule import report_section
from genforge_molecule.samples import MoleculeSamples

SMILES = ["CCO", "CCN", "c1ccccc1", "CC(=O)O", "CCO", None, "CCCl"]


def test_properties_are_scored_once_on_a_stated_subsample(monkeypatch):
    calls = []
    score = report_section.property_table
    monkeypatch.setattr(report_section, "property_table", lambda smiles: calls.append(len(smiles)) or score(smiles))
    monkeypatch.setattr(report_section, "PROPERTY_SAMPLE", 3)
    samples = MoleculeSamples(SMILES)
    smiles, props = report_section.scored_molecules(samples)
    assert smiles == ["CCO", "CCN", "c1ccccc1"] and len(props["sa"]) == 3
    assert round(props["weight"][0], 2) == 46.07 and 0 < props["qed"][2] < 1
    report_section.scored_molecules(samples)  # the second section: the same scores, not a second pass
    assert calls == [3]
    assert report_section.scored_note(samples).startswith("the first 3 of 5 unique valid samples")


def test_all_samples_when_the_metrics_scored_them(monkeypatch):
    monkeypatch.setattr(report_section, "property_table", lambda smiles: (_ for _ in ()).throw(AssertionError))
    samples = MoleculeSamples(SMILES)
    samples.__dict__["unique_properties"] = {k: [1.0] * 5 for k in ("qed", "sa", "logp", "weight")}
    assert len(report_section.scored_molecules(samples)[0]) == 5
    assert report_section.scored_note(samples) == "all 5 unique valid samples"


def test_shared_qed_properties_give_rdkit_s_own_values():
    """property_table reuses QED's logP and weight: exactly what RDKit's own calls return."""
    from rdkit import Chem

    from genforge_molecule.properties import PROPERTIES, property_table

    smiles = ["CC(=O)Oc1ccccc1C(=O)O", "[2H]C([2H])([2H])O", "[NH4+].[Cl-]", "C[C@H](N)C(=O)O", "not a molecule"]
    table = property_table(smiles)
    for k, s in enumerate(smiles[:-1]):
        mol = Chem.MolFromSmiles(s)
        assert {n: table[n][k] for n in PROPERTIES} == {n: float(fn(mol)) for n, fn in PROPERTIES.items()}, s
    assert all(table[n][-1] != table[n][-1] for n in PROPERTIES)  # NaN where the SMILES does not parse
    assert property_table(["CCO"], ("logp",)) == {"logp": [float(PROPERTIES["logp"](Chem.MolFromSmiles("CCO")))]}
