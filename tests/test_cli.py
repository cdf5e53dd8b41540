import json
import subprocess
import sys

import pytest

from genforge import cli
from genforge.plugins import reset_registry


@pytest.fixture(autouse=True)
def builtins_only(monkeypatch):
    monkeypatch.setenv("GENFORGE_LOAD_PLUGINS", "")
    reset_registry()
    yield
    reset_registry()


TINY = ["--dataset", "ring-8", "--steps", "30", "--batch-size", "64"]


def write_config(tmp_path, text):
    path = tmp_path / "c.toml"
    path.write_text(text)
    return str(path)


def test_train_sample_evaluate_roundtrip(tmp_path, capsys):
    cfg = write_config(tmp_path, "eval_samples = 400\n[model]\nhidden = 32\n[dataset]\npoints = 1000\n")
    run = tmp_path / "run"
    assert cli.main(["train", "mixture", *TINY, "--config", cfg, "--out", str(run)]) == 0
    out = capsys.readouterr().out
    assert "trained 30 steps" in out and "modes:" in out
    for name in ("config.json", "metrics.jsonl", "loss_curve.png", "samples/final.csv", "samples.png"):
        assert (run / name).exists(), name
    assert json.loads((run / "config.json").read_text())["model_options"] == {"hidden": 32}
    assert cli.main(["sample", str(run), "-n", "25", "--seed", "2", "--out", str(tmp_path / "s.csv")]) == 0
    lines = (tmp_path / "s.csv").read_text().splitlines()
    assert lines[0] == "x,y" and len(lines) == 26
    cli.main(["sample", str(run), "-n", "25", "--seed", "2", "--out", str(tmp_path / "t.csv")])
    assert (tmp_path / "t.csv").read_text() == (tmp_path / "s.csv").read_text()
    capsys.readouterr()
    assert cli.main(["evaluate", str(run), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["step"] == 30 and 0 <= report["metrics"]["high_quality"] <= 1
    assert 0 <= report["metrics"]["modes"] <= 8


def test_option_flags_merge_into_the_config_file_tables(tmp_path):
    cfg = write_config(tmp_path, "[model]\nhidden = 32\n[dataset]\npoints = 1000\n")
    run = tmp_path / "run"
    assert cli.main(["train", "mixture", *TINY, "--config", cfg, "--option", "layers=2",
                     "--option", "hidden=16", "--dataset-option", "points=500", "--out", str(run)]) == 0
    saved = json.loads((run / "config.json").read_text())
    assert saved["model_options"] == {"hidden": 16, "layers": 2}
    assert saved["dataset_options"] == {"points": 500}
    packed = tmp_path / "packed"
    assert cli.main(["train", "mixture", *TINY, "--option", "pac=2", "--out", str(packed)]) == 0
    saved = json.loads((packed / "config.json").read_text())
    assert "pac" not in saved and saved["model_options"] == {"pac": 2}  # a model option, as documented
    assert cli.parse_options(["target=species", "sizes=[1, 2]", "on=true"], "--option") == \
        {"target": "species", "sizes": [1, 2], "on": True}


@pytest.mark.parametrize("argv, message", [
    (["train", "nope", "--out", "X"], "unknown domain 'nope'; installed domains: mixture"),
    (["train", "mixture", "--model", "big", "--out", "X"], "unknown model 'big'"),
    (["train", "mixture", "--dataset", "missing.csv", "--out", "X"], "neither a dataset"),
    (["train", "mixture", "--loss", "wgan", "--out", "X"], "unknown loss 'wgan'"),
    (["train", "mixture", "--steps", "-3", "--out", "X"], "'steps' must be a positive number"),
    (["sample", "not-a-run", "-n", "3", "--out", "x.csv"], "not a genforge run folder"),
    (["sample", "R", "-n", "3", "--condition", "oops", "--out", "x.csv"], "expected KEY=VALUE"),
    (["datasets", "nope"], "unknown domain"),
    (["train", "mixture", "--option", "depth", "--out", "X"], "--option 'depth': expected KEY=VALUE"),
    (["train", "mixture", "--option", "depth=3", "--out", "X"], "model 'mlp' has no option 'depth'"),
])
def test_user_mistakes_exit_2_with_one_clear_line(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "R").mkdir()
    (tmp_path / "R" / "config.json").write_text("{}")
    status = cli.main(argv)
    err = capsys.readouterr().err
    assert status == 2, err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize("text, message", [
    ("batch_size = [", "malformed TOML"),
    ("bach_size = 12\n", "unknown key 'bach_size'"),
    ("batch_size = 64\n[model]\npac = 3\n", "a multiple of the model's pac 3"),
    ('batch_size = "auto"\n', "domain 'mixture' does not choose a batch size; set a number (--batch-size N)"),
    ("pac = 3\nbatch_size = 64\n", "multiple of the model's pac 3"),  # a config from before pac moved
    ("[model]\nwidth = 3\n", "model 'mlp' has no option 'width'"),
])
def test_malformed_config_names_the_key(text, message, tmp_path, capsys):
    cfg = write_config(tmp_path, text)
    assert cli.main(["train", "mixture", "--config", cfg, "--out", str(tmp_path / "r")]) == 2
    assert message in capsys.readouterr().err


def test_existing_run_needs_resume(tmp_path, capsys):
    run = str(tmp_path / "run")
    assert cli.main(["train", "mixture", *TINY, "--out", run]) == 0
    assert cli.main(["train", "mixture", *TINY, "--out", run]) == 2
    assert "--resume" in capsys.readouterr().err


def test_corrupted_checkpoint_is_a_clear_error(tmp_path, capsys):
    run = tmp_path / "run"
    assert cli.main(["train", "mixture", *TINY, "--out", str(run)]) == 0
    for ckpt in (run / "checkpoints").iterdir():
        ckpt.write_bytes(b"garbage")
    assert cli.main(["sample", str(run), "-n", "3", "--out", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert "step-00000030.pt" in err and "corrupted" in err


def test_listings(capsys):
    assert cli.main(["plugins", "--check", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert any(p["name"] == "genforge.mixture" for p in listing["plugins"])
    assert cli.main(["metrics", "mixture"]) == 0
    assert "reverse_kl" in capsys.readouterr().out
    assert cli.main(["losses"]) == 0
    assert "wgan-gp" in capsys.readouterr().out


def test_console_script_exit_status(tmp_path):
    done = subprocess.run([sys.executable, "-m", "genforge.cli", "train", "mixture", "--dataset", "nope",
                           "--out", str(tmp_path / "r")], capture_output=True, text=True,
                          env={"GENFORGE_LOAD_PLUGINS": "", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr
