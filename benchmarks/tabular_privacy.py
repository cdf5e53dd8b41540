"""Privacy / utility curve of the tabular GAN (issue 23).

For each bundled table and epsilon in {0.5, 1, 3, 10, inf}: overall quality, gradient-boosting
detection AUC, train-on-synthetic macro-F1 (TSTR, tested on the real hold-out), the DOMIAS
membership-inference AUC, the DCR ratio and exact copies; epsilon = inf is ordinary
(non-private) training. Per private epsilon: the DP-GAN (DP-SGD critic, ``mechanism=dpsgd``), the
hybrid (``mechanism=mst``, the default: the GAN trained without noise on the rows MST drew from
its noisy marginals; ``privacy/hybrid.py``), MST itself (those same rows, scored as a synthesizer:
McKenna et al. 2021, its tree model fitted as the authors' ``mbi`` package does, in numpy:
``privacy/tree_model.py``) and independent DP marginals (every column drawn from
its own Laplace histogram: what the DP-GAN's encoders see). smartnoise-synth (DP-CTGAN, MWEM) is not run:
installing it would replace opacus 1.6 by 0.14 and pandas 3 by 2.3 (pip --dry-run); synthcity
would replace torch 2.13 by 2.2 and pandas; dpmm pins numpy 1.26 and pandas 2.1. Published
comparison: Tao et al. 2021 (arXiv 2112.09238) find DP-CTGAN, PATE-GAN and DP-GAN below simple
baselines on most of their tables and MST among the best; so it is here (README of privacy/).
``--ablation`` measures the DP levers (ABLATION) at epsilon 3 instead of the curve.

The tables are those of ``tabular_vs_ctgan.py`` (``tabular_tables.py``): its ID and near-unique
text columns are dropped here too (democracy's leader names and spell IDs, one row each, which no
private synthesizer should reproduce and whose pairs no model scores above zero without copying
them; actg175's patient ID); ``--keep-ids`` models them as the earlier curves did.

Column domains (numeric bounds, category levels) are declared public, taken from the whole
bundled table (as smartnoise and DP-CTGAN users declare metadata); delta = 1 / n**1.1.
``--epochs`` defaults to the product's 300 (earlier curves used 30 on a loaded machine), one
seed; ``--dp-epochs`` shortens the DP-GAN's runs. Times: wall seconds, and
the ratio of CPU seconds per epoch to the non-private run's (CPU: the machine is shared).

    .venv/bin/python benchmarks/tabular_privacy.py [--epochs 100] [--dp-epochs N] [--tables ...]
                                                   [--epsilons 3 10] [--ablation [--variants ...]]
                                                   [--methods ...]
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tabular_tables import TABLES  # noqa: E402

from genforge.engine.trainer import Trainer  # noqa: E402
from genforge.errors import UserInputError  # noqa: E402
from genforge.plugins import get_registry  # noqa: E402
from genforge.training import build_model, fill_names, make_config  # noqa: E402
from genforge_tabular import TabularGAN  # noqa: E402
from genforge_tabular import metrics as m  # noqa: E402
from genforge_tabular.bundled import load_bundled  # noqa: E402
from genforge_tabular.columns import infer_columns  # noqa: E402
from genforge_tabular.domain import TabularDomain  # noqa: E402
from genforge_tabular.privacy import PRIVATE_TRAINING_CONFIG, attacks  # noqa: E402
from genforge_tabular.privacy.marginals import domains_of, private_proxy  # noqa: E402

EPSILONS = (0.5, 1.0, 3.0, 10.0, math.inf)
#: table -> the columns left out (``tabular_tables.TABLES``'; emptied by ``--keep-ids``)
DROPPED = {name: list(entry[2]) for name, entry in TABLES.items()}
COLUMNS = ("quality", "detect_gb", "tstr_f1", "mia_auc", "dcr_ratio", "copies")


def scores(samples, reference) -> dict[str, float]:
    return {"quality": m.quality(samples, reference), "detect_gb": m.detection_auc(samples, reference, model="gb"),
            "tstr_f1": m.tstr_macro_f1(samples, reference), "mia_auc": attacks.domias_auc(samples, reference),
            "dcr_ratio": attacks.dcr_ratio(samples, reference), "copies": m.exact_copies(samples, reference)}


#: the DP levers measured at epsilon 3 (``--ablation``), each a change of the defaults (critic
#: (128, 128) reading the row only, dropout 0.5, marginal share 0.1, marginal loss 1, batch n/4, no calibration,
#: no DP classifier);
#: the previous stops' variants are kept for their rows in privacy/README.md
ABLATION = {
    "default": {},
    "no marginal loss (previous default)": {"privacy": {"marginal_weight": 0.0}},
    "calibrated to the DP marginals": {"privacy": {"calibrate": True}},
    "marginal share 0.3": {"privacy": {"marginal_share": 0.3}},
    "batch n/2": {"batch_share": 0.5},
    "batch n/2, 3 epochs": {"batch_share": 0.5, "epochs": 3},
    "critic reads the condition": {"privacy": {"critic_condition": True}},
    "small critic, no dropout": {"model": {"critic_dims": [64], "dropout": 0.0}},
    "DP target classifier": {"privacy": {"classifier": True}},
    "DP target classifier, batch n/2": {"privacy": {"classifier": True}, "batch_share": 0.5},
    "critic lr 3e-4": {"engine": {"lr_d": 3e-4}},
    "marginal loss 1": {"privacy": {"marginal_weight": 1.0}},
    "marginal loss 1, calibrated": {"privacy": {"marginal_weight": 1.0, "calibrate": True}},
    "marginal loss 1, DP target classifier": {"privacy": {"marginal_weight": 1.0, "classifier": True}},
    "marginal loss 1, 30 epochs": {"privacy": {"marginal_weight": 1.0}, "epochs": 30},
    "marginal loss 3": {"privacy": {"marginal_weight": 3.0}},
    "marginal loss 1, generator lr 3e-3": {"privacy": {"marginal_weight": 1.0}, "engine": {"lr_g": 3e-3}},
    "marginal loss 3, calibrated": {"privacy": {"marginal_weight": 3.0, "calibrate": True}},
    "30 epochs": {"epochs": 30},
    "30 epochs, batch n/8": {"epochs": 30, "batch_share": 0.125},
    "30 epochs, DP target classifier": {"epochs": 30, "privacy": {"classifier": True}},
    "100 epochs, batch n/8": {"epochs": 100, "batch_share": 0.125},
}


def config_for(table: str, rows: int, epsilon: float, epochs: int, public: dict, seed: int,
               variant: dict | None = None, mechanism: str = "dpsgd"):
    """The run's settings: non-private (epsilon inf) and the hybrid (``mst``) as the product trains
    them (``TabularGAN(epochs=..., holdout=0.2, privacy=...)``'s own settings for ``rows`` training
    rows), or the DP-GAN (``dpsgd``: the DP engine settings, the privacy option's defaults, changed
    by ``variant``)."""
    variant = variant or {}
    if math.isinf(epsilon) or mechanism == "mst":
        privacy = None if math.isinf(epsilon) else {"epsilon": epsilon, "public": public, "mechanism": "mst"}
        config = make_config("tabular", TabularGAN(epochs=epochs, seed=seed, holdout=0.2, privacy=privacy)
                             ._settings(rows, None))
        return fill_names(config, get_registry().domain("tabular"))  # as genforge.training.train does
    batch = int(min(500, max(128, rows // 4)))
    if "batch_share" in variant:
        batch = int(rows * variant["batch_share"])
    steps = math.ceil(epochs * rows / batch)
    values = {"model": "ctgan-residual", "loss": "wgan-gp", "epochs": epochs, "batch_size": batch, "seed": seed,
              "precision": "fp32", "ema_decay": min(0.999, max(0.9, 1 - 6 / steps)),
              "dataset_options": {"holdout": 0.2}}
    values.update(PRIVATE_TRAINING_CONFIG)
    values.update(variant.get("engine", {}))
    values["model_options"] = {"pac": 1, "classifier_weight": 0.0, **variant.get("model", {})}
    values["dataset_options"]["privacy"] = {"epsilon": epsilon, "public": public, "mechanism": "dpsgd",
                                            **variant.get("privacy", {})}
    return make_config("tabular", values)


def prepared(table: str, epsilon: float, epochs: int, seed: int, variant: dict | None = None,
             mechanism: str = "dpsgd"):
    """The table's data prepared for one run, its config and the public domains."""
    source = load_bundled(table, {})
    source.frame = source.frame.drop(columns=DROPPED.get(table, []))
    kinds = {i.name: i.kind for i in infer_columns(source.frame, table)}
    public = domains_of(source.frame, kinds)
    config = config_for(table, int(len(source.frame) * 0.8), epsilon, epochs, public, seed, variant, mechanism)
    return TabularDomain().prepare(source, dict(config.dataset_options), seed), config, public


