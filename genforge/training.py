"""Compose a training run from names: registry lookups, data, model, Trainer, run folder."""
from __future__ import annotations

import dataclasses
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genforge.config import AUTOMATIC, TrainConfig, read_toml
from genforge.domain import Domain, ModelSpec, TrainingData
from genforge.engine.trainer import Trainer, seed_all
from genforge.errors import UserInputError
from genforge.output_files import write_text
from genforge.model import GANModel
from genforge.plugins import Registry, get_registry
from genforge.runs import CONFIG_FILE, write_reference
from genforge.trained import TrainedGAN



@dataclass
class TrainResult:
    trainer: Trainer
    run_dir: Path | None
    summary: dict[str, Any]
    data: TrainingData

    @property
    def trained(self) -> TrainedGAN:
        """The trained model (a view of the trainer's; sample, evaluate, save)."""
        return self.trainer.trained()


def make_config(domain: str, overrides: dict[str, Any] | None = None, config_file: Path | None = None,
                registry: Registry | None = None) -> TrainConfig:
    """Layer the domain's defaults, a TOML file, then explicit overrides (CLI flags)."""
    registry = registry or get_registry()
    dom = registry.domain(domain)
    values: dict[str, Any] = {"domain": domain, **dom.train_defaults}
    source = "options"
    if config_file is not None:
        values.update(read_toml(Path(config_file)))
        source = str(config_file)
    layer_overrides(values, overrides or {})
    if (overrides or {}).get("epochs") is not None and (overrides or {}).get("steps") is None:
        values["steps"] = None
    return TrainConfig.from_dict(values, source=source)


def layer_overrides(values: dict[str, Any], overrides: dict[str, Any]) -> None:
    """Apply ``overrides`` to config ``values`` in place: ``None`` leaves a key alone; option dicts
    are merged key by key into the ``[model]`` / ``[dataset]`` tables (or ``*_options`` keys)."""
    overrides = dict(overrides)
    for key, table in (("model_options", "model"), ("dataset_options", "dataset")):
        extra = overrides.pop(key, None)
        if extra:
            base = values.pop(table, None) if isinstance(values.get(table), dict) else values.get(key)
            values[key] = {**(base or {}), **extra}
    values.update({k: v for k, v in overrides.items() if v is not None})


def fill_names(config: TrainConfig, domain: Domain) -> TrainConfig:
    return dataclasses.replace(config, dataset=config.dataset or domain.default_dataset,
                               model=config.model or domain.default_model,
                               loss=config.loss or domain.default_loss)


def model_options(spec: ModelSpec, config: TrainConfig) -> dict[str, Any]:
    """The model's defaults overridden by ``config.model_options`` (unknown keys refused)."""
    unknown = sorted(set(config.model_options) - set(spec.defaults))
    if unknown:
        raise UserInputError(f"model {spec.name!r} has no option {unknown[0]!r}; "
                             f"its options: {', '.join(sorted(spec.defaults)) or 'none'}")
    return {**spec.defaults, **config.model_options}


def load_training_data(config: TrainConfig, registry: Registry, report=print) -> TrainingData:
    domain = registry.domain(config.domain)
    spec, source = registry.dataset(config.domain, config.dataset)
    raw = spec.load(source, dict(config.dataset_options))
    data = domain.prepare(raw, dict(config.dataset_options), config.seed)
    if data.report is not None and data.report.skipped:
        for line in data.report.lines():
            report(line)
    return data


def build_model(config: TrainConfig, schema: Any, registry: Registry) -> GANModel:
    spec = registry.model(config.domain, config.model)
    seed_all(config.seed)
    model = spec.build(schema, model_options(spec, config))
    if not isinstance(model, GANModel):
        raise TypeError(f"model {spec.name!r} of {config.domain!r} built a {type(model).__name__}, "
                        "not a genforge.GANModel")
    return model


