"""``genforge train tabular`` and ``TabularGAN`` fit the same model from the same rows and seed;
the thread count is chosen (``--threads``, ``threads=``, ``GENFORGE_THREADS``); progress lines
when stderr is not a terminal."""
import json

import pandas as pd
import pytest
import torch

from genforge.cli import main
from genforge.training import make_config
from genforge_tabular import TabularGAN
from genforge.threads import default_threads

TINY_OPTIONS = ["--option", "latent_dim=8", "--option", "generator_dims=[32]", "--option", "critic_dims=[32]"]
TINY = dict(latent_dim=8, generator_dims=(32,), critic_dims=(32,))


def test_cli_and_python_api_fit_the_same_model(tmp_path, mixed_table, capsys, monkeypatch):
    monkeypatch.setenv("GENFORGE_PROGRESS", "auto")
    monkeypatch.setenv("GENFORGE_PROGRESS_EVERY", "0")
    data, run, cli_rows = tmp_path / "data.csv", tmp_path / "run", tmp_path / "cli.csv"
    mixed_table.to_csv(data, index=False)
    assert main(["train", "tabular", "--dataset", str(data), "--target", "label", "--steps", "12",
                 "--threads", "1", *TINY_OPTIONS, "--out", str(run)]) == 0
    err = capsys.readouterr().err  # stderr is not a terminal here: plain lines, one per step at EVERY=0
    assert "train tabular: step 1/12" in err and "train tabular: step 12/12" in err and "done in" in err
    assert main(["sample", str(run), "-n", "300", "--seed", "5", "--condition", "label=rare",
                 "--out", str(cli_rows)]) == 0
    gan = TabularGAN(steps=12, target="label", threads=1, **TINY).fit(data)
    api_rows = tmp_path / "api.csv"
    gan.sample(300, {"label": "rare"}, seed=5).to_csv(api_rows, index=False)
    cli, api = (pd.read_csv(p) for p in (cli_rows, api_rows))
    assert (cli["label"] == "rare").all() and cli["x"].nunique() > 50  # real, varied samples
    pd.testing.assert_frame_equal(cli, api)
    settled = json.loads((run / "config.json").read_text())["batch_size"]  # "auto", as the CLI settled it
    assert gan.config_.batch_size == settled == 125 and gan.config_.ema_decay == 0.995  # 128 -> whole packs of 5


def test_every_engine_default_is_the_clis():
    api = TabularGAN()._config(1000).to_dict()
    cli = make_config("tabular").to_dict()
    differ = {k: (api[k], cli[k]) for k in cli
              if api[k] != cli[k] and k not in ("epochs", "model_options", "batch_size")}
    assert differ == {}
    assert cli["batch_size"] == "auto" and api["batch_size"] == 250  # a quarter of 1,000 rows, settled
    assert api["epochs"] == cli["epochs"] == 300 and api["dataset_options"] == cli["dataset_options"]
    from genforge.plugins import get_registry
    model_defaults = get_registry().model("tabular", "ctgan-residual").defaults
    assert {k: model_defaults[k] for k in api["model_options"] if k != "pac"} == \
        {k: v for k, v in api["model_options"].items() if k != "pac"}


def test_privacy_through_the_estimator_takes_the_private_engine_settings():
    config = TabularGAN(epsilon=3.0)._config(1000)
    assert config.loss == "non-saturating" and not config.reuse_fake
    from genforge_tabular.plugin import MODEL_DEFAULTS
    from genforge_tabular.privacy.private_model import private_options
    assert private_options(config.model_options, MODEL_DEFAULTS)["pac"] == 1  # the critic trains unpacked
    assert config.precision == "fp32" and config.dataset_options["privacy"] == {"epsilon": 3.0}
    assert "resample" not in config.dataset_options  # refused under privacy when given: left out
    with pytest.raises(Exception, match="epsilon or privacy, not both"):
        TabularGAN(epsilon=3.0, privacy={"epsilon": 1.0})._config(1000)


def test_thread_defaults_and_bad_values(tmp_path, mixed_table, monkeypatch, capsys):
    monkeypatch.delenv("GENFORGE_THREADS", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert default_threads() == 1
    monkeypatch.setattr("os.cpu_count", lambda: 32)
    assert default_threads() == 8
    monkeypatch.setenv("GENFORGE_THREADS", "3")
    assert default_threads() == 3
    torch.set_num_threads(2)
    gan = TabularGAN(steps=2, threads=1, batch_size=64, pac=2, calibrate=False, resample=False, **TINY)
    gan.fit(mixed_table)
    assert torch.get_num_threads() == 2  # the estimator restores the caller's count
    torch.set_num_threads(1)
    data = tmp_path / "d.csv"
    mixed_table.to_csv(data, index=False)
    assert main(["train", "tabular", "--dataset", str(data), "--steps", "2", "--threads", "0",
                 "--out", str(tmp_path / "r")]) == 2
    assert "--threads='0': expected a positive whole number of threads or 'auto'" in capsys.readouterr().err
    monkeypatch.setenv("GENFORGE_THREADS", "many")
    with pytest.raises(Exception, match="GENFORGE_THREADS='many'"):
        gan.set_params(threads="auto").sample(5)


def test_privacy_flag_gives_the_estimators_private_config():
    """``--privacy`` as ``genforge train`` layers it (the domain's overrides over its defaults)."""
    import argparse

    from genforge.plugins import get_registry

    parser = argparse.ArgumentParser()
    domain = get_registry().domain("tabular")
    domain.add_train_arguments(parser)
    overrides = domain.train_overrides(parser.parse_args(["--privacy", "epsilon=3"]))
    cli = make_config("tabular", {**overrides, "batch_size": 64, "steps": 2}).to_dict()
    api = TabularGAN(steps=2, epsilon=3, batch_size=64, **TINY)._config(400).to_dict()
    for key in ("loss", "reuse_fake", "precision", "r1_weight", "early_stop_metric", "batch_size"):
        assert cli[key] == api[key], key
    assert cli["loss"] == "non-saturating"
    assert cli["dataset_options"]["privacy"] == "epsilon=3" and api["dataset_options"]["privacy"] == {"epsilon": 3}
