"""``genforge demo`` for images: a short class-conditional run on digits and a labelled grid."""
from __future__ import annotations

from pathlib import Path

DEMO_STEPS = 1000


def run_demo(out_dir: Path, seed: int) -> list[str]:
    from genforge import make_config, train

    out_dir = Path(out_dir)
    config = make_config("image", {"dataset": "digits", "steps": DEMO_STEPS, "seed": seed,
                                   "eval_samples": 500})
    result = train(config, out_dir / "digits", report=lambda line: None)
    m = result.summary["metrics"]
    grid = out_dir / "digits" / "samples.png"
    return [f"digits: {result.summary['steps']} steps in {result.summary['wall_time']:.0f}s; "
            f"class accuracy {m['class_accuracy']:.2f} (real {m['class_accuracy_real']:.2f}), "
            f"CAS {m['cas']:.2f} (real {m['cas_real']:.2f}), classifier-feature FID "
            f"{m['classifier_fid']:.2f} (real-vs-real {m['classifier_fid_real']:.2f}); "
            f"labelled sample grid {grid}"]
