"""Privacy / utility curve of the tabular GAN (issue 23).

For each bundled table and epsilon in {0.5, 1, 3, 10, inf}: overall quality, gradient-boosting
detection AUC, train-on-synthetic macro-F1 (TSTR, tested on the real hold-out), the DOMIAS
membership-inference AUC, the DCR ratio and exact copies; epsilon = inf is ordinary
(non-private) training. Beside each private run, two DP baselines at the same (epsilon, delta):
independent DP marginals (every column drawn from its own Laplace histogram, i.e. what the
private encoders see: does the GAN learn the columns' relations privately?) and MST (McKenna et
al. 2021; ``mst_baseline.py`` on the authors' ``mbi`` package, installed by ``make bench-deps``;
skipped with a note when mbi is missing; ~2 min per run on penguins, ~11 min on democracy's
wide domains on a loaded 2-core machine: ``--no-mst``; or run ``--mst-only --mst-cache FILE`` in the
background and give the curve the same ``--mst-cache``: it shows the cells found there and lists
the missing ones). smartnoise-synth (DP-CTGAN, MWEM) is not run:
installing it would replace opacus 1.6 by 0.14 and pandas 3 by 2.3 (pip --dry-run); synthcity
would replace torch 2.13 by 2.2 and pandas; dpmm pins numpy 1.26 and pandas 2.1. Published
comparison: Tao et al. 2021 (arXiv 2112.09238) find DP-CTGAN, PATE-GAN and DP-GAN below simple
baselines on most of their tables and MST among the best; so it is here (README of privacy/).
``--ablation`` measures the DP levers (ABLATION) at epsilon 3 instead of the curve.

Column domains (numeric bounds, category levels) are declared public, taken from the whole
bundled table (as smartnoise and DP-CTGAN users declare metadata); delta = 1 / n**1.1.
Shortened training for a shared 2-core machine: ``--epochs`` (default 100, the README's
figures use 300), one seed; so absolute figures are below the README's. Times: wall seconds, and
the ratio of CPU seconds per epoch to the non-private run's (CPU: the machine is shared).

    .venv/bin/python benchmarks/tabular_privacy.py [--epochs 100] [--dp-epochs N] [--tables ...]
                                                   [--epsilons 3 10] [--ablation [--variants ...]] [--no-mst]
                                                   [--mst-cache FILE [--mst-only]]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from genforge.engine.trainer import Trainer  # noqa: E402
from genforge.errors import UserInputError  # noqa: E402
from genforge.output_files import write_text  # noqa: E402
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
    values.update(PRIVATE_TRAINING_CONFIG)
    values.update(variant.get("engine", {}))
    values["model_options"] = {"pac": 1, "classifier_weight": 0.0, **variant.get("model", {})}
    values["dataset_options"]["privacy"] = {"epsilon": epsilon, "public": public, **variant.get("privacy", {})}
    return make_config("tabular", values)


def prepared(table: str, epsilon: float, epochs: int, seed: int, variant: dict | None = None):
    """The table's data prepared for one run, its config and the public domains."""
    source = load_bundled(table, {})
    kinds = {i.name: i.kind for i in infer_columns(source.frame, table)}
    public = domains_of(source.frame, kinds)
    config = config_for(table, int(len(source.frame) * 0.8), epsilon, epochs, public, seed, variant)
    return TabularDomain().prepare(source, dict(config.dataset_options), seed), config, public


class MSTCells:
    """MST results per (table, epsilon, seed), kept in a JSON file (``--mst-cache``) so that a slow
    background ``--mst-only`` run feeds the curve; and the cells not run, with the reason."""

    def __init__(self, path: str | None, compute: bool):
        self.path, self.compute, self.missing = path, compute and HAVE_MBI, []
        self.cells = self.read()

    def read(self) -> dict:
        return json.loads(open(self.path).read()) if self.path and os.path.exists(self.path) else {}

    def row(self, table: str, epsilon: float, seed: int, reference, public: dict, delta: float, plain_cpu: float):
        self.cells.update(self.read())  # a background --mst-only run may have added cells
        key, cached = f"{table}|{epsilon:g}|{seed}", f"{table}|{epsilon:g}|{seed}" in self.cells
        if not cached:
            if not self.compute:
                why = "mbi not installed (make bench-deps)" if not HAVE_MBI else \
                    "not computed in this run (--no-mst) and not in the --mst-cache file"
                self.missing.append(f"{table} eps {epsilon:g}: {why}")
                return None
            start, cpu = time.perf_counter(), time.process_time()
            synthetic = mst(reference.real, public, epsilon, delta, len(reference.real), seed)
            self.cells[key] = {"seconds": time.perf_counter() - start,
                               "scores": {**scores(synthetic, reference), "cpu_s": time.process_time() - cpu}}
            self.save()
        cell = self.cells[key]
        source = "MST (mbi, cached)" if cached else "MST (mbi)"
        ratio = cell["scores"].get("cpu_s", math.nan) / plain_cpu if plain_cpu else math.nan
        return (table, source, epsilon, epsilon, 0.0, cell["seconds"], ratio, cell["scores"])

    def save(self) -> None:
        if self.path:
            self.cells = {**self.read(), **self.cells}
            write_text(self.path, json.dumps(self.cells, indent=1))