def dp_marginals(table: str, epsilon: float, data, public: dict, seed: int) -> tuple:
    """The simple DP baseline at the run's (epsilon, delta): independent DP marginals."""
    reference, ledger = data.reference, data.schema.privacy
    proxy, _, _ = private_proxy(reference.real, data.schema.infos, public, epsilon, ledger.delta,
                                len(reference.real), seed)
    return (table, "DP marginals", epsilon, epsilon, 0.0, 0.0, 0.0, scores(proxy, reference))


#: the private methods of the curve: the DP-GAN (DP-SGD critic) and the hybrid (GAN on MST rows)
METHODS = {"genforge DP-GAN (DP-SGD)": "dpsgd", "genforge hybrid (MST -> GAN)": "mst"}


def run(table: str, epochs: int, seed: int, missing: list, epsilons=EPSILONS, variants: dict | None = None,
        dp_epochs: int | None = None, methods=tuple(METHODS)) -> list[tuple]:
    """Non-private first (the time ratio's base), then each (epsilon, method or variant); beside each
    private epsilon, independent DP marginals, and MST's own rows (those the hybrid trains on)."""
    registry = get_registry()
    rows_out, plain_time = [], None
    private = [(f"DP-GAN {name}", v, "dpsgd") for name, v in variants.items()] if variants else \
        [(name, None, METHODS[name]) for name in methods]
    runs = [(math.inf, "genforge GAN", None, "dpsgd")] + [(e, *m) for e in sorted(set(epsilons) - {math.inf},
                                                                                 key=lambda e: -e) for m in private]
    for epsilon, method, variant, mechanism in runs:
        hybrid = mechanism == "mst" and not math.isinf(epsilon)
        run_epochs = epochs if math.isinf(epsilon) or hybrid else (variant or {}).get("epochs", dp_epochs or epochs)
        start, cpu = time.perf_counter(), time.process_time()  # the hybrid's MST step is in its preparation
        try:
            data, config, public = prepared(table, epsilon, run_epochs, seed, variant, mechanism)
        except UserInputError as exc:  # e.g. a table the hybrid cannot model (under two columns)
            missing.append(f"{table} {method} eps {epsilon:g}: {exc}")
            continue
        mst_seconds, mst_cpu = time.perf_counter() - start, time.process_time() - cpu
        if not hybrid:
            start, cpu = time.perf_counter(), time.process_time()  # the private model's noise calibration is here
        try:
            trainer = Trainer(build_model(config, data.schema, registry), data, config,
                              loss=registry.loss(config.loss), domain=registry.domain("tabular"))
        except UserInputError as exc:  # a budget too small to train: refused, as it should be
            print(f"{table:10s} {method} eps {epsilon:>4g} refused: {exc}", flush=True)
            missing.append(f"{table} {method} eps {epsilon:g}: refused: {exc}")
            continue
        trainer.fit()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        plain_time = plain_time or cpu / run_epochs  # CPU-s per epoch (a shared machine): private runs may train fewer
        reference = data.reference
        samples = trainer.sample(len(reference.real), seed=seed)
        ledger = data.schema.privacy
        spent = ledger.spent_epsilon() if ledger else math.inf
        sigma = ledger.sgd.get("noise_multiplier", 0.0) if ledger else 0.0
        first = len(rows_out)
        rows_out.append((table, method, epsilon, spent, sigma, seconds, cpu / run_epochs / plain_time,
                         {**scores(samples, reference), "cpu_s": cpu}))
        if hybrid:  # MST itself: the rows the hybrid's GAN trained on, scored as a synthesizer
            rows_out.append((table, "MST", epsilon, spent, 0.0, mst_seconds, mst_cpu / (epochs * plain_time),
                             {**scores(data.table.reset_index(drop=True), reference), "cpu_s": mst_cpu}))
        if ledger is not None and not any(r[1] == "DP marginals" and r[2] == epsilon for r in rows_out):
            rows_out.append(dp_marginals(table, epsilon, data, public, seed))
        print_rows(rows_out[first:])
    return rows_out


