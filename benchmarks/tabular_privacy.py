"""Privacy / utility curve of the tabular GAN (issue 23).

For each bundled table and epsilon in {0.5, 1, 3, 10, inf}: overall quality, gradient-boosting
detection AUC, train-on-synthetic macro-F1 (TSTR, tested on the real hold-out), the DOMIAS
membership-inference AUC, the DCR ratio and exact copies; epsilon = inf is ordinary
(non-private) training. Beside each private run, two DP baselines at the same (epsilon, delta):
independent DP marginals (every column drawn from its own Laplace histogram, i.e. what the
private encoders see: does the GAN learn the columns' relations privately?) and MST (McKenna et
al. 2021; ``mst_baseline.py`` on the authors' ``mbi`` package, installed by ``make bench-deps``;
skipped with a note when mbi is missing; ~2 min per run on penguins, ~11 min on democracy's
wide domains on a loaded 2-core machine: ``--no-mst``). smartnoise-synth (DP-CTGAN, MWEM) is not run:
installing it would replace opacus 1.6 by 0.14 and pandas 3 by 2.3 (pip --dry-run); synthcity
would replace torch 2.13 by 2.2 and pandas; dpmm pins numpy 1.26 and pandas 2.1. Published
comparison: Tao et al. 2021 (arXiv 2112.09238) find DP-CTGAN, PATE-GAN and DP-GAN below simple
baselines on most of their tables and MST among the best; so it is here (README of privacy/).
``--ablation`` measures the DP levers (ABLATION) at epsilon 3 instead of the curve.

Column domains (numeric bounds, category levels) are declared public, taken from the whole
bundled table (as smartnoise and DP-CTGAN users declare metadata); delta = 1 / n**1.1.
Shortened training for a shared 2-core machine: ``--epochs`` (default 100, the README's
figures use 300), one seed; so absolute figures are below the README's.

    .venv/bin/python benchmarks/tabular_privacy.py [--epochs 100] [--dp-epochs N] [--tables ...]
                                                   [--epsilons 3 10] [--ablation [--variants ...]] [--no-mst]
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

from genforge.engine.trainer import Trainer  # noqa: E402
from genforge.errors import UserInputError  # noqa: E402
from genforge.plugins import get_registry  # noqa: E402
from genforge.training import build_model, make_config  # noqa: E402
from genforge_tabular import metrics as m  # noqa: E402
from genforge_tabular.bundled import load_bundled  # noqa: E402
from genforge_tabular.columns import infer_columns  # noqa: E402
from genforge_tabular.domain import TabularDomain  # noqa: E402
from genforge_tabular.privacy import PRIVATE_TRAINING_CONFIG, attacks  # noqa: E402
from genforge_tabular.privacy.marginals import domains_of, private_proxy  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from mst_baseline import mst  # noqa: E402

try:
    import mbi  # noqa: F401  (MST's estimation package; make bench-deps installs it)
    HAVE_MBI = True
except ImportError:
    HAVE_MBI = False

EPSILONS = (0.5, 1.0, 3.0, 10.0, math.inf)
COLUMNS = ("quality", "detect_gb", "tstr_f1", "mia_auc", "dcr_ratio", "copies")


def scores(samples, reference) -> dict[str, float]:
    return {"quality": m.quality(samples, reference), "detect_gb": m.detection_auc(samples, reference, model="gb"),
            "tstr_f1": m.tstr_macro_f1(samples, reference), "mia_auc": attacks.domias_auc(samples, reference),
            "dcr_ratio": attacks.dcr_ratio(samples, reference), "copies": m.exact_copies(samples, reference)}


#: the DP levers measured at epsilon 3 (``--ablation``), each a change of the defaults (critic
#: (128, 128) reading the row only, dropout 0.5, marginal share 0.1, batch n/4, no calibration);
#: the previous stops' variants are kept for their rows in privacy/README.md
ABLATION = {
    "default": {},
    "calibrated to the DP marginals": {"privacy": {"calibrate": True}},
    "marginal share 0.3": {"privacy": {"marginal_share": 0.3}},
    "batch n/2": {"batch_share": 0.5},
    "batch n/2, 3 epochs": {"batch_share": 0.5, "epochs": 3},
    "critic reads the condition": {"privacy": {"critic_condition": True}},
    "small critic, no dropout": {"model": {"critic_dims": [64], "dropout": 0.0}},
}


def config_for(table: str, rows: int, epsilon: float, epochs: int, public: dict, seed: int,
               variant: dict | None = None):
    """The run's settings: non-private (epsilon inf: WGAN-GP, pac 5) or private (the DP
    engine settings, the privacy option's defaults, changed by ``variant``)."""
    variant = variant or {}
    batch = int(min(500, max(128, rows // 4)))
    if not math.isinf(epsilon) and "batch_share" in variant:
        batch = int(rows * variant["batch_share"])
    steps = math.ceil(epochs * rows / batch)
    values = {"model": "ctgan-residual", "loss": "wgan-gp", "epochs": epochs, "batch_size": batch, "seed": seed, "precision": "fp32",
              "ema_decay": min(0.999, max(0.9, 1 - 6 / steps)),
              "dataset_options": {"holdout": 0.2}}
    if math.isinf(epsilon):
        values["batch_size"] = batch - batch % 5  # pac 5
        return make_config("tabular", values)
    engine = dict(PRIVATE_TRAINING_CONFIG)
    values.update(engine)
    values["model_options"] = {"pac": 1, "classifier_weight": 0.0, **variant.get("model", {})}
    values["dataset_options"]["privacy"] = {"epsilon": epsilon, "public": public, **variant.get("privacy", {})}
    return make_config("tabular", values)


def run(table: str, epochs: int, seed: int, epsilons=EPSILONS, variants: dict | None = None,
        dp_epochs: int | None = None, mst_on: bool = True) -> list[tuple]:
    """Non-private first (the time ratio's base), then each (epsilon, variant); beside each private
    epsilon, the DP-marginals baseline."""
    registry = get_registry()
    source = load_bundled(table, {})
    kinds = {i.name: i.kind for i in infer_columns(source.frame, table)}
    public = domains_of(source.frame, kinds)
    rows_out, plain_time = [], None
    runs = [(math.inf, "genforge GAN", None)] + [(e, f"DP-GAN {name}" if variants else "genforge DP-GAN", v)
                                                  for e in sorted(set(epsilons) - {math.inf}, key=lambda e: -e)
                                                  for name, v in (variants or {"": None}).items()]
    for epsilon, method, variant in runs:
        run_epochs = epochs if math.isinf(epsilon) else (variant or {}).get("epochs", dp_epochs or epochs)
        config = config_for(table, int(len(source.frame) * 0.8), epsilon, run_epochs, public, seed, variant)
        data = TabularDomain().prepare(source, dict(config.dataset_options), seed)
        start = time.perf_counter()  # the private model's noise calibration happens here
        try:
            trainer = Trainer(build_model(config, data.schema, registry), data, config,
                              loss=registry.loss(config.loss), domain=registry.domain("tabular"))
        except UserInputError as exc:  # a budget too small to train: refused, as it should be
            print(f"{table:10s} {method} eps {epsilon:>4g} refused: {exc}", flush=True)
            continue
        trainer.fit()
        seconds = time.perf_counter() - start
        plain_time = plain_time or seconds / run_epochs  # per epoch: private runs may train fewer
        reference = data.reference
        samples = trainer.sample(len(reference.real), seed=seed)
        ledger = data.schema.privacy
        spent = ledger.spent_epsilon() if ledger else math.inf
        sigma = ledger.sgd["noise_multiplier"] if ledger else 0.0
        rows_out.append((table, method, epsilon, spent, sigma, seconds, seconds / run_epochs / plain_time,
                         scores(samples, reference)))
        printed = rows_out[-1:]
        if ledger is not None and not any(r[1] == "DP marginals" and r[2] == epsilon for r in rows_out):
            proxy, _, _ = private_proxy(reference.real, data.schema.infos, public, epsilon, ledger.delta,
                                        len(reference.real), seed)
            rows_out.append((table, "DP marginals", epsilon, epsilon, 0.0, 0.0, 0.0, scores(proxy, reference)))
            printed = rows_out[-2:]
            if HAVE_MBI and mst_on:
                start = time.perf_counter()
                synthetic = mst(reference.real, public, epsilon, ledger.delta, len(reference.real), seed)
                seconds = time.perf_counter() - start
                rows_out.append((table, "MST (mbi)", epsilon, epsilon, 0.0, seconds, seconds / (epochs * plain_time),
                                 scores(synthetic, reference)))
                printed = rows_out[-3:]
        print_rows(printed)
    return rows_out


def print_rows(rows) -> None:
    for table, method, epsilon, spent, sigma, seconds, ratio, s in rows:
        print(f"{table:10s} {method:34s} eps {epsilon:>4g} spent {spent:>6.3g} sigma {sigma:5.2f} "
              f"train {seconds:6.1f}s = {ratio:4.2f}x " + " ".join(f"{k} {s[k]:.3f}" for k in COLUMNS), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tables", nargs="+", default=["penguins", "actg175", "democracy"])
    parser.add_argument("--epsilons", nargs="+", type=float, default=list(EPSILONS))
    parser.add_argument("--dp-epochs", type=int, default=None, help="epochs of the private runs (default: --epochs)")
    parser.add_argument("--ablation", action="store_true",
                        help="the DP levers of ABLATION at each --epsilons (default 3) instead of the curve")
    parser.add_argument("--variants", nargs="+", default=list(ABLATION), metavar="NAME",
                        help="the ABLATION entries to run (with --ablation)")
    parser.add_argument("--no-mst", action="store_true", help="skip the MST baseline (minutes per run on wide tables)")
    args = parser.parse_args()
    unknown = sorted(set(args.variants) - set(ABLATION))
    if unknown:
        parser.error(f"unknown variant {unknown[0]!r}; variants: {', '.join(ABLATION)}")
    if args.ablation and args.epsilons == list(EPSILONS):
        args.epsilons = [3.0]
    torch.set_num_threads(1)
    np.seterr(all="ignore")
    start = time.perf_counter()
    if not HAVE_MBI:
        print("# MST not run: mbi is not installed (make bench-deps)", flush=True)
    print(f"# tabular privacy/utility, {args.epochs} epochs ({args.dp_epochs or args.epochs} private), seed "
          f"{args.seed}; train = seconds (model setup and training) and, per epoch, their ratio to the non-private "
          "run's (MST: to the whole non-private run)", flush=True)
    rows = []
    for table in args.tables:
        variants = {name: ABLATION[name] for name in args.variants} if args.ablation else None
        rows += run(table, args.epochs, args.seed, args.epsilons, variants, args.dp_epochs, not args.no_mst)
    private = [r for r in rows if r[1] != "genforge GAN" and r[2] <= 10 and not math.isnan(r[7]["mia_auc"])]
    if private:
        worst = max(private, key=lambda r: r[7]["mia_auc"])
        print(f"# membership-inference AUC <= 0.55 at every epsilon <= 10: {worst[7]['mia_auc'] <= 0.55} "
              f"(highest {worst[7]['mia_auc']:.3f}: {worst[0]} {worst[1]} eps {worst[2]:g})")
    print("# worst first (by quality):")
    print_rows(sorted(rows, key=lambda r: r[7]["quality"]))
    print(f"# total {time.perf_counter() - start:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
