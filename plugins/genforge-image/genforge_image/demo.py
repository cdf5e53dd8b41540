"""``genforge demo`` for images: a short class-conditional run on digits and a labelled grid.

Tuned for a short run (measured, 700 steps on 2 busy cores): a light auxiliary-classifier term
(ac_weight 0.3), lr 1e-3 and a short generator EMA (0.98; the default 0.995 still carries the
initial weights after a few hundred steps) give class accuracy 1.00 and CAS 0.82 (real 0.96),
where the defaults at 1,000 steps gave 0.54 / 0.61.
"""
from __future__ import annotations

from pathlib import Path

DEMO_STEPS = 700
DEMO_CONFIG = {"dataset": "digits", "steps": DEMO_STEPS, "batch_size": 64, "lr_g": 1e-3, "lr_d": 1e-3,
               "ema_decay": 0.98, "eval_samples": 500, "model_options": {"ac_weight": 0.3}}


def run_demo(out_dir: Path, seed: int) -> list[str]:
    from genforge import make_config, train

    out_dir = Path(out_dir)
    config = make_config("image", {**DEMO_CONFIG, "seed": seed})
    result = train(config, out_dir / "digits", report=lambda line: None)
    m = result.summary["metrics"]
    grid = out_dir / "digits" / "samples.png"
    return [f"digits: {result.summary['steps']} steps in {result.summary['wall_time']:.0f}s; "
            f"class accuracy {m['class_accuracy']:.2f} (real {m['class_accuracy_real']:.2f}), "
            f"CAS {m['cas']:.2f} (real {m['cas_real']:.2f}), classifier-feature FID "
            f"{m['classifier_fid']:.2f} (real-vs-real {m['classifier_fid_real']:.2f})",
            "  class accuracy: share of generated digits the plugin's own classifier reads as the digit "
            "asked for; CAS: accuracy on real digits of a classifier trained on generated ones",
            f"labelled sample grid {grid}: one row per digit 0-9, each 8x8 image drawn square"]
