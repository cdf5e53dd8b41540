"""A progress bar with live losses and diagnostics warnings (tqdm, on TTYs)."""
from __future__ import annotations

import os
import sys

from tqdm.auto import tqdm

from genforge.hookspecs import hookimpl

_BARS: dict[int, tqdm] = {}


def _enabled() -> bool:
    return os.environ.get("GENFORGE_PROGRESS", "auto") != "0"


@hookimpl
def on_train_start(trainer):
    if _enabled():
        _BARS[id(trainer)] = tqdm(total=trainer.total_steps, initial=trainer.step, unit="step",
                                  desc=f"train {trainer.domain.name if trainer.domain else ''}".strip(),
                                  disable=None if os.environ.get("GENFORGE_PROGRESS") != "1" else False,
                                  file=sys.stderr, dynamic_ncols=True, mininterval=0.5)


@hookimpl
def on_step_end(trainer, step, logs):
    bar = _BARS.get(id(trainer))
    if bar is None:
        return
    bar.update(step - bar.n)
    if logs and step % trainer.config.log_every == 0:
        warn = " ⚠ " + ",".join(sorted(trainer.diagnostics.active)) if trainer.diagnostics.active else ""
        bar.set_postfix_str(f"D {logs['loss_d']:.3f} G {logs['loss_g']:.3f}{warn}", refresh=False)


@hookimpl
def on_warning(trainer, step, message):
    line = f"warning at step {step}: {message}"
    bar = _BARS.get(id(trainer))
    (bar.write if bar is not None else print)(line, file=sys.stderr)


@hookimpl
def on_train_end(trainer, summary):
    bar = _BARS.pop(id(trainer), None)
    if bar is not None:
        bar.close()
