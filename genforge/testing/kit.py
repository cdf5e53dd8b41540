"""The conformance kit's checks; :mod:`genforge.testing` documents them."""
from __future__ import annotations

import dataclasses
import io
import math
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable

import torch

from genforge.domain import DatasetSpec, Domain, TrainingData
from genforge.engine.tensor_tree import batch_size as tree_batch_size
from genforge.engine.tensor_tree import tree_leaves
from genforge.plugins import Registry, get_registry
from genforge.testing.samples import better, count, head, not_worse, same_samples, within

BATCH = 16
SEED = 0


class ConformanceError(AssertionError):
    """A plugin's registration does not honour the genforge contract."""


@dataclass
class Check:
    """One named conformance check; call it to run it (raises on failure)."""

    id: str
    run: Callable[[], Any]

    def __call__(self) -> Any:
        return self.run()

    def __str__(self) -> str:
        return self.id


def _fail(where: str, message: str) -> None:
    raise ConformanceError(f"{where}: {message}")


def _schema_round_trip(domain: Domain, schema: Any, where: str) -> Any:
    """Schema -> state -> weights-only torch.save/load -> schema, as checkpoints do."""
    try:
        state = domain.schema_state(schema)
        buffer = io.BytesIO()
        torch.save(state, buffer)
        buffer.seek(0)
        restored = torch.load(buffer, weights_only=True)
    except Exception as exc:
        _fail(where, f"schema_state(schema) does not survive a weights-only checkpoint ({exc}); "
                     "return plain Python values, lists and tensors only (no numpy arrays or objects)")
    return domain.schema_from_state(restored)