def print_rows(rows) -> None:
    for table, method, epsilon, spent, sigma, seconds, ratio, s in rows:
        print(f"{table:10s} {method:34s} eps {epsilon:>4g} spent {spent:>6.3g} sigma {sigma:5.2f} "
              f"train {seconds:6.1f}s = {ratio:4.2f}x " + " ".join(f"{k} {s[k]:.3f}" for k in COLUMNS)
              + (f" cpu {s['cpu_s']:.1f}s" if "cpu_s" in s else ""), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=300, help="the product's default")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tables", nargs="+", default=["penguins", "actg175", "democracy"])
    parser.add_argument("--epsilons", nargs="+", type=float, default=list(EPSILONS))
    parser.add_argument("--dp-epochs", type=int, default=None, help="epochs of the private runs (default: --epochs)")
    parser.add_argument("--ablation", action="store_true",
                        help="the DP levers of ABLATION at each --epsilons (default 3) instead of the curve")
    parser.add_argument("--variants", nargs="+", default=list(ABLATION), metavar="NAME",
                        help="the ABLATION entries to run (with --ablation)")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS),
                        help="the private methods of the curve (MST's own cells come with the hybrid)")
    parser.add_argument("--keep-ids", action="store_true",
                        help="model the ID / near-unique text columns tabular_vs_ctgan.py drops")
    args = parser.parse_args()
    if args.keep_ids:
        DROPPED.clear()
    unknown = sorted(set(args.variants) - set(ABLATION))
    if unknown:
        parser.error(f"unknown variant {unknown[0]!r}; variants: {', '.join(ABLATION)}")
    if args.ablation and args.epsilons == list(EPSILONS):
        args.epsilons = [3.0]
    torch.set_num_threads(1)
    np.seterr(all="ignore")
    start = time.perf_counter()
    print(f"# columns left out: {', '.join(f'{t} {c}' for t in args.tables for c in DROPPED.get(t, [])) or 'none'}")
    print(f"# tabular privacy/utility, {args.epochs} epochs ({args.dp_epochs or args.epochs} private), seed "
          f"{args.seed}; train = seconds (model setup and training) and, per epoch, their ratio to the non-private "
          "run's, in CPU seconds (MST: to the whole non-private run)", flush=True)
    rows, missing = [], []
    for table in args.tables:
        variants = {name: ABLATION[name] for name in args.variants} if args.ablation else None
        rows += run(table, args.epochs, args.seed, missing, args.epsilons, variants, args.dp_epochs, args.methods)
    for cell in missing:
        print(f"# cell missing: {cell}")
    ratios = [(r[6], r[0], r[1], r[2]) for r in rows if r[1].startswith(("genforge DP", "DP-GAN", "genforge hybrid"))]
    if ratios:
        worst = max(ratios)
        print(f"# DP / non-private training CPU time per epoch: worst {worst[0]:.2f}x ({worst[1]} {worst[2]} eps "
              f"{worst[3]:g}), median {float(np.median([r[0] for r in ratios])):.2f}x")
    for label, kept in (("the DP-GAN", ("genforge DP", "DP-GAN")), ("the hybrid", ("genforge hybrid",)),
                        ("the DP baselines", ("DP marginals", "MST"))):
        private = [r for r in rows if r[1].startswith(kept) and r[2] <= 10 and not math.isnan(r[7]["mia_auc"])]
        if private:
            worst = max(private, key=lambda r: r[7]["mia_auc"])
            print(f"# {label}: membership-inference AUC <= 0.55 at every epsilon <= 10: {worst[7]['mia_auc'] <= 0.55} "
                  f"(highest {worst[7]['mia_auc']:.3f}: {worst[0]} {worst[1]} eps {worst[2]:g})")
    print("# worst first (by quality):")
    print_rows(sorted(rows, key=lambda r: r[7]["quality"]))
    print(f"# total {time.perf_counter() - start:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
