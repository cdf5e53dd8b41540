"""The molecule part of ``genforge demo``: brief training on the bundled QM9 sample.

Why QM9 and not drug-like MOSES molecules: ``latentgan`` on a 5,000-molecule MOSES subset
(autoencoder 300 steps, GAN 500 steps) took 12 min on 2 busy cores (1.3 min of it featurising)
and drew molecules that do not look drug-like (MOSES filters 0.31 against 0.97 for LatentGAN's
published run, held-out reconstruction 0.00, odd macrocycles); a fair MOSES run takes about an
hour (``benchmarks/molecule_moses.py``), far over the demo's minute.
"""
from __future__ import annotations

from pathlib import Path


WHY_QM9 = ("why small QM9 molecules (up to 9 heavy atoms), not drug-like ones: the drug-like model (latentgan on "
           "MOSES) needs about an hour to train well (benchmarks/molecule_moses.py); a 12-minute try drew molecules "
           "only 31% of which pass the MOSES filters")


def run_demo(out_dir: Path, seed: int, steps: int = 200) -> list[str]:
    from genforge import make_config, train
    from genforge_molecule import metrics as M
    from genforge_molecule.plugin import DOMAIN

    out_dir.mkdir(parents=True, exist_ok=True)
    config = make_config("molecule", {"dataset": "qm9-sample", "steps": steps, "batch_size": 64, "seed": seed,
                                      "eval_samples": 1000, "ema_decay": 0.0,  # 200 steps: too few to average
                                      "lr_g": 1e-3, "lr_d": 1e-3,
                                      # the diversity term: 39% unique instead of 13% at the same
                                      # raw validity (65% vs 63%; one measured run each, seed 0)
                                      "model_options": {"reward": "validity", "diversity": 0.5}})
    result = train(config, out_dir / "run", report=lambda line: None)
    samples = result.trainer.sample(1000, seed=seed)
    csv_path = out_dir / "candidates.csv"
    DOMAIN.write_samples([samples], csv_path)
    grid = DOMAIN.report(samples, result.data.reference, out_dir)
    m = {"validity": M.validity(samples), "raw": M.raw_validity(samples), "unique": M.uniqueness(samples),
         "novel": M.novelty(samples, result.data.reference.train_smiles)}
    return [f"{steps} steps on 1,800 QM9 molecules in {result.summary['wall_time']:.0f}s: "
            f"{100 * m['validity']:.1f}% valid ({100 * m['raw']:.1f}% raw), {100 * m['unique']:.1f}% unique, "
            f"{100 * m['novel']:.1f}% novel",
            f"candidates {csv_path}: one generated molecule a row (SMILES) with its drug-likeness QED "
            "(0-1, higher is more drug-like), synthetic accessibility SA (1 easy - 10 hard) and logP",
            f"grid {grid[0] if grid else 'none'}: RDKit drawings of generated molecules",
            WHY_QM9]
