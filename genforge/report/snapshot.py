"""What a run folder holds, read without ever failing: config, metrics log, summary, checkpoint,
fresh samples and the reference data, with a plain note for every part that is missing."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genforge.builtin.tracking_summary import SUMMARY_FILE
from genforge.errors import GenforgeError, UserInputError
from genforge.training import CONFIG_FILE

#: samples drawn for the report when the run's config gives no ``eval_samples``
DEFAULT_SAMPLES = 2000
#: the real-vs-real metric values, computed once per run folder
REFERENCE_CACHE = "reference_metrics.json"


@dataclass
class MetricsLog:
    """Records of ``metrics.jsonl`` split by kind; ``torn`` counts lines that were not JSON."""

    steps: list[dict] = field(default_factory=list)
    evals: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    torn: int = 0

    @classmethod
    def read(cls, path: Path) -> "MetricsLog":
        log = cls()
        if not path.is_file():
            return log
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                log.torn += 1
                continue
            if not isinstance(record, dict) or "step" not in record:
                log.torn += 1
            elif "eval" in record:
                log.evals.append(record)
            elif "warning" in record:
                log.warnings.append(record)
            else:
                log.steps.append(record)
        return log


@dataclass
class RunSnapshot:
    """A run folder as far as it could be read; ``missing`` says, in words, what could not."""

    path: Path
    config: dict[str, Any]
    log: MetricsLog
    summary: dict[str, Any] = field(default_factory=dict)
    run: Any = None  # a genforge.runs.Run when a checkpoint loaded
    samples: Any = None
    reference: Any = None
    real_samples: Any = None
    reference_stand_in: Any = None  # real samples in the generated samples' place (real-vs-real)
    stand_in_reference: Any = None  # what the stand-in is judged against
    metrics: dict[str, float] = field(default_factory=dict)
    reference_metrics: dict[str, float] = field(default_factory=dict)
    metric_seconds: dict[str, float] = field(default_factory=dict)
    metrics_source: str = "fresh samples of the checkpoint"
    missing: list[str] = field(default_factory=list)

    @property
    def domain_name(self) -> str:
        return str(self.config.get("domain", ""))


def read_config(path: Path) -> dict[str, Any]:
    config_path = path / CONFIG_FILE
    if not path.is_dir():
        raise UserInputError(f"{path}: no such run folder")
    if not config_path.is_file():
        raise UserInputError(f"{path}: not a genforge run folder (no {CONFIG_FILE}); "
                             "create one with `genforge train ... --out DIR`")
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UserInputError(f"{config_path}, line {exc.lineno} column {exc.colno}: not valid JSON "
                             f"({exc.msg})") from None
    if not isinstance(config, dict):
        raise UserInputError(f"{config_path}: expected a JSON object of config keys")
    return config


def read_run(path: Path, registry, n: int | None = None, seed: int | None = None,
             evaluate: bool = True) -> RunSnapshot:
    """Read what exists of the run at ``path``; only a folder that is no run folder at all raises."""
    path = Path(path)
    snap = RunSnapshot(path, read_config(path), MetricsLog.read(path / "metrics.jsonl"))
    if not (path / "metrics.jsonl").is_file():
        snap.missing.append("no metrics.jsonl: training curves cannot be shown")
    if snap.log.torn:
        snap.missing.append(f"metrics.jsonl has {snap.log.torn} unreadable line(s) (a run killed while "
                            "writing it); they are left out")
    _read_summary(snap)
    if not _open_checkpoint(snap, registry):
        return snap
    count = n or int(snap.config.get("eval_samples") or DEFAULT_SAMPLES)
    try:
        snap.samples = snap.run.sample(count, seed=seed)
    except Exception as exc:
        snap.missing.append(f"sampling the generator failed ({_one_line(exc)}): no samples to show")
        return snap
    _load_reference(snap, registry)
    if evaluate:
        final = snap.log.evals[-1] if snap.log.evals else None
        reuse = n is None and seed is None and final is not None and final["step"] == snap.run.step
        if reuse:  # training's own final evaluation of this checkpoint: the same metrics, already paid for
            snap.metrics = {k: float(v) for k, v in (final.get("eval") or {}).items()}
            snap.metrics_source = f"the final evaluation of training (step {final['step']})"
        _compute_metrics(snap, registry, samples_too=not reuse)
    return snap


def _read_summary(snap: RunSnapshot) -> None:
    path = snap.path / SUMMARY_FILE
    if not path.is_file():
        snap.missing.append(f"no {SUMMARY_FILE}: training did not finish (killed or still running), or "
                            "ran with an older genforge; wall time, hardware and early stopping unknown")
        return
    try:
        snap.summary = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        snap.missing.append(f"{SUMMARY_FILE} is not valid JSON; wall time and hardware unknown")


def _open_checkpoint(snap: RunSnapshot, registry) -> bool:
    from genforge.runs import Run

    domain = snap.domain_name
    if domain not in registry.domains:
        snap.missing.append(
            f"domain {domain!r} is not installed (installed: {', '.join(sorted(registry.domains)) or 'none'}): "
            f"no samples, metrics or domain sections; install the plugin that provides it "
            f"(`genforge install ...`) and report again")
        return False
    try:
        snap.run = Run(snap.path, registry, device="cpu")
    except GenforgeError as exc:
        snap.missing.append(f"no usable checkpoint ({exc}): samples, metrics and domain sections left out")
        return False
    except Exception as exc:
        snap.missing.append(f"the checkpoint could not be restored ({_one_line(exc)}): samples, metrics and "
                            "domain sections left out")
        return False
    return True


def _load_reference(snap: RunSnapshot, registry) -> None:
    from genforge.training import load_training_data

    try:
        data = load_training_data(snap.run.config, registry, report=lambda line: None)
    except Exception as exc:
        snap.missing.append(f"the training data could not be reloaded ({_one_line(exc)}): metrics and "
                            "real-vs-synthetic comparisons left out")
        return
    snap.reference, snap.real_samples = data.reference, data.real_samples
    snap.reference_stand_in, snap.stand_in_reference = data.real_samples, data.reference
    hook = getattr(registry.hook, "report_reference", None)
    try:
        answer = hook(domain=snap.run.domain, data=data) if hook is not None else None
    except Exception as exc:
        snap.missing.append(f"the domain's report_reference hook failed ({_one_line(exc)}); the real-vs-real "
                            "reference uses the real samples as they are")
        answer = None
    if answer is not None:
        snap.reference_stand_in, snap.stand_in_reference = answer


def _compute_metrics(snap: RunSnapshot, registry, samples_too: bool = True) -> None:
    """Each metric on the samples and on the real samples (the real-vs-real reference, cached in
    the run folder: it depends on the data only)."""
    if snap.reference is None:
        return
    cached = _cached_reference(snap)
    for spec in registry.metrics_for(snap.domain_name):
        started = time.perf_counter()
        jobs = [(snap.metrics, snap.samples, snap.reference, "samples")] if samples_too else []
        if spec.name in cached:
            snap.reference_metrics[spec.name] = cached[spec.name]
        elif snap.reference_stand_in is not None:
            jobs.append((snap.reference_metrics, snap.reference_stand_in, snap.stand_in_reference, "real samples"))
        for target, samples, reference, which in jobs:
            try:
                target[spec.name] = float(spec.compute(samples, reference))
            except Exception as exc:
                snap.missing.append(f"metric {spec.name!r} failed on the {which}: {_one_line(exc)}")
        snap.metric_seconds[spec.name] = time.perf_counter() - started
    if snap.reference_metrics and snap.reference_metrics != cached:
        _write_json(snap.path / REFERENCE_CACHE, {"key": _reference_key(snap), "metrics": snap.reference_metrics})


def _reference_key(snap: RunSnapshot) -> dict:
    keys = ("domain", "dataset", "dataset_options", "seed")
    return {k: snap.config.get(k) for k in keys}


def _cached_reference(snap: RunSnapshot) -> dict[str, float]:
    try:
        record = json.loads((snap.path / REFERENCE_CACHE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return dict(record.get("metrics") or {}) if record.get("key") == _reference_key(snap) else {}


def _write_json(path: Path, record: dict) -> None:
    """Atomically, through the project's writer; a run folder that cannot be written (read-only)
    only loses the cache, which is an optimisation, so the report still gets built."""
    from genforge.output_files import OutputWriteError, write_text

    try:
        write_text(path, json.dumps(record, indent=2) + "\n")
    except OutputWriteError:
        return


def _one_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".splitlines()[0]
