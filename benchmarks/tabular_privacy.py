"""Privacy / utility curve of the tabular GAN (issue 23).

For each bundled table and epsilon in {0.5, 1, 3, 10, inf}: overall quality, gradient-boosting
detection AUC, train-on-synthetic macro-F1 (TSTR, tested on the real hold-out), the DOMIAS
membership-inference AUC, the DCR ratio and exact copies; epsilon = inf is ordinary
(non-private) training. Beside each private run, in the same run, the classic DP baseline of
independent DP marginals (every column drawn from its own Laplace histogram at the same
epsilon, i.e. what the private encoders see): it tells whether the GAN learns the columns'
relations privately. smartnoise-synth (DP-CTGAN, MWEM) is not run: installing it would replace
opacus 1.6 by 0.14 and pandas 3 by 2.3 (checked with pip --dry-run); synthcity was not tried.

Column domains (numeric bounds, category levels) are declared public, taken from the whole
bundled table (as smartnoise and DP-CTGAN users declare metadata); delta = 1 / n**1.1.
Shortened training for a shared 2-core machine: ``--epochs`` (default 100, the README's
figures use 300), one seed; so absolute figures are below the README's.

    .venv/bin/python benchmarks/tabular_privacy.py [--epochs 100] [--tables ...] [--epsilons 3 10]
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

EPSILONS = (0.5, 1.0, 3.0, 10.0, math.inf)
COLUMNS = ("quality", "detect_gb", "tstr_f1", "mia_auc", "dcr_ratio", "copies")


def scores(samples, reference) -> dict[str, float]:
    return {"quality": m.quality(samples, reference), "detect_gb": m.detection_auc(samples, reference, model="gb"),
            "tstr_f1": m.tstr_macro_f1(samples, reference), "mia_auc": attacks.domias_auc(samples, reference),
            "dcr_ratio": attacks.dcr_ratio(samples, reference), "copies": m.exact_copies(samples, reference)}


def config_for(table: str, rows: int, epsilon: float, epochs: int, public: dict, seed: int):
    batch = int(min(500, max(128, rows // 4)))
    steps = math.ceil(epochs * rows / batch)
    values = {"model": "ctgan-residual", "loss": "wgan-gp", "epochs": epochs, "batch_size": batch, "seed": seed, "precision": "fp32",
              "ema_decay": min(0.999, max(0.9, 1 - 6 / steps)),
              "dataset_options": {"holdout": 0.2}}
    if math.isinf(epsilon):
        values["batch_size"] = batch - batch % 5  # pac 5
        return make_config("tabular", values)
    engine = dict(PRIVATE_TRAINING_CONFIG)
    values.update(engine)
    values["model_options"] = {"pac": 1, "classifier_weight": 0.0}
    values["dataset_options"]["privacy"] = {"epsilon": epsilon, "public": public}
    return make_config("tabular", values)


def run(table: str, epochs: int, seed: int, epsilons=EPSILONS) -> list[tuple]:
    registry = get_registry()
    source = load_bundled(table, {})
    kinds = {i.name: i.kind for i in infer_columns(source.frame, table)}
    public = domains_of(source.frame, kinds)
    rows_out, plain_time = [], None
    for epsilon in sorted(set(epsilons) | {math.inf}, key=lambda e: -e):  # inf first: the time ratio's base
        config = config_for(table, int(len(source.frame) * 0.8), epsilon, epochs, public, seed)
        data = TabularDomain().prepare(source, dict(config.dataset_options), seed)
        try:
            trainer = Trainer(build_model(config, data.schema, registry), data, config,
                              loss=registry.loss(config.loss), domain=registry.domain("tabular"))
        except UserInputError as exc:  # a budget too small to train: refused, as it should be
            print(f"{table:10s} genforge DP-GAN  eps {epsilon:>4g} refused: {exc}", flush=True)
            continue
        start = time.perf_counter()
        trainer.fit()
        seconds = time.perf_counter() - start
        plain_time = plain_time or seconds
        reference = data.reference
        samples = trainer.sample(len(reference.real), seed=seed)
        spent = data.schema.privacy.spent_epsilon() if data.schema.privacy else math.inf
        sigma = data.schema.privacy.sgd["noise_multiplier"] if data.schema.privacy else 0.0
        rows_out.append((table, "genforge DP-GAN", epsilon, spent, sigma, seconds / plain_time,
                         scores(samples, reference)))
        if not math.isinf(epsilon):
            infos = data.schema.infos
            delta = data.schema.privacy.delta
            proxy, _, _ = private_proxy(reference.real, infos, public, epsilon, delta, len(reference.real), seed)
            rows_out.append((table, "DP marginals", epsilon, epsilon, 0.0, 0.0, scores(proxy, reference)))
        print_rows(rows_out[-2:] if not math.isinf(epsilon) else rows_out[-1:])
    return rows_out


def print_rows(rows) -> None:
    for table, method, epsilon, spent, sigma, ratio, s in rows:
        print(f"{table:10s} {method:16s} eps {epsilon:>4g} spent {spent:>6.3g} sigma {sigma:5.2f} "
              f"time {ratio:4.2f}x " + " ".join(f"{k} {s[k]:.3f}" for k in COLUMNS), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tables", nargs="+", default=["penguins", "actg175", "democracy"])
    parser.add_argument("--epsilons", nargs="+", type=float, default=list(EPSILONS))
    args = parser.parse_args()
    torch.set_num_threads(1)
    np.seterr(all="ignore")
    start = time.perf_counter()
    print(f"# tabular privacy/utility, {args.epochs} epochs, seed {args.seed}; time = training time over the "
          "non-private run's", flush=True)
    for table in args.tables:
        run(table, args.epochs, args.seed, args.epsilons)
    print(f"# total {time.perf_counter() - start:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
