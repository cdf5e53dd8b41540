"""``metrics.jsonl`` in the run directory: losses every ``log_every`` steps, metrics per evaluation."""
from __future__ import annotations

import json

from genforge.hookspecs import hookimpl


def _append(trainer, record: dict) -> None:
    if trainer.run_dir is None:
        return
    trainer.run_dir.mkdir(parents=True, exist_ok=True)
    with open(trainer.run_dir / "metrics.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")


@hookimpl
def on_train_start(trainer):
    """After a resume, drop the records of the steps after the checkpoint: they are trained again."""
    if trainer.run_dir is None or not (trainer.run_dir / "metrics.jsonl").is_file():
        return
    records = read_metrics_log(trainer.run_dir / "metrics.jsonl")
    kept = [r for r in records if int(r.get("step", 0)) <= trainer.step]
    if len(kept) < len(records):
        from genforge.output_files import write_text
        write_text(trainer.run_dir / "metrics.jsonl", "".join(json.dumps(r) + "\n" for r in kept))


@hookimpl
def on_step_end(trainer, step, logs):
    if logs and step % trainer.config.log_every == 0:
        _append(trainer, {"step": step, **logs})


@hookimpl
def on_eval(trainer, step, metrics):
    _append(trainer, {"step": step, "eval": metrics})


@hookimpl
def on_warning(trainer, step, message):
    _append(trainer, {"step": step, "warning": message})


def read_metrics_log(path) -> list[dict]:
    """Records of a ``metrics.jsonl``; a torn last line (killed run) is ignored."""
    records = []
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except FileNotFoundError:
        return []
    for line in lines:
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records
