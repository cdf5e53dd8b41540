import pandas as pd

from genforge_molecule.demo import run_demo


def test_demo_trains_latentgan_on_moses_and_ranks_by_its_objective_file(tmp_path):
    lines = run_demo(tmp_path, seed=0, steps=3, molecules=300, count=200)
    assert "3 GAN steps on" in lines[0] and "MOSES molecules (moses-train-300.smi)" in lines[0]
    assert "200 samples: 100.0% valid with no repair" in lines[1] and "pass MOSES's filters" in lines[1]
    assert (tmp_path / "moses-train-300.smi").read_text().count("\n") == 300
    table = pd.read_csv(tmp_path / "candidates.csv")
    assert {"smiles", "name", "score", "score_qed", "score_moses_filters", "score_alerts", "qed", "alerts"} <= set(table.columns)
    assert table["score"].is_monotonic_decreasing and table["smiles"].is_unique and 0 < len(table) <= 200
    assert (tmp_path / "top-candidates.png").stat().st_size > 10_000
    assert "kind = \"qed\"" in (tmp_path / "drug_like.toml").read_text()
