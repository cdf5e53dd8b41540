"""``genforge train tabular --dataset-option constraints=rules.toml``: the rules file through the
CLI, sampled rows that obey it, and exit status 2 with the rule named for a bad file."""
import sys
from pathlib import Path

import pandas as pd

from genforge.cli import main

sys.path.insert(0, str(Path(__file__).parent))
from constraint_rules import ruled_table  # noqa: E402

RULES = """
[[constraints]]
kind = "inequality"
low = "start"
high = "end"
[[constraints]]
kind = "fixed_combinations"
columns = ["city", "country"]
[[constraints]]
kind = "formula"
formula = "total = a + b"
"""


def test_rules_file_through_the_cli(tmp_path, capsys):
    data, rules, run = tmp_path / "data.csv", tmp_path / "rules.toml", tmp_path / "run"
    table = ruled_table(300)
    table.to_csv(data, index=False)
    rules.write_text(RULES, encoding="utf-8")
    config = tmp_path / "c.toml"
    config.write_text('pac = 2\nbatch_size = 64\neval_samples = 100\n[model]\nlatent_dim = 8\n'
                      'generator_dims = [32]\ncritic_dims = [32]\n')
    assert main(["train", "tabular", "--dataset", str(data), "--steps", "10", "--config", str(config),
                 "--dataset-option", f"constraints={rules}", "--out", str(run)]) == 0
    assert "constraint #2 (fixed_combinations of city, country) holds by construction" in capsys.readouterr().out
    out = tmp_path / "s.csv"
    assert main(["sample", str(run), "-n", "3000", "--condition", "country=DE", "--out", str(out)]) == 0
    rows = pd.read_csv(out, float_precision="round_trip")  # the default parser is not exact
    assert len(rows) == 3000 and set(rows.city) <= {"Berlin", "Munich"} and (rows.country == "DE").all()
    assert (pd.to_datetime(rows.start) <= pd.to_datetime(rows.end)).all()
    assert (rows.total == rows.a + rows.b).all()
    assert main(["sample", str(run), "-n", "5", "--condition", "city=Rome", "--condition", "country=FR",
                 "--out", str(tmp_path / "x.csv")]) == 2
    assert "contradicts " + f"{rules}, constraint #2 (fixed_combinations): no real row" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()
    rules.write_text(RULES.replace('"end"', '"finish"'), encoding="utf-8")
    assert main(["train", "tabular", "--dataset", str(data), "--steps", "2", "--config", str(config),
                 "--dataset-option", f"constraints={rules}", "--out", str(tmp_path / "r2")]) == 2
    assert f"{rules}, constraint #1 (inequality): column 'finish' is not in the table" in capsys.readouterr().err
