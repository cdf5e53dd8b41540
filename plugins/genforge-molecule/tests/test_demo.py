from genforge_molecule.demo import run_demo


def test_demo_writes_candidates_and_a_grid(tmp_path):
    lines = run_demo(tmp_path, seed=0, steps=3)
    assert "3 steps on 1,800 QM9 molecules" in lines[0] and "% valid" in lines[0]
    header = (tmp_path / "candidates.csv").read_text().splitlines()[0]
    assert header == "smiles,qed,sa,logp,weight"
    assert (tmp_path / "molecules.png").stat().st_size > 10_000
