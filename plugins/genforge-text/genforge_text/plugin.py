"""The ``text`` domain: short texts (one per line), generated character by character.

Registers the domain, the bundled ``names`` corpus, a ``.txt``/``.tsv`` file loader,
the ``char-gru`` model and six metrics. Uses genforge's public API only.
"""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any, Iterable

import torch

from genforge import (DatasetSpec, Domain, MetricSpec, ModelSpec, TensorTrainingData, UserInputError,
                      did_you_mean, hookimpl)

from genforge_text.corpus import Corpus, read_corpus, split_by_text
from genforge_text.encoding import CharSchema
from genforge_text.metrics import METRICS, TextReference, uniqueness
from genforge_text.models import DEFAULTS, build_char_gan
from genforge_text.report_section import register_report_sections  # noqa: F401  (report hook)

DOMAIN = "text"
#: the bundled corpus, package data (genforge_text/data/README.md: provenance and licence)
NAMES_FILE = Path(str(files("genforge_text") / "data" / "first-names.tsv"))


class TextDomain(Domain):
    """Samples are a list of strings; files are one text per line."""

    name = DOMAIN
    description = "short texts (names, words, short phrases), one per line, optionally with a category"
    default_dataset = "names"
    default_model = "char-gru"
    default_loss = "non-saturating"
    sample_suffix = ".txt"
    train_defaults = {"steps": 2400, "batch_size": 128, "n_critic": 1, "lr_g": 1e-3, "lr_d": 1e-3,
                      "betas_g": (0.5, 0.999), "betas_d": (0.5, 0.999), "temperature_start": 1.0,
                      "temperature_end": 0.5, "ema_decay": 0.99, "eval_samples": 1000}

    def prepare(self, raw: Corpus, options: dict[str, Any], seed: int) -> TensorTrainingData:
        heldout, real = split_by_text(raw.texts, (0.1, 0.1), int(options.get("split_seed", 0)))
        rows = [i for i, t in enumerate(raw.texts) if t not in heldout and t not in real]
        train = [raw.texts[i] for i in rows]
        cats = None if raw.categories is None else [raw.categories[i] for i in rows]
        schema = CharSchema.fit(raw.texts, raw.categories)
        labels = None if cats is None else schema.category_index(cats)
        reference = TextReference(set(train), sorted(heldout))
        return TensorTrainingData(schema.one_hot(train), labels, num_classes=len(schema.categories),
                                  schema=schema, reference=reference, real_samples=sorted(real),
                                  report=raw.report)

    def schema_state(self, schema: CharSchema) -> dict[str, Any]:
        return schema.to_state()

    def schema_from_state(self, state: dict[str, Any]) -> CharSchema:
        return CharSchema.from_state(state)

    def reference_state(self, reference: TextReference) -> dict[str, Any]:
        return {"train": sorted(reference.train), "heldout": list(reference.heldout)}

    def reference_from_state(self, state: dict[str, Any], schema: CharSchema) -> TextReference:
        return TextReference(set(state["train"]), list(state["heldout"]))

    def decode(self, output: torch.Tensor, schema: CharSchema) -> list[str]:
        return schema.decode(output)

    def condition(self, values: dict[str, str], n: int, schema: CharSchema,
                  rng: torch.Generator) -> torch.Tensor | None:
        """``--condition category=NAME``; without it, categories follow the training mix."""
        if not schema.categories:
            return super().condition(values, n, schema, rng)
        unknown = sorted(set(values) - {"category"})
        if unknown:
            raise UserInputError(f"--condition {unknown[0]}: the text domain's only condition is "
                                 f"'category' (one of {', '.join(schema.categories)})")
        if "category" in values:
            if values["category"] not in schema.categories:
                raise UserInputError(f"--condition category={values['category']}: unknown category"
                                     f"{did_you_mean(values['category'], schema.categories) or ';'} "
                                     f"known: {', '.join(schema.categories)}")
            return schema.category_index([values["category"]] * n)
        return torch.multinomial(torch.tensor(schema.category_freq), n, replacement=True, generator=rng)

    def write_samples(self, chunks: Iterable[list[str]], path: Path) -> int:
        from genforge.output_files import atomic_open

        count = 0
        with atomic_open(path, "w") as fh:
            for chunk in chunks:
                fh.writelines(t + "\n" for t in chunk)
                count += len(chunk)
        return count

    def diversity(self, samples: list[str], schema: CharSchema) -> float:
        return uniqueness(samples, None)

    def demo(self, out_dir: Path, seed: int) -> list[str]:
        from genforge import make_config, train

        # a short run (the default is 2,400 steps); benchmarks/text_names.py trains the full one
        run = train(make_config(DOMAIN, {"seed": seed, "steps": 800}), Path(out_dir) / "names")
        m = run.summary["metrics"]
        examples = ", ".join(run.trainer.sample(8, seed=seed))
        return [f"names: novelty {m['novelty']:.2f}, 2-4-gram precision {m['ngram_precision']:.2f}, "
                f"validity {m['validity']:.2f} in {run.summary['wall_time']:.0f}s; e.g. {examples}"]


def load_names(source: Path | None, options: dict[str, Any]) -> Corpus:
    if not NAMES_FILE.is_file():
        raise UserInputError(f"{NAMES_FILE}: the bundled names corpus is missing from this install; "
                             "reinstall genforge-text or pass your own file (--dataset FILE.txt or FILE.tsv)")
    return load_file(NAMES_FILE, options)


def load_file(source: Path, options: dict[str, Any]) -> Corpus:
    corpus = read_corpus(source, int(options.get("max_length", 24)))
    limit = options.get("limit")
    if limit:  # an evenly spread subset (keeps every category and initial letter)
        step = max(1, len(corpus.texts) // int(limit))
        corpus.texts = corpus.texts[::step][:int(limit)]
        corpus.categories = None if corpus.categories is None else corpus.categories[::step][:int(limit)]
    return corpus


@hookimpl
def register_domains(register):
    register(TextDomain())


@hookimpl
def register_datasets(register):
    register(DatasetSpec("names", DOMAIN, load_names,
                         "4,444 first names from 8 languages with category female/male (Faker, MIT)",
                         sample_options={"limit": 600}))
    register(DatasetSpec("text-file", DOMAIN, load_file,
                         "one text per line (.txt), or .tsv with columns text[, category]",
                         suffixes=(".txt", ".tsv"), sample_options={"limit": 600}))


@hookimpl
def register_models(register):
    register(ModelSpec("char-gru", DOMAIN, build_char_gan,
                       "GRU generator with straight-through Gumbel-softmax, CNN discriminator; "
                       "conditional on the category when the data has one",
                       defaults=dict(DEFAULTS), sample_options={"hidden": 32, "filters": 16}))


@hookimpl
def register_metrics(register):
    for name, (fn, higher, bounds, description) in METRICS.items():
        register(MetricSpec(name, DOMAIN, fn, higher, bounds, description))