def baselines(table: str, epsilon: float, data, public: dict, seed: int, mst_cells: MSTCells,
              plain_cpu: float | None) -> list[tuple]:
    """The DP baselines at the run's (epsilon, delta): independent DP marginals and MST."""
    reference, ledger = data.reference, data.schema.privacy
    proxy, _, _ = private_proxy(reference.real, data.schema.infos, public, epsilon, ledger.delta,
                                len(reference.real), seed)
    out = [(table, "DP marginals", epsilon, epsilon, 0.0, 0.0, 0.0, scores(proxy, reference))]
    cell = mst_cells.row(table, epsilon, seed, reference, public, ledger.delta, plain_cpu)
    return out + ([cell] if cell else [])


def run(table: str, epochs: int, seed: int, mst_cells: MSTCells, epsilons=EPSILONS, variants: dict | None = None,
        dp_epochs: int | None = None) -> list[tuple]:
    """Non-private first (the time ratio's base), then each (epsilon, variant); beside each private
    epsilon, the DP baselines."""
    registry = get_registry()
    rows_out, plain_time = [], None
    runs = [(math.inf, "genforge GAN", None)] + [(e, f"DP-GAN {name}" if variants else "genforge DP-GAN", v)
                                                  for e in sorted(set(epsilons) - {math.inf}, key=lambda e: -e)
                                                  for name, v in (variants or {"": None}).items()]
    for epsilon, method, variant in runs:
        run_epochs = epochs if math.isinf(epsilon) else (variant or {}).get("epochs", dp_epochs or epochs)
        data, config, public = prepared(table, epsilon, run_epochs, seed, variant)
        start, cpu = time.perf_counter(), time.process_time()  # the private model's noise calibration is here
        try:
            trainer = Trainer(build_model(config, data.schema, registry), data, config,
                              loss=registry.loss(config.loss), domain=registry.domain("tabular"))
        except UserInputError as exc:  # a budget too small to train: refused, as it should be
            print(f"{table:10s} {method} eps {epsilon:>4g} refused: {exc}", flush=True)
            continue
        trainer.fit()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        plain_time = plain_time or cpu / run_epochs  # CPU-s per epoch (a shared machine): private runs may train fewer
        reference = data.reference
        samples = trainer.sample(len(reference.real), seed=seed)
        ledger = data.schema.privacy
        spent = ledger.spent_epsilon() if ledger else math.inf
        sigma = ledger.sgd["noise_multiplier"] if ledger else 0.0
        first = len(rows_out)
        rows_out.append((table, method, epsilon, spent, sigma, seconds, cpu / run_epochs / plain_time,
                         {**scores(samples, reference), "cpu_s": cpu}))
        if ledger is not None and not any(r[1] == "DP marginals" and r[2] == epsilon for r in rows_out):
            rows_out += baselines(table, epsilon, data, public, seed, mst_cells, epochs * plain_time)
        print_rows(rows_out[first:])
    return rows_out


def mst_only(tables, epsilons, seed: int, mst_cells: MSTCells) -> list[tuple]:
    """Only the DP baselines (``--mst-only``: MST is slow; run it in the background into
    ``--mst-cache`` and let the curve read it)."""
    rows = []
    for table in tables:
        for epsilon in sorted(set(epsilons) - {math.inf}):
            data, _, public = prepared(table, epsilon, 1, seed)
            rows += baselines(table, epsilon, data, public, seed, mst_cells, None)
            print_rows(rows[-2:])
    return rows


def print_rows(rows) -> None:
    for table, method, epsilon, spent, sigma, seconds, ratio, s in rows:
        print(f"{table:10s} {method:34s} eps {epsilon:>4g} spent {spent:>6.3g} sigma {sigma:5.2f} "
              f"train {seconds:6.1f}s = {ratio:4.2f}x " + " ".join(f"{k} {s[k]:.3f}" for k in COLUMNS)
              + (f" cpu {s['cpu_s']:.1f}s" if "cpu_s" in s else ""), flush=True)


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
    parser.add_argument("--no-mst", action="store_true", help="compute no MST cell (minutes per run on wide tables); "
                        "cells in --mst-cache are still shown")
    parser.add_argument("--mst-cache", default=None, metavar="FILE",
                        help="JSON file of MST cells: read, and the cells this run computes are added")
    parser.add_argument("--mst-only", action="store_true",
                        help="only the DP baselines (DP marginals, MST) at each private --epsilons, into --mst-cache")
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
          "run's, in CPU seconds (MST: to the whole non-private run)", flush=True)
    mst_cells = MSTCells(args.mst_cache, not args.no_mst)
    if args.mst_only:
        rows = mst_only(args.tables, args.epsilons, args.seed, mst_cells)
    else:
        rows = []
        for table in args.tables:
            variants = {name: ABLATION[name] for name in args.variants} if args.ablation else None
            rows += run(table, args.epochs, args.seed, mst_cells, args.epsilons, variants, args.dp_epochs)
    for cell in mst_cells.missing:
        print(f"# MST cell missing: {cell}")
    ratios = [(r[6], r[0], r[1], r[2]) for r in rows if r[1].startswith(("genforge DP", "DP-GAN"))]
    if ratios:
        worst = max(ratios)
        print(f"# DP / non-private training CPU time per epoch: worst {worst[0]:.2f}x ({worst[1]} {worst[2]} eps "
              f"{worst[3]:g}), median {float(np.median([r[0] for r in ratios])):.2f}x")
    for label, kept in (("the DP-GAN", ("genforge DP", "DP-GAN")), ("the DP baselines", ("DP marginals", "MST"))):
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
