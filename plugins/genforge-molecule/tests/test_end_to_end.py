import csv

import pytest
from rdkit import Chem
from rdkit.Chem import QED

from genforge.cli import main
from genforge.runs import Run
from genforge_molecule.datasets import QM9_SAMPLE

CONFIG = """steps = 6
batch_size = 32
eval_samples = 200
[model]
hidden = [32, 64]
conv = [16]
aggregate = 16
mlp = [16]
reward = "validity"
"""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("molecule")
    data = tmp / "qm9_600.smi"
    data.write_text("".join(QM9_SAMPLE.read_text().splitlines(keepends=True)[:600]))
    (tmp / "tiny.toml").write_text(CONFIG)
    run = tmp / "run"
    assert main(["train", "molecule", "--dataset", str(data), "--config", str(tmp / "tiny.toml"),
                 "--out", str(run)]) == 0
    return run


def test_sample_writes_smi_csv_and_sdf(run_dir, tmp_path):
    assert main(["sample", str(run_dir), "-n", "300", "--seed", "3", "--out", str(tmp_path / "m.smi")]) == 0
    lines = (tmp_path / "m.smi").read_text().splitlines()
    assert 250 <= len(lines) <= 300 and all(Chem.MolFromSmiles(s) is not None for s in lines)
    assert main(["sample", str(run_dir), "-n", "300", "--seed", "3", "--out", str(tmp_path / "m.csv")]) == 0
    rows = list(csv.DictReader(open(tmp_path / "m.csv")))
    assert [r["smiles"] for r in rows] == lines  # same seed, same molecules
    assert float(rows[0]["qed"]) == pytest.approx(QED.qed(Chem.MolFromSmiles(lines[0])), abs=1e-4)
    assert main(["sample", str(run_dir), "-n", "20", "--out", str(tmp_path / "m.sdf")]) == 0
    mols = [m for m in Chem.SDMolSupplier(str(tmp_path / "m.sdf"))]
    assert len(mols) >= 15 and mols[0].HasProp("qed")


def test_condition_keeps_molecules_in_the_property_range(run_dir, tmp_path):
    out = tmp_path / "good.smi"
    assert main(["sample", str(run_dir), "-n", "50", "--condition", "qed=0.5", "--out", str(out)]) == 0
    smiles = out.read_text().splitlines()
    assert len(smiles) == 50 and min(QED.qed(Chem.MolFromSmiles(s)) for s in smiles) >= 0.5
    assert main(["sample", str(run_dir), "-n", "5", "--condition", "colour=red", "--out", str(out)]) == 2


def test_evaluate_reports_metrics_and_writes_pictures(run_dir, capsys):
    assert main(["evaluate", str(run_dir), "-n", "300", "--json"]) == 0
    out = capsys.readouterr().out
    for name in ("validity", "raw_validity", "uniqueness", "novelty", "int_div1", "filters", "fcd"):
        assert f'"{name}"' in out
    assert (run_dir / "molecules.png").stat().st_size > 10_000
    assert (run_dir / "properties.png").stat().st_size > 10_000
    run = Run(run_dir)
    assert sorted(run.schema.atom_types) == ["C", "F", "N", "O"] and run.schema.max_atoms == 9


def test_nothing_usable_exits_with_status_2(tmp_path, capsys):
    bad = tmp_path / "bad.smi"
    bad.write_text("xyz\n[Na+].[Cl-]\n\n")
    assert main(["train", "molecule", "--dataset", str(bad), "--steps", "1", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "no usable molecule among 3 records" in err and "several fragments (salt or mixture)" in err


def test_molecule_gan_fit_generate():
    from genforge_molecule import MoleculeGAN

    smiles = [line.split()[0] for line in QM9_SAMPLE.read_text().splitlines()[:400]]
    gan = MoleculeGAN(steps=4, batch_size=32, model_options={"hidden": [32], "conv": [16], "aggregate": 16,
                                                             "mlp": [16]}).fit(smiles)
    generated = gan.generate(100)
    assert 90 <= len(generated) <= 100 and all(Chem.MolFromSmiles(s) for s in generated)
    assert gan.generate(100) == generated  # same seed, same molecules
    assert gan.get_params()["steps"] == 4
    aromatic = MoleculeGAN(steps=2, batch_size=32, aromatic=True, rings_first=True,
                           model_options={"hidden": [32], "conv": [16], "aggregate": 16, "mlp": [16]}).fit(smiles)
    assert aromatic.schema_.edge_types == 5
    assert all(Chem.MolFromSmiles(s) for s in aromatic.generate(50))
