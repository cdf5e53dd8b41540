"""The things a plugin registers: a Domain, and Dataset, Model, Metric and Loss specs.

The engine only ever sees what these produce: a :class:`TrainingData` that yields
:class:`Batch` objects of tensors, and a :class:`~genforge.model.GANModel`.
Everything data-specific (pandas, RDKit, PIL) stays behind a Domain.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import torch

from genforge.errors import UserInputError


@dataclass
class Batch:
    """One batch for the adversarial loop.

    ``real`` is a tensor, or a tuple/dict of tensors (e.g. dense node features and
    adjacency); it is ``None`` when the batch only carries conditions for a
    generator step. ``condition`` goes to both G and D. ``extras`` carries tensors
    the model's extra generator loss needs (e.g. CTGAN's condition mask).
    """

    real: Any = None
    condition: torch.Tensor | None = None
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class DataReport:
    """What a loader could not use, by reason, with a few examples each.

    Nothing is dropped silently: loaders record every unusable item here and
    the CLI prints the report.
    """

    total: int = 0
    used: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def skip(self, reason: str, example: str = "", keep_examples: int = 3) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1
        if example:
            bucket = self.examples.setdefault(reason, [])
            if len(bucket) < keep_examples:
                bucket.append(example)

    def lines(self) -> list[str]:
        out = [f"used {self.used} of {self.total}"]
        for reason, count in sorted(self.skipped.items(), key=lambda kv: -kv[1]):
            ex = self.examples.get(reason)
            out.append(f"  skipped {count}: {reason}" + (f" (e.g. {', '.join(ex)})" if ex else ""))
        return out


class TrainingData:
    """Encoded training data plus everything needed to judge samples.

    Subclass it when batches are not plain rows of one tensor (conditional
    sampling, graphs). The engine calls :meth:`batch` for discriminator steps and
    :meth:`conditions` for generator steps, always passing its own
    ``torch.Generator`` so that one seed controls all randomness.
    """

    #: domain-specific description of the encoded data; must round-trip through
    #: ``to_state`` (plain Python values and tensors, for weights-only checkpoints)
    schema: Any = None
    #: decoded-space data the metrics compare samples with (held-out split, training set, ...)
    reference: Any = None
    #: a few thousand decoded real samples: the real diversity, and what metrics see as "real"
    real_samples: Any = None
    #: number of training items, for ``--epochs``
    size: int = 0
    report: DataReport | None = None

    def batch(self, batch_size: int, rng: torch.Generator) -> Batch:
        raise NotImplementedError

    def conditions(self, batch_size: int, rng: torch.Generator) -> Batch:
        """Conditions for a generator step; by default those of a fresh real batch."""
        batch = self.batch(batch_size, rng)
        return Batch(real=None, condition=batch.condition, extras=batch.extras)


class TensorTrainingData(TrainingData):
    """Rows of one tensor, optionally with integer class labels as the condition."""

    def __init__(self, data: torch.Tensor, labels: torch.Tensor | None = None, *,
                 num_classes: int = 0, schema: Any = None, reference: Any = None,
                 real_samples: Any = None, report: DataReport | None = None):
        if labels is not None and len(labels) != len(data):
            raise ValueError(f"{len(labels)} labels for {len(data)} rows")
        self.data, self.labels, self.num_classes = data, labels, num_classes
        self.schema, self.reference, self.report = schema, reference, report
        self.real_samples = real_samples
        self.size = len(data)

    def batch(self, batch_size: int, rng: torch.Generator) -> Batch:
        idx = torch.randint(0, self.size, (batch_size,), generator=rng)
        labels = None if self.labels is None else self.labels[idx]
        return Batch(real=self.data[idx], condition=labels)


class Domain:
    """A kind of data: how it is prepared, decoded, sampled, written and shown.

    Subclass and override what your data needs; register an instance through
    ``register_domains``. Only :meth:`prepare`, :meth:`decode` and
    :meth:`write_samples` have no useful default.
    """

    name: str = ""
    description: str = ""
    default_dataset: str = ""
    default_model: str = ""
    default_loss: str = "non-saturating"
    #: file suffix of the samples a run writes (``samples/final.csv``)
    sample_suffix: str = ".csv"
    #: ``write_samples`` also accepts a folder (one file per sample), e.g. images
    sample_folders: bool = False
    #: default TrainConfig overrides for this domain (batch_size, lr, steps, ...)
    train_defaults: dict[str, Any] = {}
    # -- data in ---------------------------------------------------------------
    def prepare(self, raw: Any, options: dict[str, Any], seed: int) -> TrainingData:
        """Fit encoders on raw loaded data and return training batches + reference."""
        raise NotImplementedError

    def schema_state(self, schema: Any) -> dict[str, Any]:
        """The schema as plain values/tensors, stored in checkpoints."""
        return schema.to_state() if hasattr(schema, "to_state") else dict(schema or {})

    def schema_from_state(self, state: dict[str, Any]) -> Any:
        return state

    def reference_state(self, reference: Any) -> dict[str, Any] | None:
        """The reference data as plain values/tensors, saved with a trained model so that it
        can be evaluated later without the raw data. Default ``None``: not saved (a run folder
        then re-reads its dataset to evaluate)."""
        return None

    def reference_from_state(self, state: dict[str, Any], schema: Any) -> Any:
        """Inverse of :meth:`reference_state`."""
        raise NotImplementedError(f"{self.name}: reference_state without reference_from_state")

    # -- the domain's own ``genforge train`` options ----------------------------
    def add_train_arguments(self, parser: Any) -> None:
        """Add this domain's options to ``genforge train DOMAIN`` (an ``argparse`` parser or
        argument group), e.g. tabular's ``--target``. Default: none."""

    def train_overrides(self, args: Any) -> dict[str, Any]:
        """Map the parsed options of :meth:`add_train_arguments` to config overrides, e.g.
        ``{"dataset_options": {"target": args.target}}`` (``None`` values leave a key alone)."""
        return {}

    def automatic_settings(self, data: TrainingData, config: Any) -> dict[str, Any]:
        """Values for the config keys left ``"auto"`` (``batch_size``), from the prepared data,
        e.g. ``{"batch_size": min(500, data.size // 4)}``; the engine rounds a batch down to whole
        packs of the model's ``samples_per_score``. Default: none (an ``"auto"`` key is refused)."""
        return {}

    def finish_training(self, model: Any, data: TrainingData, device: torch.device) -> None:
        """Once after the last training step, before the final evaluation and checkpoint, with
        the sampling (EMA) generator in ``model``: fit what post-processes decoded samples and
        lives in ``data.schema`` (the tabular domain calibrates numeric marginals). Default: nothing."""

    # -- samples out -----------------------------------------------------------
    def decode(self, output: Any, schema: Any) -> Any:
        """Generator output (tensors) -> user-facing samples of this domain."""
        raise NotImplementedError

    def condition(self, values: dict[str, str], n: int, schema: Any,
                  rng: torch.Generator) -> torch.Tensor | None:
        """Turn ``--condition KEY=VALUE`` pairs into the generator's condition."""
        if values:
            raise UserInputError(f"domain {self.name!r} takes no --condition "
                                 f"(got {', '.join(values)})")
        return None

    def sample_chunks(self, generate: Callable[[int, Any], Any], schema: Any, n: int,
                      conditions: dict[str, str], rng: torch.Generator,
                      chunk_size: int = 10_000) -> Iterator[Any]:
        """Yield decoded samples in chunks (bounded memory); ``generate(k, cond)``
        runs the generator. Override for exact conditional sampling."""
        done = 0
        while done < n:
            k = min(chunk_size, n - done)
            cond = self.condition(conditions, k, schema, rng)
            yield self.decode(generate(k, cond), schema)
            done += k

    def concat(self, chunks: Sequence[Any]) -> Any:
        """Join decoded chunks into one sample collection."""
        first = chunks[0]
        if isinstance(first, torch.Tensor):
            return torch.cat(list(chunks))
        if isinstance(first, list):
            return [x for c in chunks for x in c]
        raise NotImplementedError(f"{self.name}: override Domain.concat")

    def write_samples(self, chunks: Iterable[Any], path: Path) -> int:
        """Write chunks of decoded samples to ``path``; return how many."""
        raise NotImplementedError

    def add_sample_arguments(self, parser: Any) -> None:
        """Add this domain's options to ``genforge sample RUN`` (an argument group), e.g. the
        molecule domain's ``--raw`` and ``--objective``. Default: none."""

    def sample_command(self, args: Any) -> int | None:
        """Run ``genforge sample`` itself when one of this domain's sample options asks for it
        (return the exit status), or ``None`` for the core's path. ``args`` holds the core's
        ``run``, ``n``, ``out``, ``seed`` and the options of :meth:`add_sample_arguments`."""
        return None

    def sample_summary(self, samples: Any, schema: Any) -> list[str]:
        """A few lines of key figures about written samples (validity, rejects by reason, ...)
        that ``genforge sample`` prints after writing. Default: none."""
        return []

    def diversity(self, samples: Any, schema: Any) -> float | None:
        """A number that falls when the generator collapses (modes, uniques, spread);
        the trainer compares it with the diversity of ``TrainingData.real_samples``."""
        return None

    # -- reporting -------------------------------------------------------------
    def report(self, samples: Any, reference: Any, out_dir: Path) -> list[Path]:
        """Write plots comparing samples with reference; return their paths."""
        return []

    def report_lines(self, samples: Any, reference: Any, out_dir: Path) -> list[str]:
        """Plain lines ``genforge evaluate`` prints after the metrics (e.g. what gives the samples
        away). Called right after :meth:`report` with the same samples and folder, so it may read
        what ``report`` wrote instead of computing it again. Default: none."""
        return []

    def demo(self, out_dir: Path, seed: int) -> list[str]:
        """Run this domain's quick demo on bundled data; return summary lines."""
        return []


