"""genforge TabularGAN vs the `ctgan` package (same epochs) and SMOTENC, on three bundled tables.

Each table is split 80/20 (stratified, seed 0). Both GANs train on the 80%
with the same number of epochs; every figure is measured on the same split:

* fit time (wall clock, 1 torch thread each, same machine, same run);
* overall quality (SDMetrics-style: mean of column shapes and pair trends);
* gradient-boosting detection ROC AUC (3-fold CV, 0.5 = indistinguishable);
* both also for the real 20% hold-out against the training rows: what fresh real rows
  score (a quarter of the synthetic sample's size, so a little noisier);
* train-on-synthetic macro-F1 on the real 20% vs train-on-real (mean over three synthetic
  training sets of the training split's size: one draw moved it by up to 0.15);
* minority-class F1 on the real 20% after balancing the training set with
  GAN rows (exact conditional sampling, as ``GANOverSampler`` does) vs SMOTENC:
  the mean over five balanced sets each (five sampling seeds; five SMOTENC random
  states), with the range. On 11-14 minority test rows one draw moves it by up to
  0.17 for either method (democracy, SMOTENC: 0.636-0.800), so single draws decide nothing.

Run: ``.venv/bin/python benchmarks/tabular_vs_ctgan.py [--epochs 300] [--tables a,b]``.
"""
from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
import torch

from genforge.plugins import get_registry
from genforge_tabular import TabularGAN
from genforge_tabular.augment import rows_to_balance
from genforge_tabular.bundled import load_bundled
from genforge_tabular.columns import MODELLED_AS_DISCRETE, infer_columns
from genforge_tabular.domain import split_holdout
from genforge_tabular.metrics import TabularReference, detection_auc, downstream_scores, quality

#: table -> columns dropped for both models (ID-like / near-unique text the `ctgan` package would
#: one-hot into thousands of columns)
TABLES = {"penguins": [], "actg175": ["pidnum"], "democracy": ["ehead", "leaderspellreg"]}
#: synthetic training sets per model whose train-on-synthetic macro-F1 is averaged
TSTR_DRAWS = 3
#: balanced training sets per method (GAN sampling seeds, SMOTENC random states) for minority F1
BALANCE_DRAWS = 5


def smotenc_balance(train: pd.DataFrame, target: str, kinds: dict[str, str], seed: int) -> pd.DataFrame:
    from imblearn.over_sampling import SMOTENC

    X, y = train.drop(columns=target).copy(), train[target].astype(str)
    cats = [c for c in X.columns if kinds[c] in MODELLED_AS_DISCRETE]
    for c in X.columns:  # SMOTENC takes no missing values: median / "missing" imputation
        X[c] = X[c].astype(str).where(X[c].notna(), "missing") if c in cats else X[c].fillna(X[c].median())
    Xr, yr = SMOTENC(categorical_features=[X.columns.get_loc(c) for c in cats], random_state=seed).fit_resample(X, y)
    out = pd.DataFrame(Xr, columns=X.columns)
    out[target] = yr
    for c in cats:  # restore the original level types so the classifier features match
        lookup = {str(v): v for v in train[c].dropna().unique()}
        out[c] = out[c].map(lambda v: lookup.get(v, np.nan))
    out[target] = out[target].map({str(v): v for v in train[target].unique()})
    return out


