"""Text GAN vs a character 3-gram model on the bundled first-names corpus.

Both learn from the same training lines (80% of distinct names); both are scored
with the text domain's metrics against the same held-out lines (10%). A second
held-out 10% (never trained on) is scored as "real" for scale, and a 4-gram model
shows where a longer context moves the n-gram trade-off. The issue's target:
the GAN's novelty above the 3-gram model's at equal or better n-gram precision.

    .venv/bin/python benchmarks/text_names.py [--steps N] [--seeds 0,1] [--n 2000]
"""
from __future__ import annotations

import argparse
import os
import time

import torch

from genforge.plugins import get_registry
from genforge.training import make_config, train
from genforge_text.baseline import CharNGramModel

METRICS = ["novelty", "ngram_precision", "ngram_recall", "validity", "uniqueness", "length_distance"]


def score(samples, reference, registry):
    return {m: registry.metric("text", m).compute(samples, reference) for m in METRICS}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, help="GAN training steps (default: the domain's)")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--n", type=int, default=2000, help="samples scored per model")
    args = parser.parse_args()
    os.environ.setdefault("GENFORGE_PROGRESS", "0")
    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    registry = get_registry()
    rows: dict[str, list[dict]] = {"text GAN (char-gru)": [], "char 3-gram": [], "char 4-gram": [],
                                   "held-out real": []}
    for seed in [int(s) for s in args.seeds.split(",")]:
        config = make_config("text", {"seed": seed, "steps": args.steps}, registry=registry)
        started = time.perf_counter()
        result = train(config, None, registry=registry, report=lambda line: None)
        gan_time = time.perf_counter() - started
        data = result.data
        ref = data.reference
        gan = result.trainer.sample(args.n, seed=seed + 1000)
        rows["text GAN (char-gru)"].append({**score(gan, ref, registry), "seconds": gan_time})
        for order in (3, 4):
            started = time.perf_counter()
            ngram = CharNGramModel(order=order, max_len=ref.max_len).fit(sorted(ref.train))
            ngram_samples = ngram.sample(args.n, torch.Generator().manual_seed(seed))
            rows[f"char {order}-gram"].append({**score(ngram_samples, ref, registry),
                                               "seconds": time.perf_counter() - started})
            if order == 3:
                print(f"seed {seed}: 3-gram samples: {', '.join(ngram_samples[:12])}")
        rows["held-out real"].append({**score(data.real_samples, ref, registry), "seconds": 0.0})
        print(f"seed {seed}: GAN {result.summary['steps']} steps in {gan_time:.0f}s; "
              f"GAN samples: {', '.join(gan[:12])}")

    def mean(name, key):
        return sum(r[key] for r in rows[name]) / len(rows[name])

    print(f"\ntext domain, bundled first names: {len(ref.train)} training names, {len(ref.heldout)} held-out, "
          f"{args.n} samples per model, seeds {args.seeds} (mean)")
    names = list(rows)
    print(f"{'metric':18s}" + "".join(f"{n:>22s}" for n in names))
    for key in METRICS + ["seconds"]:
        print(f"{key:18s}" + "".join(f"{mean(n, key):22.4f}" for n in names))
    gan, base = names[0], names[1]
    met = (mean(gan, "novelty") > mean(base, "novelty")
           and mean(gan, "ngram_precision") >= mean(base, "ngram_precision"))
    print(f"\ntarget (GAN novelty > 3-gram novelty at >= n-gram precision): {'MET' if met else 'NOT MET'} "
          f"(novelty {mean(gan, 'novelty'):.4f} vs {mean(base, 'novelty'):.4f}, "
          f"precision {mean(gan, 'ngram_precision'):.4f} vs {mean(base, 'ngram_precision'):.4f})")


if __name__ == "__main__":
    main()
