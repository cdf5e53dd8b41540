"""Training progress, terminal or not: a live tqdm bar with losses on a TTY, plain periodic lines
(``train image: step 400/1500  loss_d 1.23  loss_g 0.88  14.2 step/s  eta 1m12s``) otherwise.

``GENFORGE_PROGRESS``: unset/``auto`` (bar on a TTY, lines elsewhere), ``1`` (always the bar),
``plain`` (always lines), ``0`` (quiet: nothing; ``--quiet`` sets it). ``GENFORGE_PROGRESS_EVERY``:
seconds between plain lines (default 10). :func:`track` gives long data preparation the same.
"""
from __future__ import annotations

import os
import sys
import time
from typing import Callable, Iterable, Iterator, TypeVar

from genforge.hookspecs import hookimpl

T = TypeVar("T")
_STATES: dict[int, "_Progress"] = {}


def mode() -> str:
    """``quiet``, ``bar`` or ``plain``, from GENFORGE_PROGRESS and whether stderr is a terminal."""
    setting = os.environ.get("GENFORGE_PROGRESS", "auto").strip().lower()
    if setting in ("0", "quiet", "off"):
        return "quiet"
    if setting in ("1", "bar"):
        return "bar"
    if setting == "plain":
        return "plain"
    return "bar" if sys.stderr.isatty() else "plain"


def _interval() -> float:
    try:
        return max(0.0, float(os.environ.get("GENFORGE_PROGRESS_EVERY", "10")))
    except ValueError:
        return 10.0


def format_duration(seconds: float) -> str:
    seconds = int(round(max(0.0, seconds)))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


class _Progress:
    """One progress display: a tqdm bar or timed plain lines. ``lazy``: nothing for work that
    ends within a second (bar) or within the line interval (plain lines)."""

    def __init__(self, desc: str, total: int | None, initial: int = 0, unit: str = "step",
                 lazy: bool = False):
        self.desc, self.total, self.unit, self.kind = desc, total, unit, mode()
        self.start_n, self.n, self.started = initial, initial, time.monotonic()
        self.last_line, self.postfix, self.bar, self.lines = self.started, "", None, 0
        if self.kind == "bar":
            from tqdm.auto import tqdm
            self.bar = tqdm(total=total, initial=initial, unit=unit, desc=desc, file=sys.stderr,
                            dynamic_ncols=True, mininterval=0.5, delay=1.0 if lazy else 0.0)
        elif self.kind == "plain" and not lazy:
            self._line("started")

    def update(self, n: int, postfix: str = "") -> None:
        self.n, self.postfix = n, postfix or self.postfix
        if self.bar is not None:
            self.bar.update(n - self.bar.n)
            if postfix:
                self.bar.set_postfix_str(postfix, refresh=False)
        elif self.kind == "plain" and time.monotonic() - self.last_line >= _interval():
            self._line()

    def write(self, line: str) -> None:
        if self.bar is not None:
            self.bar.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.kind == "plain" and self.n > self.start_n and self.lines:
            self._line(f"done in {format_duration(time.monotonic() - self.started)}")

    def _line(self, note: str = "") -> None:
        self.last_line, self.lines = time.monotonic(), self.lines + 1
        elapsed = self.last_line - self.started
        rate = (self.n - self.start_n) / elapsed if elapsed > 0 else 0.0
        where = f"{self.unit} {self.n}" + (f"/{self.total}" if self.total else "")
        parts = [f"{self.desc}: {where}", self.postfix]
        if not note:
            parts.append(f"{rate:.1f} {self.unit}/s")
            if self.total and rate > 0:
                parts.append(f"eta {format_duration((self.total - self.n) / rate)}")
        parts.append(note)
        print("  ".join(p for p in parts if p), file=sys.stderr, flush=True)


def track(items: Iterable[T], total: int | None = None, desc: str = "preparing",
          unit: str = "item", size: Callable[[T], int] | None = None) -> Iterator[T]:
    """Iterate ``items`` showing progress (bar, plain lines or nothing, as for training).
    ``size``: how many units one item counts for (e.g. ``len`` of a chunk of molecules), so
    ``total`` and the rate are in units, not items."""
    if mode() == "quiet":
        yield from items
        return
    if total is None and size is None and hasattr(items, "__len__"):
        total = len(items)
    progress = _Progress(desc, total, unit=unit, lazy=True)
    done = 0
    try:
        for item in items:
            yield item
            done += 1 if size is None else size(item)
            progress.update(done)
    finally:
        progress.close()


@hookimpl
def on_train_start(trainer):
    if mode() != "quiet":
        desc = f"train {trainer.domain.name if trainer.domain else ''}".strip()
        _STATES[id(trainer)] = _Progress(desc, trainer.total_steps, initial=trainer.step)


@hookimpl
def on_step_end(trainer, step, logs):
    progress = _STATES.get(id(trainer))
    if progress is None:
        return
    postfix = ""
    if logs and step % trainer.config.log_every == 0:
        warn = " ⚠ " + ",".join(sorted(trainer.diagnostics.active)) if trainer.diagnostics.active else ""
        postfix = "  ".join(f"{key} {logs[key]:.3f}" for key in ("loss_d", "loss_g") if key in logs) + warn
    progress.update(step, postfix)


@hookimpl
def on_warning(trainer, step, message):
    line = f"warning at step {step}: {message}"
    progress = _STATES.get(id(trainer))
    (progress.write if progress is not None else lambda m: print(m, file=sys.stderr))(line)


@hookimpl
def on_train_end(trainer, summary):
    progress = _STATES.pop(id(trainer), None)
    if progress is not None:
        progress.close()
