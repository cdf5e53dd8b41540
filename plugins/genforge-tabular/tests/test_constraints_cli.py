"""``genforge train tabular --constraints rules.toml``: the rules file through the CLI, saved with
the model, sampled rows that obey it, the rejection rate printed, and exit status 2 with the rule
named for a bad file or a condition that contradicts a rule."""
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

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
[[constraints]]
kind = "range"
column = "age"
low = 0
high = 120
[[constraints]]
kind = "predicate"
function = "constraint_rules:x_small"
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
                 "--constraints", str(rules), "--out", str(run)]) == 0
    printed = capsys.readouterr().out
    assert "constraint #2 (fixed_combinations of city, country) holds by construction" in printed
    assert "constraint #5 (predicate" in printed and "by rejection of sampled rows" in printed
    rules.write_text("", encoding="utf-8")  # the rules live in the model now, not in the file
    out = tmp_path / "s.csv"
    assert main(["sample", str(run), "-n", "3000", "--condition", "country=DE", "--out", str(out)]) == 0
    rows = pd.read_csv(out, float_precision="round_trip")  # the default parser is not exact
    assert len(rows) == 3000 and set(rows.city) <= {"Berlin", "Munich"} and (rows.country == "DE").all()
    assert (pd.to_datetime(rows.start) <= pd.to_datetime(rows.end)).all()
    assert (rows.total == rows.a + rows.b).all() and rows.age.between(0, 120).all() and (rows.x.abs() < 2).all()
    # the predicate holds by rejection: the rate is printed even when nothing was rejected
    rejected = re.search(r"constraints: kept 3,000 of ([\d,]+) generated rows \(([\d.]+)% rejected",
                         capsys.readouterr().err)
    generated, share = (float(g.replace(",", "")) for g in rejected.groups())
    assert generated >= 3000 and share == pytest.approx(100 * (1 - 3000 / generated), abs=0.006)
    assert main(["sample", str(run), "-n", "5", "--condition", "city=Rome", "--condition", "country=FR",
                 "--out", str(tmp_path / "x.csv")]) == 2
    assert "contradicts " + f"{rules}, constraint #2 (fixed_combinations): no real row" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()
    rules.write_text(RULES.replace('"end"', '"finish"'), encoding="utf-8")
    assert main(["train", "tabular", "--dataset", str(data), "--steps", "2", "--config", str(config),
                 "--constraints", str(rules), "--out", str(tmp_path / "r2")]) == 2
    assert f"{rules}, constraint #1 (inequality): column 'finish' is not in the table" in capsys.readouterr().err
