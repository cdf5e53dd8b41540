"""``--log mlflow``: an MLflow run per training with the config as parameters, losses and metrics,
and the final report as an artifact. The store is a local ``mlruns/`` folder in the working
directory unless a tracking URI is given (``--tracking-uri`` / ``GENFORGE_TRACKING_URI``)."""
from __future__ import annotations

import json
import os
import sys
import weakref
from pathlib import Path

from genforge.builtin import tracking_selection as selection
from genforge.hookspecs import hookimpl

_RUNS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
EXPERIMENT = "genforge"


def _parameters(config: dict) -> dict[str, str]:
    """Flat string parameters (MLflow keeps at most 6000 characters a value)."""
    flat = {}
    for key, value in config.items():
        if isinstance(value, dict):
            for sub, v in value.items():
                flat[f"{key}.{sub}"] = json.dumps(v) if not isinstance(v, str) else v
        else:
            flat[key] = json.dumps(value) if not isinstance(value, str) else value
    return {k: v[:6000] for k, v in flat.items()}


@hookimpl
def on_train_start(trainer):
    if not selection.enabled("mlflow"):
        return
    try:
        import mlflow
    except ImportError as exc:
        selection.missing_package("mlflow", exc)
        return
    try:
        _RUNS[trainer] = _start_run(mlflow, trainer)
    except Exception as exc:  # a tracker never fails the training it logs
        print(f"genforge: --log mlflow skipped: {type(exc).__name__}: {str(exc).splitlines()[0]}", file=sys.stderr)


def _start_run(mlflow, trainer):
    uri = selection.tracking_uri()
    if uri is None:  # the local folder store: MLflow 3 asks for an explicit opt-in
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        uri = (Path.cwd() / "mlruns").as_uri()
    client = mlflow.MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name(EXPERIMENT)
    experiment_id = experiment.experiment_id if experiment else client.create_experiment(EXPERIMENT)
    name = trainer.run_dir.name if trainer.run_dir is not None else "in-memory"
    run = client.create_run(experiment_id, run_name=name,
                            tags={"genforge.domain": trainer.config.domain,
                                  "genforge.run_dir": str(trainer.run_dir or "")})
    config = trainer.config.to_dict()
    for key, value in _parameters(config).items():
        client.log_param(run.info.run_id, key, value)
    return client, run.info.run_id


@hookimpl
def on_step_end(trainer, step, logs):
    entry = _RUNS.get(trainer)
    if entry is not None and logs and step % trainer.config.log_every == 0:
        client, run_id = entry
        for key, value in logs.items():
            client.log_metric(run_id, f"train.{key}", float(value), step=step)


@hookimpl
def on_eval(trainer, step, metrics):
    entry = _RUNS.get(trainer)
    if entry is not None:
        client, run_id = entry
        for key, value in metrics.items():
            client.log_metric(run_id, f"eval.{key}", float(value), step=step)


@hookimpl
def on_train_end(trainer, summary):
    entry = _RUNS.pop(trainer, None)
    if entry is None:
        return
    client, run_id = entry
    client.log_metric(run_id, "wall_time", float(summary.get("wall_time", 0.0)), step=trainer.step)
    if trainer.run_dir is not None:
        client.log_artifact(run_id, str(trainer.run_dir / "config.json"))
        report = selection.final_report(trainer, summary)
        if report is not None:
            client.log_artifact(run_id, str(report))
    client.set_terminated(run_id, "FAILED" if summary.get("diverged") else "FINISHED")