# -- the kit ---------------------------------------------------------------------------------
@dataclass
class ConformanceKit:
    """Runs the checks against one registry, caching loaded data and trained runs."""

    registry: Registry = field(default_factory=get_registry)
    steps: int = 3
    bad_samples: Callable[[TrainingData, Registry], Any] | None = None
    ties_ok: tuple[str, ...] = ()
    #: metrics whose direction real data cannot show (e.g. copies of training rows, when the
    #: real samples are training rows); they are still checked for finiteness and bounds
    no_direction: tuple[str, ...] = ()
    files: dict[str, Path] = field(default_factory=dict)
    work_dir: Path | None = None
    _data: dict = field(default_factory=dict, repr=False)
    _runs: dict = field(default_factory=dict, repr=False)

    @cached_property
    def _tmp(self) -> Path:
        if self.work_dir is not None:
            Path(self.work_dir).mkdir(parents=True, exist_ok=True)
            return Path(self.work_dir)
        self._tmpdir = tempfile.TemporaryDirectory(prefix="genforge-conformance-")
        return Path(self._tmpdir.name)

    # -- what to check --------------------------------------------------------------------
    def items_of(self, name: str) -> dict[str, list[Any]]:
        """What plugin ``name`` registered, or, for a domain name, what targets that domain."""
        reg = self.registry
        if name in reg.plugins:
            owned = lambda kind, key: reg.owner(kind, key) == name  # noqa: E731
            plugin = reg.plugins[name].name
        elif name in reg.domains:
            owned = lambda kind, key: (key == name if kind == "domains" else key[0] == name)  # noqa: E731
            plugin = reg.owner("domains", name)
        else:
            broken = [b for b in reg.broken if b.name == name]
            if broken:
                _fail(name, f"the plugin is broken: {broken[0].error}" +
                      (f" (hint: {broken[0].hint})" if broken[0].hint else ""))
            _fail(name, f"no plugin or domain of that name; plugins: {', '.join(sorted(reg.plugins))}; "
                        f"domains: {', '.join(sorted(reg.domains))}")
        return {
            "plugin": [plugin],
            "domains": [d for n, d in sorted(reg.domains.items()) if owned("domains", n)],
            "datasets": [s for k, s in sorted(reg.datasets.items()) if owned("datasets", k)],
            "models": [s for k, s in sorted(reg.models.items()) if owned("models", k)],
            "metrics": [s for k, s in sorted(reg.metrics.items()) if owned("metrics", k)],
        }

    def checks(self, name: str) -> list[Check]:
        """Every check for plugin or domain ``name``, in a sensible order."""
        items = self.items_of(name)
        out = [Check(f"names:{name}", lambda: self.check_names(name))]
        for spec in items["datasets"]:
            if spec.suffixes and spec.name not in self.files:
                continue  # a file loader is checked on a file the caller names in ``files``
            out.append(Check(f"dataset:{spec.domain}/{spec.name}",
                             lambda s=spec: self.check_dataset(s.domain, s.name)))
        models = list(items["models"])
        for dom in items["domains"]:  # a domain's default model, even when another plugin owns it
            if dom.default_model and not any(m.domain == dom.name and m.name == dom.default_model
                                              for m in models):
                models.append(self.registry.model(dom.name, dom.default_model))
        for spec in models:
            out.append(Check(f"model:{spec.domain}/{spec.name}",
                             lambda s=spec: self.check_model(s.domain, s.name)))
            out.append(Check(f"training:{spec.domain}/{spec.name}",
                             lambda s=spec: self.check_training(s.domain, s.name)))
        for spec in items["metrics"]:
            out.append(Check(f"metric:{spec.domain}/{spec.name}",
                             lambda s=spec: self.check_metric(s.domain, s.name)))
        return out

    def check_plugin(self, name: str) -> list[str]:
        """Run every check for ``name``; raise on the first failure, else return the ids run."""
        done = []
        for check in self.checks(name):
            check()
            done.append(check.id)
        return done

    # -- names --------------------------------------------------------------------------
    def check_names(self, name: str) -> None:
        reg, items = self.registry, self.items_of(name)
        plugin = items["plugin"][0]
        problems = [c for c in reg.clashes if plugin and plugin in c]
        if problems:
            _fail(name, "registration problems: " + "; ".join(problems))
        if not any(items[k] for k in ("domains", "datasets", "models", "metrics")):
            _fail(name, "registers no domain, dataset, model or metric")
        for dom in items["domains"]:
            where = f"domain {dom.name!r}"
            if not isinstance(dom, Domain):
                _fail(where, f"is a {type(dom).__name__}, not a genforge.Domain")
            if dom.default_dataset and (dom.name, dom.default_dataset) not in reg.datasets:
                _fail(where, f"default_dataset {dom.default_dataset!r} is not registered")
            if dom.default_model and (dom.name, dom.default_model) not in reg.models:
                _fail(where, f"default_model {dom.default_model!r} is not registered")
            if dom.default_loss and dom.default_loss not in reg.losses:
                _fail(where, f"default_loss {dom.default_loss!r} is not a registered loss")
            if not dom.sample_suffix.startswith("."):
                _fail(where, f"sample_suffix {dom.sample_suffix!r} must start with '.'")
        for kind in ("datasets", "models", "metrics"):
            for spec in items[kind]:
                if spec.domain not in reg.domains:
                    _fail(f"{kind[:-1]} {spec.name!r}", f"targets domain {spec.domain!r}, which no "
                          "installed plugin registers")
        for spec in items["metrics"]:
            lo, hi = spec.bounds
            if not isinstance(spec.higher_is_better, bool):
                _fail(f"metric {spec.name!r}", "higher_is_better must be True or False")
            if lo is not None and hi is not None and lo >= hi:
                _fail(f"metric {spec.name!r}", f"bounds {spec.bounds} are not ordered (low < high)")

    # -- data ---------------------------------------------------------------------------
    def dataset_options(self, domain: str, dataset: str) -> dict[str, Any]:
        spec, _ = self._dataset_spec(domain, dataset)
        return dict(spec.sample_options)

    def _dataset_spec(self, domain: str, dataset: str) -> tuple[DatasetSpec, Path | None]:
        if (domain, dataset) in self.registry.datasets and self.registry.datasets[(domain, dataset)].suffixes:
            if dataset not in self.files:
                _fail(f"dataset {domain}/{dataset}", "is a file loader; pass files={name: path} to check it")
            return self.registry.datasets[(domain, dataset)], Path(self.files[dataset])
        return self.registry.dataset(domain, dataset)

    def default_dataset(self, domain: str) -> str:
        """The domain's default dataset, else its first named one, else a file loader given in ``files``."""
        dom = self.registry.domain(domain)
        if dom.default_dataset:
            return dom.default_dataset
        specs = sorted((s.suffixes != (), n) for (d, n), s in self.registry.datasets.items() if d == domain
                       and (not s.suffixes or n in self.files))
        if not specs:
            _fail(f"domain {domain!r}", "has no default dataset, no named dataset and no file loader "
                                        "given a file in files={name: path}")
        return specs[0][1]

    def load(self, domain: str, dataset: str | None = None) -> TrainingData:
        """The domain's (default) dataset, loaded once with its small ``sample_options``."""
        dom = self.registry.domain(domain)
        dataset = dataset or self.default_dataset(domain)
        key = (domain, dataset)
        if key not in self._data:
            spec, source = self._dataset_spec(domain, dataset)
            options = dict(spec.sample_options)
            raw = spec.load(source, dict(options))
            self._data[key] = dom.prepare(raw, dict(options), SEED)
        return self._data[key]

    def check_dataset(self, domain: str, dataset: str) -> TrainingData:
        where = f"dataset {domain}/{dataset}"
        dom = self.registry.domain(domain)
        try:
            data = self.load(domain, dataset)
        except ConformanceError:
            raise
        except Exception as exc:
            _fail(where, f"loading a small sample (options {self.dataset_options(domain, dataset)}) "
                         f"raised {type(exc).__name__}: {exc}")
        if not isinstance(data, TrainingData):
            _fail(where, f"Domain.prepare returned a {type(data).__name__}, not a genforge.TrainingData")
        if data.size <= 0:
            _fail(where, f"TrainingData.size is {data.size}; it must count the training items")
        if data.real_samples is None or count(data.real_samples) == 0:
            _fail(where, "TrainingData.real_samples is empty; metrics and collapse detection need "
                         "decoded real samples")
        rng = torch.Generator().manual_seed(SEED)
        batch = data.batch(BATCH, rng)
        if batch.real is None or tree_batch_size(batch.real) != BATCH:
            _fail(where, f"batch({BATCH}, rng) gave {None if batch.real is None else tree_batch_size(batch.real)} "
                         f"items, expected {BATCH}")
        if batch.condition is not None and len(batch.condition) != BATCH:
            _fail(where, f"batch condition has {len(batch.condition)} rows for {BATCH} items")
        again = data.batch(BATCH, torch.Generator().manual_seed(SEED))
        if not all(torch.equal(a, b) for a, b in zip(tree_leaves(batch.real), tree_leaves(again.real))):
            _fail(where, "two batches from equally seeded generators differ; draw all randomness "
                         "from the rng argument")
        gbatch = data.conditions(BATCH, rng)
        if (gbatch.condition is None) != (batch.condition is None):
            _fail(where, "conditions() and batch() disagree on whether there is a condition")
        _schema_round_trip(dom, data.schema, where)
        return data

    # -- models -------------------------------------------------------------------------
    def config(self, domain: str, model: str, dataset: str | None = None, **overrides: Any):
        """A tiny training configuration for ``model`` on the domain's small dataset."""
        from genforge.training import make_config

        dom = self.registry.domain(domain)
        dataset = dataset or self.default_dataset(domain)
        spec = self.registry.model(domain, model)
        pac = int({**spec.defaults, **spec.sample_options}.get("pac", 1))  # a batch of whole packs
        values = {"dataset": dataset, "model": model, "steps": self.steps, "seed": SEED,
                  "batch_size": BATCH * pac, "eval_samples": 64, "eval_every": 0,
                  "checkpoint_every": 0, "log_every": 1, "device": "cpu", "early_stop_metric": "",
                  "model_options": dict(spec.sample_options),
                  "dataset_options": self.dataset_options(domain, dataset)}
        values.update(overrides)
        return make_config(domain, values, registry=self.registry)

    def build(self, domain: str, model: str, seed: int = SEED):
        from genforge.training import build_model

        data = self.load(domain)
        config = dataclasses.replace(self.config(domain, model), seed=seed)
        return build_model(config, data.schema, self.registry), data, config

    def check_model(self, domain: str, model: str) -> Any:
        where = f"model {domain}/{model}"
        dom = self.registry.domain(domain)
        try:
            gan, data, config = self.build(domain, model)
        except ConformanceError:
            raise
        except Exception as exc:
            _fail(where, f"build failed: {type(exc).__name__}: {exc}")
        n = config.batch_size
        rng = torch.Generator().manual_seed(SEED)
        batch = data.batch(n, rng)
        gan.eval()
        with torch.no_grad():
            fake = gan.generate(gan.noise(n, rng), batch.condition)
            real_leaves, fake_leaves = tree_leaves(batch.real), tree_leaves(fake)
            if [t.shape for t in real_leaves] != [t.shape for t in fake_leaves]:
                _fail(where, f"generator output shapes {[tuple(t.shape) for t in fake_leaves]} differ "
                             f"from real batch shapes {[tuple(t.shape) for t in real_leaves]}; "
                             "D sees both, so they must match")
            for label, x in (("real", batch.real), ("generated", fake)):
                scores = gan.discriminate(x, batch.condition)
                if scores.numel() not in (n, n // gan.samples_per_score):
                    _fail(where, f"discriminator gave {scores.numel()} scores for {n} {label} items "
                                 f"(expected one per item or per pack of {gan.samples_per_score})")
                if not torch.isfinite(scores).all():
                    _fail(where, f"discriminator scores on {label} items are not finite")
        samples = dom.decode(fake, data.schema)
        if count(samples) != n:
            _fail(where, f"decode turned {n} generator outputs into {count(samples)} samples")
        if count(dom.concat([samples, samples])) != 2 * n:
            _fail(where, "Domain.concat of two chunks does not hold both")
        out = self._tmp / f"samples-{domain}-{model}{dom.sample_suffix}"
        written = dom.write_samples(iter([samples]), out)
        if written != n or not out.exists():
            _fail(where, f"write_samples reported {written} samples for {n} and "
                         f"{'wrote' if out.exists() else 'did not write'} {out.name}")
        return samples

    def train(self, domain: str, model: str):
        """A few steps through the real engine into a run folder (cached)."""
        from genforge.training import train

        key = (domain, model)
        if key not in self._runs:
            out = self._tmp / f"run-{domain}-{model}"
            config = self.config(domain, model)
            self._runs[key] = train(config, out, registry=self.registry, data=self.load(domain),
                                    report=lambda line: None)
        return self._runs[key]

    def check_training(self, domain: str, model: str) -> None:
        from genforge.runs import Run

        where = f"training {domain}/{model}"
        try:
            result = self.train(domain, model)
        except Exception as exc:
            _fail(where, f"{self.steps} engine steps failed: {type(exc).__name__}: {exc}")
        if result.summary["steps"] != self.steps:
            _fail(where, f"ran {result.summary['steps']} of {self.steps} steps")
        for name, value in result.summary["metrics"].items():
            if not math.isfinite(value):
                _fail(where, f"metric {name} is {value} after training")
        n = 32
        expected = result.trainer.sample(n, seed=1234)
        run = Run(result.run_dir, self.registry, device="cpu")
        first, second = run.sample(n, seed=1234), run.sample(n, seed=1234)
        if not same_samples(first, second):
            _fail(where, "Run.sample twice with the same seed gave different samples; draw all "
                         "randomness from the rng the engine passes")
        if not same_samples(first, expected):
            _fail(where, "samples from the reloaded checkpoint differ from the trained model's; "
                         "check schema_state/schema_from_state and that build() is deterministic "
                         "in its architecture")

    # -- metrics ------------------------------------------------------------------------
    def reference_and_bad(self, domain: str) -> tuple[Any, Any, Any]:
        """(real samples, bad samples of the same size, reference) for the domain's metrics."""
        key = ("bad", domain)
        if key not in self._data:
            from genforge.trained import TrainedGAN

            dom = self.registry.domain(domain)
            data = self.load(domain)
            real = head(data.real_samples, 500)
            n = count(real)
            if self.bad_samples is not None:
                bad = self.bad_samples(data, self.registry)
            else:
                gan, _, config = self.build(domain, dom.default_model, seed=SEED + 1)
                bad = TrainedGAN(dom, gan, data.schema, config).sample(n, seed=SEED + 1)
            self._data[key] = (real, head(bad, n), data.reference)
        return self._data[key]

    def check_metric(self, domain: str, metric: str) -> tuple[float, float]:
        where = f"metric {domain}/{metric}"
        spec = self.registry.metric(domain, metric)
        real, bad, reference = self.reference_and_bad(domain)
        values = {}
        for label, samples in (("real", real), ("bad", bad)):
            try:
                value = float(spec.compute(samples, reference))
            except Exception as exc:
                _fail(where, f"raised on {label} samples: {type(exc).__name__}: {exc}")
            if not math.isfinite(value):
                _fail(where, f"is {value} on {label} samples; metrics must be finite")
            if not within(spec, value):
                _fail(where, f"is {value:.6g} on {label} samples, outside its declared bounds {spec.bounds}")
            values[label] = value
        direction = "higher" if spec.higher_is_better else "lower"
        ok = not_worse if metric in self.ties_ok else better
        if metric not in self.no_direction and not ok(spec, values["real"], values["bad"]):
            _fail(where, f"{direction} is better, but real data scores {values['real']:.6g} and bad samples "
                         f"(untrained generator) {values['bad']:.6g}; check the direction, or the metric "
                         f"does not measure quality")
        return values["real"], values["bad"]