def run_table(name: str, epochs: float, seed: int) -> dict[str, float]:
    from ctgan import CTGAN

    source = load_bundled(name)
    target = source.defaults["target"]
    frame = source.frame.drop(columns=TABLES[name])
    infos = infer_columns(frame, name, [target])
    kinds = {i.name: i.kind for i in infos}
    train, test = split_holdout(frame, 0.2, target, seed)
    ref = TabularReference(train, kinds, test, target, seed)
    discrete = [c for c, k in kinds.items() if k in MODELLED_AS_DISCRETE]

    started = time.perf_counter()
    ctgan = CTGAN(epochs=int(epochs), verbose=False, enable_gpu=False)
    ctgan.set_random_state(seed)
    # the `ctgan` package refuses missing values in continuous columns: median-impute them for it
    ctgan_train = train.fillna({c: train[c].median() for c in train.columns if c not in discrete})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctgan.fit(ctgan_train, discrete_columns=discrete)
    ctgan_time = time.perf_counter() - started
    ctgan_draws = [ctgan.sample(len(train)) for _ in range(TSTR_DRAWS)]

    started = time.perf_counter()
    ours = TabularGAN(epochs=epochs, target=target, discrete_columns=discrete, seed=seed).fit(train)
    our_time = time.perf_counter() - started
    our_draws = [ours.sample(len(train), seed=seed + 1 + k * 100) for k in range(TSTR_DRAWS)]
    ctgan_rows, our_rows = ctgan_draws[0], our_draws[0]

    def tstr(draws: list[pd.DataFrame]) -> float:
        return float(np.mean([downstream_scores(rows, test, ref)["macro_f1"] for rows in draws]))

    plan = rows_to_balance(train[target])

    def gan_balanced(draw: int) -> pd.DataFrame:
        extra = [ours.sample(n, {target: label}, seed=seed + 2 + 100 * draw + i)
                 for i, (label, n) in enumerate(plan.items())]
        return pd.concat([train, *extra], ignore_index=True)

    def minority_f1(balanced_sets: list[pd.DataFrame]) -> list[float]:
        return [downstream_scores(rows, test, ref)["minority_f1"] for rows in balanced_sets]

    minf1_gan = minority_f1([gan_balanced(d) for d in range(BALANCE_DRAWS)])
    minf1_smotenc = minority_f1([smotenc_balance(train, target, kinds, seed + d) for d in range(BALANCE_DRAWS)])
    real_scores = downstream_scores(train, test, ref)
    out = {"rows": len(frame), "minority": float(train[target].value_counts(normalize=True).min()),
           "time_ctgan": ctgan_time, "time_ours": our_time,
           "quality_ctgan": quality(ctgan_rows, ref), "quality_ours": quality(our_rows, ref),
           # what fresh real rows score: the 20 % hold-out against the training rows
           "quality_holdout": quality(test, ref), "det_holdout": detection_auc(test, ref, "gb"),
           "det_ctgan": detection_auc(ctgan_rows, ref, "gb"), "det_ours": detection_auc(our_rows, ref, "gb"),
           "f1_real": real_scores["macro_f1"],
           "f1_ctgan": tstr(ctgan_draws), "f1_ours": tstr(our_draws),
           "minf1_real": real_scores["minority_f1"],
           "minf1_smotenc": minf1_smotenc, "minf1_gan": minf1_gan}
    return out


def _spread(values: list[float]) -> str:
    return f"{np.mean(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=float, default=300)
    parser.add_argument("--tables", default=",".join(TABLES))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    get_registry()  # plugin discovery (imports every installed plugin) is not part of a fit
    rows = []
    for name in args.tables.split(","):
        r = run_table(name, args.epochs, args.seed)
        rows.append((name, r))
        print(f"done {name}: {r}", flush=True)
    print(f"\nepochs {args.epochs:g}, 80/20 split seed {args.seed}, 1 torch thread\n")
    print("| table (rows, minority) | fit s ctgan / ours (ratio) | quality hold-out / ctgan / ours | GB detection AUC "
          "hold-out / ctgan / ours | TSTR macro-F1 real / ctgan / ours | minority F1 real / SMOTENC / GAN-balanced "
          f"(mean (min-max) of {BALANCE_DRAWS} draws) |")
    print("|---|---|---|---|---|---|")
    for name, r in rows:
        print(f"| {name} ({r['rows']}, {r['minority']:.0%}) | {r['time_ctgan']:.1f} / {r['time_ours']:.1f} "
              f"({r['time_ours'] / r['time_ctgan']:.2f}x) | {r['quality_holdout']:.3f} / {r['quality_ctgan']:.3f} / "
              f"{r['quality_ours']:.3f} | {r['det_holdout']:.3f} / {r['det_ctgan']:.3f} / {r['det_ours']:.3f} | "
              f"{r['f1_real']:.3f} / {r['f1_ctgan']:.3f} / "
              f"{r['f1_ours']:.3f} | {r['minf1_real']:.3f} / {_spread(r['minf1_smotenc'])} / {_spread(r['minf1_gan'])} |")


if __name__ == "__main__":
    main()