def step_cap(config: TrainConfig, registry: Registry) -> TrainConfig:
    """``GENFORGE_MAX_STEPS=N``: at most N training steps (a run set by epochs trains N steps) and
    at most N of each ``*_steps`` model option (e.g. an autoencoder's pretraining), said on stderr; for quick
    checks of command lines (``benchmarks/readme_tour.py`` runs the READMEs' commands so)."""
    text = os.environ.get("GENFORGE_MAX_STEPS", "").strip()
    if not text:
        return config
    if not text.isdigit() or int(text) <= 0:
        raise UserInputError(f"GENFORGE_MAX_STEPS={text!r}: expected a positive whole number")
    cap = int(text)
    spec = registry.models.get((config.domain, config.model))
    options = {**(spec.defaults if spec else {}), **config.model_options}
    capped = {k: min(int(v), cap) for k, v in options.items()
              if k.endswith("_steps") and isinstance(v, int) and int(v) > cap}
    config = dataclasses.replace(config, steps=min(config.steps, cap) if config.steps else cap,
                                 model_options={**config.model_options, **capped})
    print(f"GENFORGE_MAX_STEPS={cap}: training {config.steps} steps", file=sys.stderr)
    return config


def train(config: TrainConfig, out: Path | None = None, *, resume: bool = False,
          registry: Registry | None = None, data: TrainingData | None = None,
          report=print) -> TrainResult:
    """Train ``config`` into run folder ``out`` (or in memory when ``out`` is None)."""
    registry = registry or get_registry()
    domain = registry.domain(config.domain)
    config = step_cap(fill_names(config, domain), registry)
    loss = registry.loss(config.loss)
    registry.model(config.domain, config.model)  # fail fast on an unknown model
    metrics = registry.metrics_for(config.domain)
    known = {m.name for m in metrics} | {"diversity"}
    if config.early_stop_metric and config.early_stop_metric not in known:
        raise UserInputError(f"early_stop_metric {config.early_stop_metric!r} is not a metric of "
                             f"{config.domain!r}; metrics: {', '.join(sorted(known))}")
    run_dir = None if out is None else Path(out)
    if run_dir is not None:
        _prepare_run_dir(run_dir, config, resume)
    seed_all(config.seed)
    data = data if data is not None else load_training_data(config, registry, report)
    model = build_model(config, data.schema, registry)
    settled = settle_automatic(config, domain, data, model)
    if run_dir is not None and settled != config:  # config.json says the batch that was used
        write_text(run_dir / CONFIG_FILE, json.dumps(settled.to_dict(), indent=2) + "\n")
    config = settled
    trainer = Trainer(model, data, config, loss=loss, metrics=metrics, domain=domain,
                      run_dir=run_dir, hook=registry.hook)
    if resume:
        path = trainer.resume(warn=lambda m: print(m, file=sys.stderr))
        if path is not None:
            report(f"resumed from {path} at step {trainer.step}")
        else:
            report(f"no checkpoint in {run_dir / 'checkpoints' if run_dir else 'memory'}; starting at step 0")
    if run_dir is not None and trainer.group.is_main:
        write_reference(run_dir, domain, data.reference)
    summary = trainer.fit()
    if run_dir is not None and trainer.group.is_main:
        _write_outputs(trainer, run_dir)
    return TrainResult(trainer, run_dir, summary, data)


def settle_automatic(config: TrainConfig, domain: Domain, data: TrainingData, model: GANModel) -> TrainConfig:
    """The config with its ``"auto"`` keys settled by the domain from the loaded data (a batch
    rounded down to whole packs of the model's discriminator)."""
    if config.batch_size != AUTOMATIC:
        return config
    batch = domain.automatic_settings(data, config).get("batch_size")
    if not isinstance(batch, int) or batch <= 0:
        raise UserInputError(f"batch_size = \"auto\": domain {domain.name!r} does not choose a batch size; "
                             "set a number (--batch-size N)")
    pack = model.samples_per_score
    return dataclasses.replace(config, batch_size=max(pack, batch - batch % pack))


def _prepare_run_dir(run_dir: Path, config: TrainConfig, resume: bool) -> None:
    checkpoints = run_dir / "checkpoints"
    if not resume and checkpoints.is_dir() and any(checkpoints.iterdir()):
        raise UserInputError(f"{run_dir} already holds a training run; pass --resume to continue it "
                             "or choose a new --out")
    run_dir.mkdir(parents=True, exist_ok=True)
    write_text(run_dir / CONFIG_FILE, json.dumps(config.to_dict(), indent=2) + "\n")


def _write_outputs(trainer: Trainer, run_dir: Path) -> None:
    """Final samples and the domain's plots, beside the checkpoints."""
    domain = trainer.domain
    samples_dir = run_dir / "samples"
    samples_dir.mkdir(exist_ok=True)
    samples = trainer.sample(trainer.config.eval_samples, seed=trainer.config.seed)
    domain.write_samples([samples], samples_dir / f"final{domain.sample_suffix}")
    domain.report(samples, trainer.data.reference, run_dir)