@dataclass(frozen=True)
class DatasetSpec:
    """A named dataset, or a file-format loader (``suffixes`` set, ``load(path)``).

    ``load(source, options)`` returns raw data for ``Domain.prepare``;
    ``source`` is ``None`` for named datasets and a ``Path`` for file loaders.
    """

    name: str
    domain: str
    load: Callable[[Path | None, dict[str, Any]], Any]
    description: str = ""
    suffixes: tuple[str, ...] = ()
    #: options that load a small, fast sample (used by :mod:`genforge.testing`)
    sample_options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelSpec:
    """A named generator/discriminator pair: ``build(schema, options) -> GANModel``."""

    name: str
    domain: str
    build: Callable[[Any, dict[str, Any]], Any]
    description: str = ""
    defaults: dict[str, Any] = field(default_factory=dict)
    #: option overrides for a tiny, fast build (used by :mod:`genforge.testing`)
    sample_options: dict[str, Any] = field(default_factory=dict)
    #: what each option means (``genforge models DOMAIN`` prints it beside type and default)
    option_help: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MetricSpec:
    """A quality metric: ``compute(samples, reference) -> float``.

    ``higher_is_better`` gives its direction and ``bounds`` its range
    (``None`` for an open end).
    """

    name: str
    domain: str
    compute: Callable[[Any, Any], float]
    higher_is_better: bool
    bounds: tuple[float | None, float | None] = (None, None)
    description: str = ""


