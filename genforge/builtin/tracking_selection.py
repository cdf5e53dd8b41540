"""Which experiment trackers a training run logs to: ``--log tensorboard --log mlflow``.

The choice travels in environment variables so that the CLI, the Python API
(``enable_tracking(["mlflow"])`` before ``genforge.train``) and ``torchrun`` workers agree:
``GENFORGE_LOG`` (comma-separated tracker names) and ``GENFORGE_TRACKING_URI`` (MLflow's
tracking URI; default a local ``mlruns/`` folder in the working directory).
"""
from __future__ import annotations

import os
import sys
import weakref
from typing import Iterable

TRACKERS = ("tensorboard", "mlflow")
LOG_VARIABLE, URI_VARIABLE = "GENFORGE_LOG", "GENFORGE_TRACKING_URI"
INSTALL_HINT = {"tensorboard": "pip install 'genforge[tensorboard]'", "mlflow": "pip install 'genforge[mlflow]'"}


def enable_tracking(names: Iterable[str], uri: str | None = None) -> None:
    """Log the next trainings to ``names`` (a subset of :data:`TRACKERS`)."""
    from genforge.errors import UserInputError

    names = [n.strip() for n in names if n.strip()]
    unknown = sorted(set(names) - set(TRACKERS))
    if unknown:
        raise UserInputError(f"--log {unknown[0]!r}: unknown tracker; choose from {', '.join(TRACKERS)}")
    os.environ[LOG_VARIABLE] = ",".join(dict.fromkeys(names))
    if uri:
        os.environ[URI_VARIABLE] = uri


def enabled(name: str) -> bool:
    return name in {n.strip() for n in os.environ.get(LOG_VARIABLE, "").split(",")}


def tracking_uri() -> str | None:
    return os.environ.get(URI_VARIABLE) or None


def missing_package(tracker: str, error: ImportError) -> None:
    """Say, once per training, that a tracker is skipped and how to install it."""
    print(f"genforge: --log {tracker} skipped: {error.name or tracker} is not installed "
          f"({INSTALL_HINT[tracker]})", file=sys.stderr)


_REPORTS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def final_report(trainer, summary: dict):
    """The run's report for a tracker's artifact, built once per training (after writing the run
    summary it shows, whichever ``on_train_end`` runs first); ``None``, with a message, if that fails."""
    if trainer in _REPORTS:
        return _REPORTS[trainer]
    try:
        from genforge.builtin.tracking_summary import write_summary
        from genforge.report.builder import build_report
        write_summary(trainer.run_dir, summary, trainer.device)
        report = build_report(trainer.run_dir)
    except Exception as exc:  # a tracker must never fail the training it logs
        print(f"genforge: the final report for the tracker could not be built: {exc}", file=sys.stderr)
        report = None
    _REPORTS[trainer] = report
    return report
