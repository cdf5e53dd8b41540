"""``TrainedGAN``: what every training becomes, in memory, from a run folder or from a file.

    trained = train(config).trained            # or TrainedGAN.load("model.pt" | "runs/x")
    rows = trained.sample(1000, seed=1)        # decoded by the domain; same seed, same samples
    trained.sample_to("rows.csv", 10**6)       # streamed in chunks (bounded memory)
    trained.evaluate()                         # the domain's metrics against the saved reference
    trained.save("model.pt")                   # one versioned, weights-only format (model_file)

This is the one place that knows which generator samples (the EMA copy when
training kept one), that a distributed trainer's networks are wrapped, and how a
saved model is checked (format, version, domain, schema fingerprint).
"""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import torch
from torch import nn

from genforge import model_file
from genforge.config import TrainConfig
from genforge.domain import Domain, MetricSpec
from genforge.engine.distributed import pick_device, unwrap
from genforge.errors import UserInputError
from genforge.model import GANModel
from genforge.sampling import generate_raw

if TYPE_CHECKING:
    from genforge.engine.trainer import Trainer
    from genforge.plugins import Registry


class TrainedGAN:
    """A trained model of one domain: sample, evaluate, save.

    ``generator`` is the network that samples (the EMA copy when training kept one);
    ``reference`` the domain's reference data (``None`` when not known);
    ``metrics`` the domain's metric specs.
    """

    def __init__(self, domain: Domain, model: GANModel, schema: Any, config: TrainConfig, *,
                 generator: nn.Module | None = None, step: int = 0, reference: Any = None,
                 metrics: Sequence[MetricSpec] = (), device: torch.device | None = None,
                 last_metrics: dict[str, float] | None = None):
        self.domain, self.model, self.schema, self.config = domain, model, schema, config
        self.generator = unwrap(model.generator) if generator is None else generator
        self.step, self.reference, self.metrics = int(step), reference, list(metrics)
        self.device = device if device is not None else next(model.parameters()).device
        self.last_metrics: dict[str, float] = dict(last_metrics or {})
        #: ``{metric name: error}`` of the metrics that raised in the last :meth:`score`
        self.metric_failures: dict[str, str] = {}

    # -- where a trained model comes from ------------------------------------------------
    @classmethod
    def from_trainer(cls, trainer: "Trainer") -> "TrainedGAN":
        """A view of a trainer's live model (no copy): the EMA generator samples when kept."""
        generator = trainer.ema.module if trainer.ema is not None else unwrap(trainer.model.generator)
        return cls(trainer.domain, trainer.model, trainer.data.schema, trainer.config, generator=generator,
                   step=trainer.step, reference=trainer.data.reference, metrics=trainer.metrics,
                   device=trainer.device, last_metrics=trainer.last_metrics)

    @classmethod
    def from_state(cls, state: dict[str, Any], registry: "Registry | None" = None, device: str = "auto",
                   source: str = "state", reference: Any = None) -> "TrainedGAN":
        """Rebuild from a model file's or a training checkpoint's state (``weights`` or
        ``model`` + ``ema``); the EMA weights, when present, become the sampling generator."""
        from genforge.plugins import get_registry
        from genforge.training import build_model

        registry = registry or get_registry()
        config = TrainConfig.from_dict(state["config"], source=source)
        domain = registry.domain(config.domain)
        schema = domain.schema_from_state(state["schema"])
        model = build_model(config, schema, registry)
        try:
            model.load_state_dict(state["weights"] if "weights" in state else state["model"])
            if state.get("ema") is not None:
                model.generator.load_state_dict(state["ema"])
        except (RuntimeError, KeyError) as exc:
            raise UserInputError(f"{source}: the weights do not fit model {config.model!r} of domain "
                                 f"{config.domain!r} ({str(exc).splitlines()[0]})") from None
        if reference is None and state.get("reference") is not None:
            reference = domain.reference_from_state(state["reference"], schema)
        target = pick_device(device)
        model.to(target).eval()
        return cls(domain, model, schema, config, step=int(state.get("step", 0)), reference=reference,
                   metrics=registry.metrics_for(config.domain), device=target,
                   last_metrics=state.get("last_metrics"))

    @classmethod
    def load(cls, path: str | Path, registry: "Registry | None" = None, *, domain: str | None = None,
             device: str = "auto") -> "TrainedGAN":
        """A saved model file, or a run folder (its newest good checkpoint). ``domain``: the domain
        the file must be of (a file of another domain, version or a damaged one is refused)."""
        path = Path(path)
        if path.is_dir():
            from genforge.runs import open_run

            trained = open_run(path, registry, device)
            if domain is not None and trained.domain.name != domain:
                raise UserInputError(f"{path}: a run of domain {trained.domain.name!r}, expected {domain!r}")
            return trained
        state = model_file.read(path, domain)
        return cls.from_state(state, registry, device, source=str(path))

    # -- sampling ------------------------------------------------------------------------
    @contextlib.contextmanager
    def sampling_model(self) -> Iterator[GANModel]:
        """The model with the sampling generator in place (restored afterwards)."""
        model, live = self.model, self.model.generator
        model.generator = self.generator
        try:
            yield model
        finally:
            model.generator = live

    def _rng(self, seed: int | None) -> torch.Generator:
        return torch.Generator().manual_seed(self.config.seed if seed is None else int(seed))

    def generate(self, n: int, condition: torch.Tensor | None, rng: torch.Generator) -> Any:
        """Raw generator output for ``n`` samples (tensors on the CPU)."""
        with self.sampling_model() as model:
            return generate_raw(model, n, condition, rng, self.device)

    def sample_chunks(self, n: int, conditions: dict[str, Any] | None = None, seed: int | None = None,
                      chunk_size: int = 10_000) -> Iterator[Any]:
        """Decoded samples in chunks of at most ``chunk_size`` (bounded memory)."""
        n = int(n)
        if n <= 0:
            raise UserInputError(f"the number of samples must be positive, got {n}")
        rng = self._rng(seed)
        return self.domain.sample_chunks(lambda k, c: self.generate(k, c, rng), self.schema, n,
                                         dict(conditions or {}), rng, chunk_size=chunk_size)

    def sample(self, n: int, conditions: dict[str, Any] | None = None, seed: int | None = None) -> Any:
        """``n`` decoded samples satisfying ``conditions`` (same seed, same samples)."""
        return self.domain.concat(list(self.sample_chunks(n, conditions, seed)))

    def sample_to(self, path: str | Path, n: int, conditions: dict[str, Any] | None = None,
                  seed: int | None = None, chunk_size: int = 10_000) -> int:
        """Stream ``n`` samples into ``path`` through the domain's writer; return the count."""
        path = Path(path)
        if not path.parent.exists():
            raise UserInputError(f"{path}: folder {path.parent} does not exist")
        return self.domain.write_samples(self.sample_chunks(n, conditions, seed, chunk_size), path)

    # -- evaluation ----------------------------------------------------------------------
    def evaluate(self, reference: Any = None, *, n: int | None = None, seed: int | None = None) -> dict[str, float]:
        """Every metric of the domain on ``n`` fresh samples, against ``reference`` (default:
        the reference saved with the model), plus the domain's diversity signal."""
        reference = self.reference if reference is None else reference
        if reference is None:
            raise UserInputError(f"no reference data is saved with this {self.domain.name} model; "
                                 "pass evaluate(reference=...)")
        samples = self.sample(n or self.config.eval_samples, seed=seed)
        return self.score(samples, reference)

    def score(self, samples: Any, reference: Any) -> dict[str, float]:
        """The metrics of ``samples``. A metric that raises is left out and recorded by name
        in :attr:`metric_failures`; the others still run."""
        results: dict[str, float] = {}
        self.metric_failures = {}
        for spec in self.metrics:
            try:
                results[spec.name] = float(spec.compute(samples, reference))
            except Exception as exc:  # noqa: BLE001 - reported by name, the others still run
                self.metric_failures[spec.name] = f"{type(exc).__name__}: {exc}".splitlines()[0]
        diversity = self.domain.diversity(samples, self.schema)
        if diversity is not None:
            results["diversity"] = float(diversity)
        self.last_metrics = results
        return results

    # -- saving --------------------------------------------------------------------------
    def state(self, include_reference: bool = True) -> dict[str, Any]:
        """The model file's payload (see :mod:`genforge.model_file`)."""
        schema = self.domain.schema_state(self.schema)
        with self.sampling_model() as model:
            discriminator = model.discriminator
            model.discriminator = unwrap(discriminator)
            try:
                weights = {k: v.detach().cpu() for k, v in model.state_dict().items()}
            finally:
                model.discriminator = discriminator
        reference = None
        if include_reference and self.reference is not None:
            reference = self.domain.reference_state(self.reference)
        return {"domain": self.domain.name, "model": self.config.model,
                "schema_fingerprint": model_file.fingerprint(schema), "config": self.config.to_dict(),
                "step": self.step, "schema": schema, "weights": weights, "reference": reference,
                "last_metrics": dict(self.last_metrics)}

    def save(self, path: str | Path, *, extra: dict[str, Any] | None = None,
             include_reference: bool = True) -> Path:
        """Write one model file atomically; ``extra``: plain data stored beside (read it back
        with :func:`genforge.model_file.read`)."""
        return model_file.write(Path(path), {**self.state(include_reference), "extra": dict(extra or {})})

    def __repr__(self) -> str:
        return (f"TrainedGAN(domain={self.domain.name!r}, model={self.config.model!r}, step={self.step}, "
                f"device={self.device})")
