"""A mistyped name is refused (exit 2, one line) with the closest match: "did you mean ...?"."""
from __future__ import annotations

import pytest

from genforge import UserInputError, check_name, cli, did_you_mean
from genforge.plugins import reset_registry
from genforge_tabular.bundled import load_bundled


@pytest.fixture(autouse=True)
def every_plugin(monkeypatch):
    monkeypatch.delenv("GENFORGE_LOAD_PLUGINS", raising=False)
    reset_registry()
    yield
    reset_registry()


def test_the_closest_name_or_none():
    assert did_you_mean("specie", ["island", "species", "sex"]) == "; did you mean 'species'?"
    assert did_you_mean("SPECIES", ["species"]) == "; did you mean 'species'?"  # case aside
    assert did_you_mean("zzz", ["species", "island"]) == ""
    check_name("model", "mlp", ["mlp"])
    with pytest.raises(UserInputError, match=r"unknown model 'mpl'; did you mean 'mlp'\? available: big, mlp$"):
        check_name("model", "mpl", ["mlp", "big"])


@pytest.mark.parametrize("argv, message", [
    (["train", "tabluar", "--out", "X"], "unknown domain 'tabluar'; did you mean 'tabular'? installed domains:"),
    (["train", "molecule", "--model", "molgn", "--out", "X"],
     "unknown model 'molgn' for domain 'molecule'; did you mean 'molgan'?"),
    (["train", "molecule", "--option", "rewrd=qed", "--out", "X"],
     "model 'molgan' has no option 'rewrd'; did you mean 'reward'?"),
    (["train", "tabular", "--dataset", "pengiuns", "--out", "X"],
     "'pengiuns' is neither a dataset of domain 'tabular' nor an existing path; did you mean 'penguins'?"),
    (["train", "mixture", "--loss", "hinj", "--out", "X"], "unknown loss 'hinj'; did you mean 'hinge'?"),
    (["train", "tabular", "--dataset", "penguins", "--target", "specie", "--out", "X"],
     "target column 'specie' not found; did you mean 'species'? columns: species, island"),
    (["train", "mixture", "--config", "c.toml", "--out", "X"], "c.toml: unknown key 'lr_gg'; did you mean 'lr_g'?"),
    (["datasets", "molecul"], "unknown domain 'molecul'; did you mean 'molecule'?"),
    (["models", "imag"], "did you mean 'image'?"),
])
def test_a_typo_names_the_close_match(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.toml").write_text("lr_gg = 0.001\n")
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_augment_target_typo(tmp_path, capsys):
    data = tmp_path / "p.csv"
    load_bundled("penguins").frame.to_csv(data, index=False)
    assert cli.main(["augment", str(data), "--target", "speces", "--out", str(tmp_path / "a.csv")]) == 2
    assert "target column 'speces' not found; did you mean 'species'?" in capsys.readouterr().err
