"""--log tensorboard / --log mlflow: losses, metrics, config and the final report reach the trackers."""
from __future__ import annotations

import sys

import pytest
import torch

from genforge.builtin.tracking_selection import LOG_VARIABLE, URI_VARIABLE, enable_tracking
from genforge.cli import main
from genforge.errors import UserInputError

torch.set_num_threads(1)
TRAIN = ["train", "mixture", "--steps", "20", "--dataset-option", "points=1000"]


def test_tensorboard_gets_losses_metrics_config_and_report(tmp_path, monkeypatch):
    pytest.importorskip("tensorboard", reason="genforge[tensorboard] extra not installed")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    monkeypatch.setenv(LOG_VARIABLE, "")  # restored (removed) after the test
    assert main([*TRAIN, "--out", str(tmp_path / "run"), "--log", "tensorboard"]) == 0
    events = EventAccumulator(str(tmp_path / "run" / "tensorboard")).Reload()
    scalars = events.Tags()["scalars"]
    assert {"train/loss_d", "train/loss_g", "train/grad_norm_g", "eval/modes"} <= set(scalars)
    assert [e.step for e in events.Scalars("train/loss_d")] == [10, 20]
    assert {"config/text_summary", "summary/text_summary", "report/text_summary"} <= set(events.Tags()["tensors"])
    assert (tmp_path / "run" / "tensorboard" / "report.html").stat().st_size > 100_000


def test_mlflow_gets_params_metrics_and_the_report_artifact(tmp_path, monkeypatch):
    mlflow = pytest.importorskip("mlflow", reason="genforge[mlflow] extra not installed")
    monkeypatch.chdir(tmp_path)  # the default store: ./mlruns
    monkeypatch.setenv(URI_VARIABLE, "")
    monkeypatch.setenv(LOG_VARIABLE, "")  # restored (removed) after the test
    assert main([*TRAIN, "--out", str(tmp_path / "run"), "--log", "mlflow"]) == 0
    client = mlflow.MlflowClient(tracking_uri=(tmp_path / "mlruns").as_uri())
    (run,) = client.search_runs([client.get_experiment_by_name("genforge").experiment_id])
    assert run.data.params["domain"] == "mixture" and run.data.params["steps"] == "20"
    assert [m.step for m in client.get_metric_history(run.info.run_id, "train.loss_d")] == [10, 20]
    assert "eval.modes" in run.data.metrics and run.info.status == "FINISHED"
    assert {a.path for a in client.list_artifacts(run.info.run_id)} == {"config.json", "report.html"}


def test_missing_tracker_package_is_skipped_with_a_clear_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "mlflow", None)  # import mlflow -> ImportError
    monkeypatch.setenv(LOG_VARIABLE, "")  # restored (removed) after the test
    assert main([*TRAIN, "--out", str(tmp_path / "run"), "--log", "mlflow"]) == 0
    err = capsys.readouterr().err
    assert "--log mlflow skipped: mlflow is not installed (pip install 'genforge[mlflow]')" in err
    assert (tmp_path / "run" / "run_summary.json").is_file()


def test_unknown_tracker_is_a_user_error(monkeypatch):
    monkeypatch.setenv(LOG_VARIABLE, "")  # restored (removed) after the test
    with pytest.raises(UserInputError, match="unknown tracker; choose from tensorboard, mlflow"):
        enable_tracking(["wandb"])
