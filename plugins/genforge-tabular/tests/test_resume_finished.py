"""A finished tabular run resumes: its last checkpoint's schema holds what training fitted into it
afterwards (calibration, the resampler), which must not read as other data."""
from genforge.cli import main

TINY = ["--option", "latent_dim=8", "--option", "generator_dims=[16]", "--option", "critic_dims=[16]"]


def test_a_finished_run_resumes_and_other_data_is_still_refused(tmp_path, mixed_table, capsys):
    data, other, run = tmp_path / "d.csv", tmp_path / "other.csv", tmp_path / "run"
    mixed_table.to_csv(data, index=False)
    mixed_table.drop(columns=[mixed_table.columns[0]]).to_csv(other, index=False)
    assert main(["train", "tabular", "--dataset", str(data), "--steps", "3", *TINY, "--out", str(run)]) == 0
    capsys.readouterr()
    assert main(["train", "tabular", "--dataset", str(data), "--steps", "5", *TINY, "--out", str(run),
                 "--resume"]) == 0
    assert "resumed from" in capsys.readouterr().out and (run / "checkpoints" / "step-00000005.pt").exists()
    assert main(["train", "tabular", "--dataset", str(other), "--steps", "7", *TINY, "--out", str(run),
                 "--resume"]) == 2
    assert "data fingerprint" in capsys.readouterr().err
