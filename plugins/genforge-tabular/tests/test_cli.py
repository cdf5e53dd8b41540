"""The CLI: train/sample/evaluate on a CSV, `genforge augment`, and exit status 2 for bad input.

The conformance kit runs in test_conformance_tabular.py."""
import json

import pandas as pd
import pytest

from genforge.cli import main


def test_train_sample_evaluate_round_trip(tmp_path, mixed_table, capsys):
    data = tmp_path / "data.csv"
    mixed_table.to_csv(data, index=False)
    config = tmp_path / "c.toml"
    config.write_text('pac = 2\nbatch_size = 64\neval_samples = 300\n[dataset]\ntarget = "label"\nholdout = 0.2\n'
                      '[model]\nlatent_dim = 8\ngenerator_dims = [32]\ncritic_dims = [32]\n')
    run = tmp_path / "run"
    assert main(["train", "tabular", "--dataset", str(data), "--steps", "20", "--config", str(config),
                 "--out", str(run)]) == 0
    out = tmp_path / "rare.parquet"
    assert main(["sample", str(run), "-n", "25000", "--condition", "label=rare", "--out", str(out)]) == 0
    rows = pd.read_parquet(out)
    assert len(rows) == 25000 and (rows["label"] == "rare").all()  # streamed in chunks of 10000
    assert main(["sample", str(run), "-n", "10", "--condition", "label=never", "--out", str(tmp_path / "x.csv")]) == 2
    assert "condition label='never': this value never occurs in column 'label'" in capsys.readouterr().err
    assert main(["evaluate", str(run), "-n", "300", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    metrics = printed["metrics"]
    assert 0 <= metrics["quality"] <= 1 and 0 <= metrics["detection_gb"] <= 1
    assert {"tstr_macro_f1", "uplift_minority_f1", "exact_copies", "dcr_protection"} <= set(metrics)
    for png in ("columns.png", "correlation_difference.png", "loss_curve.png", "pair_trends.png"):
        assert (run / png).stat().st_size > 1000
    # what gives the rows away is printed, not only written: the detector's AUC and top columns, the worst pairs
    assert printed["report"] == (run / "what_gives_rows_away.txt").read_text().splitlines()
    assert main(["evaluate", str(run), "-n", "300"]) == 0
    table = capsys.readouterr().out
    detector = next(line for line in table.splitlines() if line.startswith("gradient-boosting detector: ROC AUC"))
    columns = table.split(detector, 1)[1].splitlines()[1:4]
    assert all(line.split()[0] in mixed_table.columns and line.split()[1][0] in "+-" for line in columns)
    assert "worst column pairs" in table and " x " in table.split("worst column pairs", 1)[1]


def test_augment_command(tmp_path, mixed_table, capsys):
    data = tmp_path / "data.csv"
    mixed_table.to_csv(data, index=False)
    out = tmp_path / "augmented.csv"
    assert main(["augment", str(data), "--target", "label", "--epochs", "3", "--measure-uplift",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "minority-class F1" in printed and "uplift" in printed
    table = pd.read_csv(out)
    real, synthetic = table[table.synthetic == 0], table[table.synthetic == 1]
    assert len(real) == len(mixed_table)
    # --balance (default): the written table (real + synthetic) is balanced, counted on all real rows
    counts = table["label"].value_counts()
    assert counts["rare"] == counts["common"] == mixed_table["label"].value_counts()["common"]
    assert set(synthetic["label"]) == {"rare"}
    assert main(["augment", str(data), "--target", "label", "--rows", "50", "--epochs", "1",
                 "--out", str(tmp_path / "r.csv")]) == 0
    assert (pd.read_csv(tmp_path / "r.csv").synthetic == 1).sum() == 50


@pytest.mark.parametrize("content, message", [
    (b"", "the file is empty"),
    (b"x,label\n1.0,a\n2.0,a\n", "column 'label': the target has 1 class"),
    (b"x;label\n1;a\n", "pass the delimiter"),
])
def test_augment_bad_input_exits_2(tmp_path, capsys, content, message):
    data = tmp_path / "bad.csv"
    data.write_bytes(content)
    assert main(["augment", str(data), "--target", "label", "--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert str(data) in err and message in err
