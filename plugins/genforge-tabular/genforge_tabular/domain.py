"""The ``tabular`` domain: tables in, conditional batches to the engine, tables out."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np
import pandas as pd
import torch

from genforge.domain import DataReport, Domain
from genforge.errors import UserInputError
from genforge import generate_raw
from genforge_tabular.bundled import TableSource
from genforge_tabular.chunked_sampling import (chunk_seeds, chunk_sizes, reseeded, sample_workers,
                                                 seeded_chunks)
from genforge_tabular.compact_rows import COMPACT_ROWS, CompactRows
from genforge_tabular.copy_guard import guard_for, guarded_rows, without_copies
from genforge_tabular.columns import MODELLED_AS_CONTINUOUS, MODELLED_AS_DISCRETE, infer_columns
from genforge_tabular.constraints.integration import (RULE_OPTIONS, load_rules, prepare_rules, rules_of,
                                                      save_rules)
from genforge_tabular.constraints.sampling import constrained_chunks
from genforge_tabular.dependencies import find_dependencies
from genforge_tabular.metrics import TabularReference
from genforge_tabular.numeric_relations import describe
from genforge_tabular.parquet_stream import write_table_stream
from genforge_tabular.reading import check_table
from genforge_tabular.resampling import MIN_ROWS, DensityRatioResampler
from genforge_tabular.sampler import TabularTrainingData, TargetPairs
from genforge_tabular.schema import TARGET_SHARE, TableSchema
from genforge_tabular.target_column import check_target, split_holdout
from genforge.threads import ensure_threads
from genforge_tabular.encoders import FIT_ROWS, MAX_CATEGORIES, ContinuousEncoder, DiscreteEncoder, to_numbers
from genforge_tabular.transformer import TableTransformer
from genforge_tabular.writing import write_table_chunks

DATASET_OPTIONS = {"target", "discrete_columns", "metadata", "holdout", "fit_rows", "max_categories",
                   "target_share", "log_frequency", "delimiter", "encoding", "rows", "dependencies", "target_pairs",
                   "calibrate", "resample", "copy_guard", "privacy", "stream", "chunk_rows", "sample_rows", *RULE_OPTIONS}
#: the hold-out share of both ``genforge train tabular`` and ``TabularGAN``: none, the model is
#: trained on all the user's rows (``evaluate`` then scores against the training rows)
DEFAULT_HOLDOUT = 0.0
#: the automatic batch (``batch_size = "auto"``, the default): a quarter of the training rows (four
#: updates per epoch, where CTGAN's 500-row batches give a 1,000-row table two), between these.
#: Below 128 rows a step costs about the same on a CPU whatever its size (dispatch, not arithmetic).
AUTO_BATCH_RANGE = (128, 500)


def automatic_batch_size(rows: int) -> int:
    """The batch ``"auto"`` stands for on a table of ``rows`` training rows (before packing). Measured
    against a fixed 500 (README, seed 0): penguins GB detection 0.545 vs 0.628, actg175 0.848 vs 0.880."""
    low, high = AUTO_BATCH_RANGE
    return min(high, max(low, rows // 4))


#: ``genforge train tabular``'s engine defaults, which ``TabularGAN``'s signature reads, so the
#: CLI and the Python API fit the same model from the same rows and seed
TRAIN_DEFAULTS = {"epochs": 300, "batch_size": "auto", "lr_g": 1e-3, "lr_d": 1e-3, "reuse_fake": True,
                  "betas_g": (0.5, 0.9), "betas_d": (0.5, 0.9), "eval_samples": 1000, "ema_decay": 0.995,
                  "precision": "auto", "dataset_options": {"holdout": DEFAULT_HOLDOUT}}
#: rounds of generate-and-filter for multi-column conditions before forcing values
REJECTION_ROUNDS = 8
#: unconditional rows generated after training to calibrate the numeric marginals (in chunks of
#: CALIBRATION_CHUNK), and their seed
CALIBRATION_ROWS, CALIBRATION_CHUNK, CALIBRATION_SEED = 20_000, 5_000, 0


def target_share(options: dict[str, Any]) -> float:
    """The dataset option ``target_share``: how often a batch is conditioned on the target."""
    value = options.get("target_share", TARGET_SHARE)
    problem = f"dataset option target_share={value!r}: expected a number in [0, 1]"
    try:
        share = float(value)
    except (TypeError, ValueError):
        raise UserInputError(problem) from None
    if not 0.0 <= share <= 1.0:
        raise UserInputError(problem)
    return share


def option_flag(options: dict[str, Any], name: str) -> bool:
    """A true/false dataset option, on by default: ``dependencies`` (derived columns and the
    numeric rules), ``target_pairs`` (conditions carry the target's partner), ``calibrate``
    (numeric marginals after training), ``resample`` (``resampling.py``), ``copy_guard``."""
    value = options.get(name, True)
    if not isinstance(value, bool):
        raise UserInputError(f"dataset option {name}={value!r}: expected true or false")
    return value


class TabularDomain(Domain):
    name = "tabular"
    description = "mixed-type tables: conditional GAN with mode-specific normalization (CTGAN-style)"
    default_dataset = "penguins"
    default_model = "ctgan-residual"
    default_loss = "wgan-gp"
    sample_suffix = ".csv"
    #: ``genforge train``'s defaults, and ``TabularGAN``'s (its signature reads them)
    train_defaults = TRAIN_DEFAULTS

    # -- data in ----------------------------------------------------------------------------
    def prepare(self, raw: Any, options: dict[str, Any], seed: int) -> TabularTrainingData:
        source = raw if isinstance(raw, TableSource) else TableSource(check_table(pd.DataFrame(raw), "the table"),
                                                                      "the table")
        unknown = sorted(set(options) - DATASET_OPTIONS)
        if unknown:
            raise UserInputError(f"tabular dataset option {unknown[0]!r} is unknown; options: "
                                 f"{', '.join(sorted(DATASET_OPTIONS))}")
        options = {**source.defaults, **options}
        option_flag(options, "copy_guard")  # read after training (copy_guard.py): a bad value is refused now
        if source.stream is not None:  # a large file: read in chunks, fitted on a bounded sample
            from genforge_tabular.streaming import prepare_streamed
            return prepare_streamed(self, source.stream, options, seed)
        df, where, target = source.frame, source.where, options.get("target")
        ruled = prepare_rules(df, options, where, target)  # constraints= / SDV metadata=: what the GAN learns
        if ruled is not None:
            df = ruled.model_frame
        infos, kinds = self.fit_columns(df, where, target, None if ruled else options.get("discrete_columns"),
                                        ruled.metadata if ruled else options.get("metadata"))
        train, holdout = split_holdout(df, float(options.get("holdout", 0.0)), target, seed)
        if options.get("privacy") is not None:  # differentially private training: see privacy/preparation.py
            from genforge_tabular.privacy.preparation import prepare_private
            return prepare_private(train, holdout, infos, target, options, seed, where,
                                   lambda schema: self._report(len(df), schema, where), target_share(options))
        transformer = self.fit_transformer(train, infos, target, options, seed)
        codes = transformer.codes(train)
        schema = self.fit_schema(infos, transformer, target, codes, options)
        rng = torch.Generator().manual_seed(seed)
        encoded = (CompactRows.encode(transformer, train, rng) if len(train) >= COMPACT_ROWS  # the same rows,
                   else transformer.encode(train, rng))                                   # held compactly
        reference = TabularReference(train, kinds, holdout, target, seed, rules=describe(transformer.rules))
        real = train if len(train) <= 2000 else train.sample(2000, random_state=seed % 2**31)
        report = self.training_report(len(df), schema, where, options, len(train))
        if ruled is not None:
            schema.rules = ruled.rules
            reference, real = ruled.reference(split_holdout, float(options.get("holdout", 0.0)), target, seed)
            report.total += len(source.frame) - len(df)
            report.skipped.update(ruled.report)
        return TabularTrainingData(encoded, codes, schema.condition_draws(float(options.get("log_frequency", 0.0))),
                                   schema=schema, table=train, options=options, reference=reference,
                                   real_samples=real.reset_index(drop=True), report=report)

    # -- the steps of prepare (also those of streaming.py, on a bounded sample) ------------------
    @staticmethod
    def fit_columns(df: pd.DataFrame, where: str, target: str | None, discrete: Any, metadata: Any):
        """Column infos and kinds; a numeric target with at most 50 values is categorical."""
        infos = infer_columns(df, where, discrete, metadata)
        kinds = {i.name: i.kind for i in infos}
        if target:
            if target in kinds and kinds[target] not in MODELLED_AS_DISCRETE and df[target].nunique() <= 50:
                kinds[target] = "categorical"
                next(i for i in infos if i.name == target).kind = "categorical"
            check_target(df, target, kinds, where)
        if not any(k in MODELLED_AS_CONTINUOUS + MODELLED_AS_DISCRETE for k in kinds.values()):
            raise UserInputError(f"{where}: no column can be modelled (all are constant or ID-like)")
        return infos, kinds

    @staticmethod
    def fit_transformer(train: pd.DataFrame, infos: list, target: str | None, options: dict[str, Any],
                        seed: int) -> TableTransformer:
        dependencies = find_dependencies(train, infos, target, seed) if option_flag(options, "dependencies") else {}
        return TableTransformer.fit(train, infos, seed, int(options.get("fit_rows", FIT_ROWS)),
                                    int(options.get("max_categories", MAX_CATEGORIES)), dependencies,
                                    option_flag(options, "calibrate"), option_flag(options, "dependencies"), target)

    @staticmethod
    def fit_schema(infos: list, transformer: TableTransformer, target: str | None, codes: torch.Tensor,
                   options: dict[str, Any]) -> TableSchema:
        slot_counts = [torch.bincount(codes[:, j].long(), minlength=transformer.encoders[i].width).tolist()
                       for j, i in enumerate(transformer.discrete)]
        names = [transformer.columns[i] for i in transformer.discrete]
        # int32 codes of a streamed table as they are (codes.long() was a 1.2 GB copy at 10^7 rows)
        pairs = TargetPairs.of_codes(codes, names.index(target), [len(c) for c in slot_counts]) \
            if target in names and len(names) > 1 and option_flag(options, "target_pairs") else None
        return TableSchema(infos, transformer, target, slot_counts, target_share(options), pairs)

    def training_report(self, rows: int, schema: TableSchema, where: str, options: dict[str, Any],
                        train_rows: int) -> DataReport:
        """The data report of :meth:`_report`, plus a note when the resampling step cannot run."""
        report = self._report(rows, schema, where)
        if option_flag(options, "resample") and train_rows < MIN_ROWS:
            report.skipped[f"{train_rows} training rows: fewer than the {MIN_ROWS} the resampling step needs; "
                           "rows are sampled without it"] = 1
        return report

    @staticmethod
    def _report(rows: int, schema: TableSchema, where: str) -> DataReport:
        """Rows are all used; columns that are not modelled as such are listed with counts."""
        report = DataReport(total=rows, used=rows)
        for line in describe(schema.transformer.rules):  # numeric_relations.py
            report.skipped[line] = 1
        for enc in schema.transformer.encoders:
            name, kind = enc.state["name"], enc.state["kind"]
            if kind == "constant":
                report.skipped[f"column {name!r} is constant: reproduced, not modelled ({rows} rows)"] = 1
            elif kind == "id":
                report.skipped[f"column {name!r} is ID-like (unique per row): regenerated as fresh "
                               f"unique values, not modelled ({rows} rows)"] = 1
            elif kind == "derived":
                how = "on every row" if enc.exact else "nearly (drawn from the values of its level)"
                report.skipped[f"column {name!r} is determined by column {enc.state['parent']!r} {how}: "
                               f"derived from it, not modelled ({rows} rows)"] = 1
            elif kind in MODELLED_AS_DISCRETE and enc.state["rare_values"]:
                rare = len(enc.state["rare_values"])
                report.skipped[f"column {name!r}: {rare} rare levels share one 'other' slot "
                               f"(sampled by frequency); {len(enc.categories)} kept"] = 1
        return report

    def finish_training(self, model: Any, data: TabularTrainingData, device: torch.device) -> None:
        """Calibrate the numeric marginals on generated rows, then fit the resampling step (``resampling.py``)."""
        schema, rng = data.schema, torch.Generator().manual_seed(CALIBRATION_SEED)
        raw = lambda k: generate_raw(model, k, schema.empirical_conditions(k, rng), rng, device)  # noqa: E731
        if schema.transformer.calibrated_columns():
            _note(f"after training: calibrating {len(schema.transformer.calibrated_columns())} numeric columns on "
                  f"{CALIBRATION_ROWS:,} generated rows")
            schema.transformer.calibrate(raw(k) for k in chunk_sizes(CALIBRATION_ROWS, CALIBRATION_CHUNK))
        table = getattr(data, "table", None)  # None under differential privacy: no post-hoc step on real rows
        schema.copy_guard = guard_for(data, schema, table is not None and option_flag(data.options, "copy_guard"))
        if table is None or not option_flag(data.options, "resample") or len(table) < MIN_ROWS:
            return
        schema.resampler = DensityRatioResampler.for_table(table, lambda k: self.decode(raw(k), schema), schema.kinds,
                                                           CALIBRATION_SEED, data.table_source, _note)

    def add_train_arguments(self, parser: Any) -> None:
        """``genforge train tabular``'s own options (``train_options.py``)."""
        from genforge_tabular.train_options import add_train_arguments
        add_train_arguments(parser)

    def train_overrides(self, args: Any) -> dict[str, Any]:
        from genforge_tabular.train_options import train_overrides
        return train_overrides(args)

    def automatic_settings(self, data: TabularTrainingData, config: Any) -> dict[str, Any]:
        return {"batch_size": automatic_batch_size(data.size)}

    def schema_state(self, schema: TableSchema) -> dict[str, Any]:
        return save_rules(schema.to_state(), schema)

    def schema_from_state(self, state: dict[str, Any]) -> TableSchema:
        return load_rules(TableSchema.from_state(state), state)

    def reference_state(self, reference: TabularReference) -> dict[str, Any]:
        """Training rows and hold-out as Parquet bytes (dtypes kept), kinds, target, seed."""
        return {"real": _parquet_bytes(reference.real), "holdout": _parquet_bytes(reference.holdout),
                "kinds": dict(reference.kinds), "target": reference.target, "seed": int(reference.seed)}

    def reference_from_state(self, state: dict[str, Any], schema: TableSchema) -> TabularReference:
        return TabularReference(_parquet_frame(state["real"]), dict(state["kinds"]), _parquet_frame(state["holdout"]),
                                state["target"], int(state["seed"]), rules=describe(schema.transformer.rules))

    # -- samples out ----------------------------------------------------------------------------
    def decode(self, output: torch.Tensor, schema: TableSchema) -> pd.DataFrame:
        return schema.transformer.decode(output)

    def condition(self, values: dict[str, Any], n: int, schema: TableSchema,
                  rng: torch.Generator) -> torch.Tensor | None:
        if values:
            return schema.one_hot(schema.condition_slots(values), n, rng)
        return schema.empirical_conditions(n, rng)

    def _generated(self, generate: Callable[[int, Any], Any], schema: TableSchema, k: int,
                   condition: Callable[[int], Any], rng: torch.Generator) -> pd.DataFrame:
        """``k`` decoded rows; with the resampling step, chosen from the model's candidates per row."""
        rows = lambda m: self.decode(generate(m, condition(m)), schema)  # noqa: E731
        if schema.resampler is None:  # exact copies of training rows replaced (copy_guard.py)
            return guarded_rows(schema.copy_guard, rows, k)
        screen = lambda candidates, p: without_copies(schema.copy_guard, candidates, p)  # noqa: E731
        return schema.resampler.draw(rows, k, rng, screen)

    def sample_chunks(self, generate: Callable[[int, Any], Any], schema: TableSchema, n: int,
                      conditions: dict[str, Any], rng: torch.Generator,
                      chunk_size: int = 10_000) -> Iterator[pd.DataFrame]:
        """Exactly ``n`` rows; with conditions every row satisfies all of them.

        The generator is conditioned on the rarest requested level; other
        conditions are met by a bounded number of generate-and-filter rounds, and
        rows still missing after them get the requested values set. Every chunk goes
        through the resampling step when the model has one. With constraints (or SDV
        metadata) rows come back in the original columns and obey every rule
        (``constraints/sampling.py``).
        """
        ensure_threads()  # `genforge sample`: GENFORGE_THREADS or the default (threads.py)
        rules = rules_of(schema)
        if rules is not None:
            levels = lambda column: (schema.discrete[schema.discrete_names.index(column)].categories  # noqa: E731
                                     if column in schema.discrete_names else None)
            yield from constrained_chunks(rules, lambda k, c: self._learned_chunks(generate, schema, k, c, rng,
                                                                                    chunk_size),
                                          n, conditions, rng, chunk_size, levels)
            return
        yield from self._learned_chunks(generate, schema, n, conditions, rng, chunk_size)

    def _learned_chunks(self, generate: Callable[[int, Any], Any], schema: TableSchema, n: int,
                        conditions: dict[str, Any], rng: torch.Generator, chunk_size: int) -> Iterator[pd.DataFrame]:
        """Rows in the columns the GAN learns (see :meth:`sample_chunks`)."""
        slots = schema.condition_slots(conditions) if conditions else {}
        if slots:
            primary = min(slots, key=lambda j: schema.condition_count(j, slots[j]))
            cond_primary = {primary: slots[primary]}
            condition = lambda m: schema.one_hot(cond_primary, m, rng)  # noqa: E731
        else:
            condition = lambda m: schema.empirical_conditions(m, rng)  # noqa: E731
        filtered = len(slots) > 1  # one column: conditioning and force() get it right
        sizes = chunk_sizes(n, chunk_size)
        seeds = chunk_seeds(rng, len(sizes))  # chunk i draws from seeds[i] only: any worker count

        def draw_chunk(k: int) -> pd.DataFrame:
            kept, have = [], 0
            for _ in range(REJECTION_ROUNDS if filtered else 1):
                rows = self._generated(generate, schema, k, condition, rng)
                good = rows[schema.matches(rows, slots)] if filtered else rows
                kept.append(good)
                have += len(good)
                if have >= k:
                    break
            if have < k:
                kept.append(rows.iloc[:k - have])
            rows = pd.concat(kept, ignore_index=True).iloc[:k].reset_index(drop=True)
            return schema.force(rows, slots, rng) if slots else rows

        yield from seeded_chunks(lambda i: reseeded(rng, seeds[i], draw_chunk, sizes[i]), len(sizes),
                                 sample_workers(len(sizes)))

    def concat(self, chunks: Sequence[pd.DataFrame]) -> pd.DataFrame:
        return pd.concat(list(chunks), ignore_index=True)

    def write_samples(self, chunks: Iterable[pd.DataFrame], path: Path) -> int:
        """Streamed to a temporary name with progress lines, renamed when complete (``parquet_stream.py``)."""
        return write_table_stream(chunks, Path(path))

    def diversity(self, samples: pd.DataFrame, schema: TableSchema) -> float | None:
        """Mean normalised entropy of the columns (numeric ones in 20 bins of the real range)."""
        if rules_of(schema) is not None:
            samples = rules_of(schema).transform(samples)
        scores = []
        for enc in schema.transformer.encoders:
            name, kind = enc.state["name"], enc.state["kind"]
            if isinstance(enc, DiscreteEncoder):
                codes = enc.codes(samples[name])
                width = enc.width
            elif isinstance(enc, ContinuousEncoder):
                x = to_numbers(samples[name], kind)
                lo, hi = enc.state["lo"], enc.state["hi"]
                codes = np.where(np.isnan(x), 20, np.clip((x - lo) / max(hi - lo, 1e-12) * 20, 0, 19)).astype(int)
                width = 21
            else:
                continue
            p = np.bincount(codes, minlength=width) / max(1, len(codes))
            p = p[p > 0]
            scores.append(float(-(p * np.log(p)).sum() / np.log(width)) if width > 1 else 0.0)
        return float(np.mean(scores)) if scores else None

    # -- reporting ----------------------------------------------------------------------------
    def report(self, samples: pd.DataFrame, reference: TabularReference, out_dir: Path) -> list[Path]:
        """The plots, ``what_gives_rows_away.txt`` (``diagnosis.py``; :meth:`report_lines`) and
        ``pair_trends.png`` beside the real-vs-real heatmap."""
        from genforge_tabular.diagnosis import write_diagnosis
        from genforge_tabular.plots import write_plots
        _, paths = write_diagnosis(samples, reference, Path(out_dir))
        return write_plots(samples, reference, Path(out_dir)) + paths

    def report_lines(self, samples: pd.DataFrame, reference: TabularReference, out_dir: Path) -> list[str]:
        """What gives the rows away (for ``genforge evaluate``): what :meth:`report` just wrote."""
        from genforge_tabular.diagnosis import DIAGNOSIS_FILE, diagnosis_lines
        written = Path(out_dir) / DIAGNOSIS_FILE
        if written.is_file():
            return written.read_text(encoding="utf-8").splitlines()
        return diagnosis_lines(samples, reference)


def _note(line: str) -> None:
    """A progress line on stderr for the steps after training (silent under GENFORGE_PROGRESS=0)."""
    import os, sys  # noqa: E401
    if os.environ.get("GENFORGE_PROGRESS", "auto").strip().lower() not in ("0", "quiet", "off"):
        print(line, file=sys.stderr, flush=True)


def _parquet_bytes(frame: pd.DataFrame | None) -> torch.Tensor | None:
    if frame is None:
        return None
    import io

    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=True)
    return torch.frombuffer(bytearray(buffer.getvalue()), dtype=torch.uint8)


def _parquet_frame(data: torch.Tensor | None) -> pd.DataFrame | None:
    if data is None:
        return None
    import io

    return pd.read_parquet(io.BytesIO(data.numpy().tobytes()))


__all__ = ["TabularDomain", "check_target", "split_holdout", "write_table_chunks"]  # augment.py imports these here
