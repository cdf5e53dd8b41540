"""The ``tabular`` domain: tables in, conditional batches to the engine, tables out."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np
import pandas as pd
import torch

from genforge.domain import DataReport, Domain
from genforge.errors import UserInputError
from genforge.sampling import generate_raw
from genforge_tabular.bundled import TableSource
from genforge_tabular.columns import MODELLED_AS_CONTINUOUS, MODELLED_AS_DISCRETE, infer_columns
from genforge_tabular.dependencies import find_dependencies
from genforge_tabular.metrics import TabularReference
from genforge_tabular.reading import PARQUET_SUFFIXES, check_table
from genforge_tabular.sampler import TabularTrainingData, TargetPairs
from genforge_tabular.schema import TARGET_SHARE, TableSchema
from genforge_tabular.transformer import (FIT_ROWS, MAX_CATEGORIES, ContinuousEncoder, DiscreteEncoder,
                                          TableTransformer, to_numbers)

DATASET_OPTIONS = {"target", "discrete_columns", "metadata", "holdout", "fit_rows", "max_categories",
                   "target_share", "log_frequency", "delimiter", "encoding", "rows", "dependencies", "target_pairs",
                   "calibrate", "privacy"}
#: rounds of generate-and-filter for multi-column conditions before forcing values
REJECTION_ROUNDS = 8
#: unconditional rows generated after training to calibrate the numeric marginals (in chunks of
#: CALIBRATION_CHUNK), and their seed
CALIBRATION_ROWS, CALIBRATION_CHUNK, CALIBRATION_SEED = 20_000, 5_000, 0


def split_holdout(df: pd.DataFrame, fraction: float, target: str | None, seed: int):
    """A stratified (by target, when given) hold-out split; no hold-out for fraction 0."""
    if not fraction:
        return df.reset_index(drop=True), None
    from sklearn.model_selection import train_test_split
    stratify = df[target].astype(str) if target and df[target].astype(str).value_counts().min() >= 2 else None
    train, hold = train_test_split(df, test_size=fraction, random_state=seed % 2**31, stratify=stratify)
    return train.reset_index(drop=True), hold.reset_index(drop=True)


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
    """A true/false dataset option, on by default: ``dependencies`` (derive functionally
    dependent columns), ``target_pairs`` (conditions carry the target's partner),
    ``calibrate`` (calibrate numeric marginals after training)."""
    value = options.get(name, True)
    if not isinstance(value, bool):
        raise UserInputError(f"dataset option {name}={value!r}: expected true or false")
    return value


def check_target(df: pd.DataFrame, target: str, kinds: dict[str, str], where: str) -> None:
    if target not in df.columns:
        raise UserInputError(f"{where}: target column {target!r} not found; columns: {', '.join(df.columns)}")
    classes = df[target].dropna().nunique()
    if classes < 2:
        raise UserInputError(f"{where}, column {target!r}: the target has {classes} class"
                             f"{'es' if classes != 1 else ''}; a class target needs at least two")
    if kinds[target] not in MODELLED_AS_DISCRETE:
        raise UserInputError(f"{where}, column {target!r}: the target looks {kinds[target]} "
                             f"({classes} distinct values); a class target must be categorical "
                             "(declare it with discrete_columns= if it is)")


class TabularDomain(Domain):
    name = "tabular"
    description = "mixed-type tables: conditional GAN with mode-specific normalization (CTGAN-style)"
    default_dataset = "penguins"
    default_model = "ctgan-residual"
    default_loss = "wgan-gp"
    sample_suffix = ".csv"
    train_defaults = {"epochs": 300, "batch_size": 500, "pac": 5, "lr_g": 1e-3, "lr_d": 1e-3, "reuse_fake": True,
                      "betas_g": (0.5, 0.9), "betas_d": (0.5, 0.9), "eval_samples": 1000, "ema_decay": 0.995,
                      "precision": "auto", "dataset_options": {"holdout": 0.2}}

    # -- data in ----------------------------------------------------------------------------
    def prepare(self, raw: Any, options: dict[str, Any], seed: int) -> TabularTrainingData:
        source = raw if isinstance(raw, TableSource) else TableSource(check_table(pd.DataFrame(raw), "the table"),
                                                                      "the table")
        unknown = sorted(set(options) - DATASET_OPTIONS)
        if unknown:
            raise UserInputError(f"tabular dataset option {unknown[0]!r} is unknown; options: "
                                 f"{', '.join(sorted(DATASET_OPTIONS))}")
        options = {**source.defaults, **options}
        df, where, target = source.frame, source.where, options.get("target")
        infos = infer_columns(df, where, options.get("discrete_columns"), options.get("metadata"))
        kinds = {i.name: i.kind for i in infos}
        if target:
            if target in kinds and kinds[target] not in MODELLED_AS_DISCRETE and df[target].nunique() <= 50:
                kinds[target] = "categorical"
                next(i for i in infos if i.name == target).kind = "categorical"
            check_target(df, target, kinds, where)
        if not any(k in MODELLED_AS_CONTINUOUS + MODELLED_AS_DISCRETE for k in kinds.values()):
            raise UserInputError(f"{where}: no column can be modelled (all are constant or ID-like)")
        train, holdout = split_holdout(df, float(options.get("holdout", 0.0)), target, seed)
        if options.get("privacy") is not None:  # differentially private training: see privacy/preparation.py
            from genforge_tabular.privacy.preparation import prepare_private
            return prepare_private(train, holdout, infos, target, options, seed, where,
                                   lambda schema: self._report(df, schema, where), target_share(options))
        dependencies = find_dependencies(train, infos, target, seed) if option_flag(options, "dependencies") else {}
        transformer = TableTransformer.fit(train, infos, seed, int(options.get("fit_rows", FIT_ROWS)),
                                           int(options.get("max_categories", MAX_CATEGORIES)), dependencies,
                                           option_flag(options, "calibrate"))
        codes = transformer.codes(train)
        slot_counts = [torch.bincount(codes[:, j], minlength=transformer.encoders[i].width).tolist()
                       for j, i in enumerate(transformer.discrete)]
        names = [transformer.columns[i] for i in transformer.discrete]
        pairs = TargetPairs.of_codes(codes, names.index(target), [len(c) for c in slot_counts]) \
            if target in names and len(names) > 1 and option_flag(options, "target_pairs") else None
        schema = TableSchema(infos, transformer, target, slot_counts, target_share(options), pairs)
        rng = torch.Generator().manual_seed(seed)
        encoded = transformer.encode(train, rng)
        reference = TabularReference(train, kinds, holdout, target, seed)
        real = train if len(train) <= 2000 else train.sample(2000, random_state=seed % 2**31)
        return TabularTrainingData(encoded, codes, schema.cond_widths, column_weights=schema.column_weights(),
                                   pairs=pairs, log_frequency=float(options.get("log_frequency", 0.0)), schema=schema,
                                   reference=reference, real_samples=real.reset_index(drop=True),
                                   report=self._report(df, schema, where))

    @staticmethod
    def _report(df: pd.DataFrame, schema: TableSchema, where: str) -> DataReport:
        """Rows are all used; columns that are not modelled as such are listed with counts."""
        report = DataReport(total=len(df), used=len(df))
        for enc in schema.transformer.encoders:
            name, kind = enc.state["name"], enc.state["kind"]
            if kind == "constant":
                report.skipped[f"column {name!r} is constant: reproduced, not modelled ({len(df)} rows)"] = 1
            elif kind == "id":
                report.skipped[f"column {name!r} is ID-like (unique per row): regenerated as fresh "
                               f"unique values, not modelled ({len(df)} rows)"] = 1
            elif kind == "derived":
                how = "on every row" if enc.exact else "nearly (drawn from the values of its level)"
                report.skipped[f"column {name!r} is determined by column {enc.state['parent']!r} {how}: "
                               f"derived from it, not modelled ({len(df)} rows)"] = 1
            elif kind in MODELLED_AS_DISCRETE and enc.state["rare_values"]:
                rare = len(enc.state["rare_values"])
                report.skipped[f"column {name!r}: {rare} rare levels share one 'other' slot "
                               f"(sampled by frequency); {len(enc.categories)} kept"] = 1
        return report

    def finish_training(self, model: Any, data: TabularTrainingData, device: torch.device) -> None:
        """Calibrate the numeric marginals on unconditional rows of the sampling generator."""
        schema, rng = data.schema, torch.Generator().manual_seed(CALIBRATION_SEED)
        if not schema.transformer.calibrated_columns():
            return
        sizes = [min(CALIBRATION_CHUNK, CALIBRATION_ROWS - start)
                 for start in range(0, CALIBRATION_ROWS, CALIBRATION_CHUNK)]
        schema.transformer.calibrate(generate_raw(model, k, schema.empirical_conditions(k, rng), rng, device)
                                     for k in sizes)

    def schema_state(self, schema: TableSchema) -> dict[str, Any]:
        return schema.to_state()

    def schema_from_state(self, state: dict[str, Any]) -> TableSchema:
        return TableSchema.from_state(state)

    # -- samples out ----------------------------------------------------------------------------
    def decode(self, output: torch.Tensor, schema: TableSchema) -> pd.DataFrame:
        return schema.transformer.decode(output)

    def condition(self, values: dict[str, Any], n: int, schema: TableSchema,
                  rng: torch.Generator) -> torch.Tensor | None:
        if values:
            return schema.one_hot(schema.condition_slots(values), n, rng)
        return schema.empirical_conditions(n, rng)

    def sample_chunks(self, generate: Callable[[int, Any], Any], schema: TableSchema, n: int,
                      conditions: dict[str, Any], rng: torch.Generator,
                      chunk_size: int = 10_000) -> Iterator[pd.DataFrame]:
        """Exactly ``n`` rows; with conditions every row satisfies all of them.

        The generator is conditioned on the rarest requested level; other
        conditions are met by a bounded number of generate-and-filter rounds, and
        rows still missing after them get the requested values set.
        """
        if not conditions:
            yield from super().sample_chunks(generate, schema, n, {}, rng, chunk_size)
            return
        slots = schema.condition_slots(conditions)
        primary = min(slots, key=lambda j: schema.condition_count(j, slots[j]))
        cond_primary = {primary: slots[primary]}
        filtered = len(slots) > 1  # one column: conditioning and force() get it right
        done = 0
        while done < n:
            k = min(chunk_size, n - done)
            kept: list[pd.DataFrame] = []
            have = 0
            for _ in range(REJECTION_ROUNDS if filtered else 1):
                rows = self.decode(generate(k, schema.one_hot(cond_primary, k, rng)), schema)
                good = rows[schema.matches(rows, slots)] if filtered else rows
                kept.append(good)
                have += len(good)
                if have >= k:
                    break
            if have < k:
                kept.append(rows.iloc[:k - have])
            chunk = schema.force(pd.concat(kept, ignore_index=True).iloc[:k].reset_index(drop=True), slots, rng)
            yield chunk
            done += k

    def concat(self, chunks: Sequence[pd.DataFrame]) -> pd.DataFrame:
        return pd.concat(list(chunks), ignore_index=True)

    def write_samples(self, chunks: Iterable[pd.DataFrame], path: Path) -> int:
        return write_table_chunks(chunks, Path(path))

    def diversity(self, samples: pd.DataFrame, schema: TableSchema) -> float | None:
        """Mean normalised entropy of the columns (numeric ones in 20 bins of the real range)."""
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
        from genforge_tabular.plots import write_plots
        return write_plots(samples, reference, Path(out_dir))

    def demo(self, out_dir: Path, seed: int) -> list[str]:
        from genforge_tabular.augment import demo_lines
        return demo_lines(Path(out_dir), seed)


def write_table_chunks(chunks: Iterable[pd.DataFrame], path: Path) -> int:
    """Stream DataFrame chunks to CSV or Parquet (by suffix) with bounded memory."""
    count = 0
    if path.name.lower().endswith(PARQUET_SUFFIXES):
        import pyarrow as pa
        import pyarrow.parquet as pq
        writer = None
        try:
            for chunk in chunks:
                table = pa.Table.from_pandas(chunk, preserve_index=False)
                if writer is None:
                    writer = pq.ParquetWriter(path, table.schema)
                writer.write_table(table.cast(writer.schema))
                count += len(chunk)
        finally:
            if writer is not None:
                writer.close()
        return count
    with open(path, "w", newline="", encoding="utf-8") as handle:
        for chunk in chunks:
            chunk.to_csv(handle, index=False, header=count == 0)
            count += len(chunk)
    return count
