"""``genforge augment``: train, generate, and write real plus synthetic rows, with the uplift.

The written table is every real row plus the synthetic rows of a GAN trained on every real
row (``--balance`` makes each class as large as the majority of the whole table). The uplift,
when asked for (``--measure-uplift``), is measured honestly by a second GAN trained on a
stratified 80 % and a downstream classifier tested on the other 20 %, which that GAN never saw.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from genforge.domain import CommandSpec
from genforge import did_you_mean
from genforge.errors import UserInputError
from genforge_tabular.columns import infer_columns
from genforge_tabular.metrics import TabularReference, downstream_scores
from genforge_tabular.reading import read_table
from genforge_tabular.target_column import check_target, split_holdout
from genforge.threads import add_threads_argument, resolve_threads
from genforge_tabular.writing import write_table_chunks

SOURCE_COLUMN = "synthetic"


@dataclass
class AugmentResult:
    table: pd.DataFrame
    real_only: dict[str, float] | None
    augmented: dict[str, float] | None
    synthetic_rows: int
    seconds: float

    def lines(self) -> list[str]:
        r, a = self.real_only, self.augmented
        if r is None or a is None:
            return [f"{self.synthetic_rows} synthetic rows in {self.seconds:.0f}s (uplift not measured: "
                    "--measure-uplift trains a second GAN on 80% of the rows and tests on the other 20%)"]
        return [f"{self.synthetic_rows} synthetic rows in {self.seconds:.0f}s; uplift on a 20% real hold-out "
                "(a second GAN trained on the other 80%):",
                f"  minority-class F1   real {r['minority_f1']:.3f} -> real+synthetic {a['minority_f1']:.3f} "
                f"(uplift {a['minority_f1'] - r['minority_f1']:+.3f})",
                f"  balanced accuracy   real {r['balanced_accuracy']:.3f} -> real+synthetic "
                f"{a['balanced_accuracy']:.3f} (uplift {a['balanced_accuracy'] - r['balanced_accuracy']:+.3f})",
                f"  macro-F1            real {r['macro_f1']:.3f} -> real+synthetic {a['macro_f1']:.3f}"]


def rows_to_balance(y: pd.Series) -> dict[Any, int]:
    counts = y.value_counts()
    return {label: int(counts.max() - c) for label, c in counts.items() if counts.max() > c}


def balancing_rows(model: Any, real: pd.DataFrame, target: str, seed: int) -> pd.DataFrame:
    """``model``'s rows of each smaller class of ``real``, as many as make it as large as the
    majority (every class conditioned exactly; seed ``seed + i`` for the i-th class)."""
    plan = rows_to_balance(real[target])
    parts = [model.sample(n, {target: label}, seed=seed + i) for i, (label, n) in enumerate(plan.items())]
    return pd.concat(parts, ignore_index=True) if parts else real.iloc[:0]


def balance_with(model: Any, real: pd.DataFrame, target: str, seed: int) -> pd.DataFrame:
    """``real`` plus :func:`balancing_rows`: every class as large as the majority."""
    return pd.concat([real, balancing_rows(model, real, target, seed)[real.columns]], ignore_index=True)


def augment_table(frame: pd.DataFrame, target: str, *, where: str = "the table", balance: bool = True,
                  rows: int | None = None, epochs: float = 300, seed: int = 0, measure: bool = False,
                  **gan: Any) -> AugmentResult:
    """Every row of ``frame`` plus synthetic rows from a GAN fitted on all of them; with
    ``measure``, the uplift of a second GAN fitted on 80 % on the other 20 %."""
    from genforge_tabular.estimator import TabularGAN  # scikit-learn: only when augmenting

    started = time.perf_counter()
    if rows is not None and rows <= 0:
        raise UserInputError(f"--rows must be positive, got {rows}")
    infos = infer_columns(frame, where, [target])
    kinds = {i.name: i.kind for i in infos}
    check_target(frame, target, kinds, where)

    def synthetic_rows(real: pd.DataFrame) -> pd.DataFrame:
        model = TabularGAN(epochs=epochs, target=target, discrete_columns=[target], seed=seed, **gan).fit(real)
        if rows is not None:
            return model.sample(rows, seed=seed + 1)
        return balancing_rows(model, real, target, seed + 1)

    synthetic = synthetic_rows(frame)
    table = pd.concat([frame.assign(**{SOURCE_COLUMN: 0}), synthetic[frame.columns].assign(**{SOURCE_COLUMN: 1})],
                      ignore_index=True)
    real_only = augmented = None
    if measure:
        train, holdout = split_holdout(frame, 0.2, target, seed)
        ref = TabularReference(train, kinds, holdout, target, seed)
        real_only = downstream_scores(train, holdout, ref)
        augmented = downstream_scores(pd.concat([train, synthetic_rows(train)[train.columns]], ignore_index=True),
                                      holdout, ref)
    return AugmentResult(table, real_only, augmented, len(synthetic), time.perf_counter() - started)


def _add_arguments(parser) -> None:
    parser.add_argument("data", help="CSV or Parquet file")
    parser.add_argument("--target", required=True, help="the class column")
    parser.add_argument("--out", required=True, help="output CSV or Parquet (real + synthetic rows)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--balance", action="store_true", help="add rows until every class is as large as "
                       "the majority (default)")
    group.add_argument("--rows", type=int, help="add N synthetic rows drawn like the real table")
    parser.add_argument("--measure-uplift", action="store_true",
                        help="also train a second GAN on 80%% of the rows and report the downstream uplift on "
                             "the other 20%% (twice the time; default: off)")
    parser.add_argument("--epochs", type=float, default=300, help="training epochs (default: 300)")
    parser.add_argument("--seed", type=int, default=0, help="seed (default: 0)")
    parser.add_argument("--delimiter")
    add_threads_argument(parser)


def _run(args) -> int:
    out = Path(args.out)
    if not out.parent.exists():
        raise UserInputError(f"{out}: folder {out.parent} does not exist")
    frame = read_table(Path(args.data), {"delimiter": args.delimiter} if args.delimiter else {})
    if args.target not in frame.columns:
        raise UserInputError(f"{args.data}: target column {args.target!r} not found"
                             f"{did_you_mean(args.target, frame.columns) or ';'} columns: "
                             f"{', '.join(frame.columns)}")
    result = augment_table(frame, args.target, where=str(args.data), rows=args.rows,
                           epochs=args.epochs, seed=args.seed, measure=args.measure_uplift,
                           threads=resolve_threads(args.threads, "--threads"))
    write_table_chunks([result.table], out)
    print("\n".join(result.lines()))
    print(f"wrote {len(result.table)} rows ({result.synthetic_rows} synthetic, column "
          f"{SOURCE_COLUMN!r} = 1) to {out}")
    return 0


AUGMENT_COMMAND = CommandSpec("augment", "train a tabular GAN and write the table plus synthetic rows",
                              _add_arguments, _run)
