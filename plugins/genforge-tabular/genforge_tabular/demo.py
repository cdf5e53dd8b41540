"""``genforge demo`` for tables: a run folder on the bundled ACTG 175 trial (plots, metrics, a
report page from the demo's report step) and the table balanced with that run's minority rows."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

#: a short run (2,139 rows x 27 columns, ~640 steps, ~20 s on one idle core); the benchmark's 300 epochs belong to benchmarks/
DEMO_EPOCHS = 150


def run_demo(out_dir: Path, seed: int, epochs: float = DEMO_EPOCHS, eval_samples: int = 2000,
             dataset: str = "actg175") -> list[str]:
    from genforge import TrainedGAN, make_config, train
    from genforge_tabular.augment import SOURCE_COLUMN, rows_to_balance
    from genforge_tabular.bundled import BUNDLED, load_bundled
    from genforge_tabular.writing import write_table_chunks

    out_dir, target = Path(out_dir), BUNDLED[dataset][1]["target"]
    run_dir = out_dir / dataset
    config = make_config("tabular", {"dataset": dataset, "epochs": epochs, "seed": seed, "eval_samples": eval_samples,
                                     "ema_decay": 0.95})  # a short run: a short average
    result = train(config, run_dir)
    m, s = result.summary["metrics"], result.summary
    model = TrainedGAN.load(run_dir)
    real = load_bundled(dataset).frame
    plan = rows_to_balance(real[target])
    synthetic = [model.sample(n, {target: label}, seed=seed + 1 + i) for i, (label, n) in enumerate(plan.items())]
    table = pd.concat([real.assign(**{SOURCE_COLUMN: 0}),
                       *(part[real.columns].assign(**{SOURCE_COLUMN: 1}) for part in synthetic)], ignore_index=True)
    balanced = out_dir / f"{dataset}_balanced.csv"
    write_table_chunks([table], balanced)
    figures = ", ".join(f"{name} {m[name]:.3f}" for name in ("quality", "detection_gb", "tstr_macro_f1") if name in m)
    return [f"{dataset} ({len(real):,} rows, {real.shape[1]} columns, target {target!r}): {s['steps']} steps "
            f"({epochs:g} epochs) in {s['wall_time']:.0f}s; {figures}",
            "  quality: 1 = synthetic columns and column pairs match the real ones; detection_gb: ROC AUC of "
            "gradient boosting telling synthetic from real rows (0.5 = it cannot); tstr_macro_f1: a classifier "
            f"of {target} trained on synthetic rows, tested on real ones",
            f"column plots {run_dir / 'columns.png'}: real vs synthetic distribution of each column, axes named "
            "by the column; correlation_difference.png: |corr(real) - corr(synthetic)| per column pair",
            f"balanced table {balanced}: every real row plus {sum(plan.values())} synthetic rows of the smaller "
            f"classes ({SOURCE_COLUMN} = 1), drawn from the run conditioned on {target}"]
