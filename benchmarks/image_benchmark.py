"""Image GAN quality on digits (8x8 grayscale) and coloured shapes (32x32 RGB), offline.

For each data set: fixed train/test split (30 % test, stratified, seed 0), a
class-conditional DCGAN (hinge loss, spectral norm, projection D, DiffAugment
translation, generator EMA 0.995; on shapes also the optional AC-GAN head,
``ac_weight`` 0.2) trained through the genforge engine for at most ``--minutes``
of training time on ``--threads`` CPU threads, then as many generated images as
there are real training images (every class equally often) are compared with the
real test split. Every figure is printed beside its real-vs-real reference (the
real training images against the same test split) and the issue's target:

* CAS >= 0.90 x the same classifier trained on the real training images;
* classifier-feature FID <= 3 x real-vs-real classifier-feature FID;
* precision >= 0.7, recall >= 0.5 (Kynkäänniemi et al., k = 3);
* class-conditional accuracy >= 0.9.

FID here is a Fréchet distance in the feature space of the plugin's LeNet-style
domain classifier (trained on the training split), not Inception FID.

    .venv/bin/python benchmarks/image_benchmark.py                # both data sets
    .venv/bin/python benchmarks/image_benchmark.py --only digits
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from genforge.engine.trainer import Trainer
from genforge.plugins import get_registry
from genforge.training import build_model, fill_names, load_training_data, make_config
from genforge_image.evaluation import evaluate_all
from genforge_image.writing import save_grid

RUNS = {
    "digits": {"dataset": "digits", "steps": 10000, "batch_size": 64, "lr_g": 5e-4, "lr_d": 5e-4,
               "model_options": {"augment": "translation"}},
    "shapes": {"dataset": "shapes", "steps": 10000, "batch_size": 32, "lr_g": 5e-4, "lr_d": 5e-4,
               "dataset_options": {"n": 4000, "size": 32},
               "model_options": {"augment": "translation", "g_width": 16, "d_width": 16, "ac_weight": 0.2}},
}
ROWS = [  # metric, target text, check(generated, real)
    ("cas", ">= 0.90 x real", lambda g, r: g >= 0.9 * r),
    ("classifier_fid", "<= 3 x real-vs-real", lambda g, r: g <= 3 * r),
    ("precision", ">= 0.7", lambda g, r: g >= 0.7),
    ("recall", ">= 0.5", lambda g, r: g >= 0.5),
    ("class_accuracy", ">= 0.9", lambda g, r: g >= 0.9),
    ("kid", "(reported)", None),
    ("density", "(reported)", None),
    ("coverage", "(reported)", None),
    ("classifier_score", "(reported)", None),
]


def run(name: str, minutes: float, out: Path, seed: int) -> dict:
    registry = get_registry()
    spec = dict(RUNS[name])
    steps = spec.pop("steps")
    config = fill_names(make_config("image", {**spec, "steps": steps, "seed": seed}, registry=registry),
                        registry.domain("image"))
    data = load_training_data(config, registry)
    model = build_model(config, data.schema, registry)
    trainer = Trainer(model, data, config, loss=registry.loss(config.loss), domain=registry.domain("image"))
    started, chunk_time = time.perf_counter(), 0.0
    while trainer.step < steps and time.perf_counter() - started + chunk_time <= minutes * 60:
        chunk_started = time.perf_counter()
        trainer.fit(min(steps, trainer.step + 250))
        chunk_time = time.perf_counter() - chunk_started  # stop before a chunk would pass the cap
    train_time = time.perf_counter() - started
    ref = data.reference
    n = len(ref.train_images)
    samples = trainer.sample(n, seed=seed + 1)
    metrics = evaluate_all(samples, ref)
    grid = save_grid(trainer.sample(100, seed=seed + 2), out / f"image_{name}_samples.png")
    print(f"\n== {name}: {data.schema.size}x{data.schema.size}x{data.schema.channels}, "
          f"{data.schema.num_classes} classes, train {n} / test {len(ref.test_images)} real images; "
          f"{trainer.step} steps in {train_time:.0f}s on {torch.get_num_threads()} threads; "
          f"{n} generated images; grid {grid}")
    print(f"{'metric':18s} {'generated':>10s} {'real-vs-real':>13s}  {'target':22s} met")
    met = {}
    for metric, target, check in ROWS:
        g, r = metrics[metric], metrics[f"{metric}_real"]
        ok = "" if check is None else ("yes" if check(g, r) else "NO")
        if check is not None:
            met[metric] = ok == "yes"
        print(f"{metric:18s} {g:10.4f} {r:13.4f}  {target:22s} {ok}")
    return {"dataset": name, "steps": trainer.step, "train_seconds": train_time, "metrics": metrics,
            "targets_met": met}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=sorted(RUNS))
    parser.add_argument("--minutes", type=float, default=10.0, help="training-time cap per data set")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (1: these small convolutions gain nothing from more)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    results = [run(name, args.minutes, args.out, args.seed) for name in ([args.only] if args.only else RUNS)]
    (args.out / "image_benchmark.json").write_text(json.dumps(results, indent=2, default=float) + "\n")


if __name__ == "__main__":
    main()
