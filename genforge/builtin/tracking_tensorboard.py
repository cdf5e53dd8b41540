"""``--log tensorboard``: losses every ``log_every`` steps, metrics per evaluation, the config as text,
and the final report, into ``RUN/tensorboard/`` (``tensorboard --logdir RUN/tensorboard``)."""
from __future__ import annotations

import json
import shutil
import weakref

from genforge.builtin import tracking_selection as selection
from genforge.hookspecs import hookimpl

_WRITERS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


@hookimpl
def on_train_start(trainer):
    if not selection.enabled("tensorboard") or trainer.run_dir is None:
        return
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as exc:
        selection.missing_package("tensorboard", exc)
        return
    writer = SummaryWriter(log_dir=str(trainer.run_dir / "tensorboard"))
    writer.add_text("config", "```\n" + json.dumps(trainer.config.to_dict(), indent=2) + "\n```", trainer.step)
    _WRITERS[trainer] = writer


@hookimpl
def on_step_end(trainer, step, logs):
    writer = _WRITERS.get(trainer)
    if writer is not None and logs and step % trainer.config.log_every == 0:
        for key, value in logs.items():
            writer.add_scalar(f"train/{key}", value, step)


@hookimpl
def on_eval(trainer, step, metrics):
    writer = _WRITERS.get(trainer)
    if writer is not None:
        for key, value in metrics.items():
            writer.add_scalar(f"eval/{key}", value, step)


@hookimpl
def on_warning(trainer, step, message):
    writer = _WRITERS.get(trainer)
    if writer is not None:
        writer.add_text("warnings", message, step)


@hookimpl
def on_train_end(trainer, summary):
    writer = _WRITERS.pop(trainer, None)
    if writer is None:
        return
    writer.add_text("summary", "```\n" + json.dumps(summary, indent=2, default=str) + "\n```", trainer.step)
    report = selection.final_report(trainer, summary)
    if report is not None:
        shutil.copyfile(report, trainer.run_dir / "tensorboard" / report.name)
        writer.add_text("report", f"the run's report: {trainer.run_dir / 'tensorboard' / report.name}", trainer.step)
    writer.close()
