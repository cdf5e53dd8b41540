"""Progress of training and of long data preparation: plain lines without a terminal, nothing
under GENFORGE_PROGRESS=0 / --quiet, and the plugins' preparation loops report through track()."""
from __future__ import annotations

import re

import numpy as np
import pytest

from genforge import cli, track
from genforge.builtin import progress
from genforge.plugins import reset_registry


@pytest.fixture
def plain(monkeypatch):
    """Plain lines with no wait between them (stderr is not a terminal under pytest)."""
    monkeypatch.setenv("GENFORGE_PROGRESS", "plain")
    monkeypatch.setenv("GENFORGE_PROGRESS_EVERY", "0")


def lines(text: str, prefix: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(prefix)]


def test_modes_follow_the_environment(monkeypatch):
    for value, expected in [("0", "quiet"), ("quiet", "quiet"), ("plain", "plain"), ("1", "bar"),
                            ("auto", "plain")]:  # auto: pytest's stderr is no terminal
        monkeypatch.setenv("GENFORGE_PROGRESS", value)
        assert progress.mode() == expected
    assert [progress.format_duration(s) for s in (5, 72, 3725)] == ["5s", "1m12s", "1h02m"]


def test_track_counts_units_of_sized_chunks(plain, capsys):
    chunks = [list(range(40)), list(range(40)), list(range(20))]
    assert [len(c) for c in track(chunks, 100, "featurising demo", "molecule", size=len)] == [40, 40, 20]
    out = lines(capsys.readouterr().err, "featurising demo:")
    assert [re.search(r"molecule (\d+)/100", line).group(1) for line in out[:3]] == ["40", "80", "100"]
    assert "eta" in out[0] and out[-1].endswith(tuple(f"done in {s}s" for s in range(3)))


def test_track_is_silent_when_quiet_or_quick(monkeypatch, capsys):
    monkeypatch.setenv("GENFORGE_PROGRESS", "0")
    assert list(track(range(5), desc="q")) == [0, 1, 2, 3, 4]
    monkeypatch.setenv("GENFORGE_PROGRESS", "plain")
    monkeypatch.setenv("GENFORGE_PROGRESS_EVERY", "60")  # work that ends before the first line is due
    assert sum(track(range(1000), desc="quick")) == 499500
    assert capsys.readouterr().err == ""


def test_training_prints_plain_lines(plain, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("GENFORGE_LOAD_PLUGINS", "")
    reset_registry()
    config = tmp_path / "c.toml"
    config.write_text("eval_samples = 200\nlog_every = 5\n[model]\nhidden = 16\n[dataset]\npoints = 500\n")
    assert cli.main(["train", "mixture", "--dataset", "ring-8", "--steps", "20", "--batch-size", "64",
                     "--config", str(config), "--out", str(tmp_path / "run")]) == 0
    reset_registry()
    steps = lines(capsys.readouterr().err, "train mixture: step")
    assert steps[0].endswith("started") and "step 20/20" in steps[-1] and "done in" in steps[-1]
    assert any("loss_d" in line and "eta" in line for line in steps)


def test_quiet_sets_progress_off(monkeypatch, capsys):
    monkeypatch.setenv("GENFORGE_PROGRESS", "plain")
    cli._quiet(type("Args", (), {"quiet": True})())
    assert progress.mode() == "quiet"
    trainer = type("Trainer", (), {"domain": None, "total_steps": 10, "step": 0})()
    progress.on_train_start(trainer)
    progress.on_step_end(trainer, 1, {})
    progress.on_train_end(trainer, {})
    assert id(trainer) not in progress._STATES and capsys.readouterr().err == ""


def test_molecule_featurising_reports_progress(plain, capsys):
    from genforge_molecule.loading import parse_molecules

    records = [(f"line {k}", s) for k, s in enumerate(["CCO", "c1ccccc1", "CC(=O)O", "not-a-smiles"] * 5)]
    parsed = parse_molecules(records, source="mols.smi")
    assert parsed.report.used == 15
    out = lines(capsys.readouterr().err, "featurising mols.smi:")
    assert "molecule 20/20" in out[0] and "done in" in out[-1]


def test_tabular_encoding_reports_progress(plain, capsys):
    import pandas as pd
    from genforge_tabular.columns import infer_columns
    from genforge_tabular.compact_rows import CompactRows
    from genforge_tabular.transformer import TableTransformer
    import torch

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"age": rng.normal(50, 10, 300), "arm": rng.choice(["a", "b"], 300)})
    transformer = TableTransformer.fit(df, infer_columns(df, "t.csv"))
    CompactRows.encode(transformer, df, torch.Generator().manual_seed(0))
    err = capsys.readouterr().err
    for desc in ("fitting column encoders:", "encoding 300 rows:"):
        shown = lines(err, desc)
        assert "column 1/2" in shown[0] and "column 2/2" in shown[1] and "done in" in shown[-1], err


def test_image_folder_reading_reports_progress(plain, tmp_path, capsys):
    from PIL import Image
    from genforge_image.loading import load_folder

    for label in ("cat", "dog"):
        (tmp_path / label).mkdir()
        for k in range(3):
            Image.fromarray(np.full((8, 8), 40 * k, np.uint8)).save(tmp_path / label / f"{k}.png")
    images = load_folder(tmp_path, {})
    assert len(images.images) == 6
    shown = lines(capsys.readouterr().err, f"reading images in {tmp_path}:")
    assert "image 1/6" in shown[0] and "image 6/6" in shown[-2] and "done in" in shown[-1]