@dataclass(frozen=True)
class LossSpec:
    """A GAN objective on discriminator outputs (logits or critic scores).

    ``discriminator(real_out, fake_out)`` and ``generator(fake_out)`` return
    scalar losses; ``gradient_penalty`` is the default weight of the WGAN-GP
    penalty this objective needs (0 for none). ``decision_threshold`` is the
    output above which D calls a sample real (the engine's ``d_real_acc`` /
    ``d_fake_acc`` and the vanishing-gradient diagnostic): a number (0 for logits,
    0.5 for least squares) or ``f(real_out, fake_out) -> float`` for critics
    whose scores have no fixed scale.
    """

    name: str
    discriminator: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    generator: Callable[[torch.Tensor], torch.Tensor]
    gradient_penalty: float = 0.0
    description: str = ""
    decision_threshold: float | Callable[[torch.Tensor, torch.Tensor], float] = 0.0

    def threshold(self, real_out: torch.Tensor, fake_out: torch.Tensor) -> float:
        """The decision threshold for these discriminator outputs."""
        if callable(self.decision_threshold):
            return float(self.decision_threshold(real_out, fake_out))
        return float(self.decision_threshold)


@dataclass(frozen=True)
class CommandSpec:
    """A ``genforge`` subcommand: ``add_arguments(parser)`` then ``run(args) -> exit status``."""

    name: str
    help: str
    add_arguments: Callable[[Any], None]
    run: Callable[[Any], int]
