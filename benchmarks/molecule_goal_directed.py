"""GuacaMol goal-directed tasks: latent-space optimisation of a trained latent GAN vs virtual screening.

    .venv/bin/python benchmarks/molecule_goal_directed.py --run RUN [--calls 10000] [--screen all|N]

RUN is a ``latentgan`` molecule run (e.g. ``genforge train molecule --dataset moses --model
latentgan --out RUN``). Each task is scored with the ``guacamol`` package's own scoring
function and its own top-1/10/100 aggregation (``GoalDirectedBenchmark.assess_model``).
Ours: :func:`~genforge_molecule.objectives.latent_optimizer.optimize_latent` with at most
``--calls`` distinct molecules scored (counted by guacamol's own wrapper too, printed).
Baseline: screening the MOSES training set (``--screen all``: all 1,584,663 molecules, or
the first N) with the same scoring function and keeping the best 100 (what a chemist would
try first; ``molecule_screening.py`` scores and caches it, its calls are not ours), and
Graph GA's published scores. guacamol 0.5.5 is imported with ``--no-deps`` (see
``molecule_screening.import_guacamol``).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from molecule_screening import TASKS, best, import_guacamol, moses_train, screen  # noqa: E402

#: Graph GA in the GuacaMol paper (Brown et al. 2019, Table 2), far more than 10,000 calls
GRAPH_GA = {"Osimertinib MPO": 0.953, "Fexofenadine MPO": 0.998, "Ranolazine MPO": 0.920,
            "Perindopril MPO": 0.792, "Amlodipine MPO": 0.894, "Sitagliptin MPO": 0.891,
            "Zaleplon MPO": 0.754, "Valsartan SMARTS": 0.990, "Deco Hop": 1.000, "Scaffold Hop": 1.000}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", type=Path, required=True)
    ap.add_argument("--calls", type=int, default=10_000)
    ap.add_argument("--screen", default="all", help="MOSES training molecules screened: all or a number")
    ap.add_argument("--tasks", default=",".join(TASKS))
    ap.add_argument("--workers", type=int, default=2, help="processes for the screening")
    ap.add_argument("--space", default="code", choices=("code", "noise"),
                    help="search the autoencoder's code space (default) or the generator's noise")
    ap.add_argument("--decode", choices=("greedy", "sample"), default="greedy")
    # the defaults: the best of the settings tried on perindopril and amlodipine (plugin README)
    ap.add_argument("--rank-bias", type=float, default=3.0)
    ap.add_argument("--population", type=int, default=100)
    ap.add_argument("--elites", type=int, default=30)
    ap.add_argument("--sigma", type=float, default=0.1, help="mutation step (codes: in [-1, 1])")
    ap.add_argument("--no-screen", action="store_true", help="ours only")
    args = ap.parse_args()
    torch.set_num_threads(1)
    standard, GoalDirectedGenerator = import_guacamol()
    from genforge.runs import Run
    from genforge_molecule.latentgan import training_codes
    from genforge_molecule.objectives.components import Component
    from genforge_molecule.objectives.latent_optimizer import code_space, noise_space, optimize_latent
    from genforge_molecule.objectives.scoring import ScoringFunction

    run = Run(args.run)
    run.schema.latent.sample = args.decode == "sample"

    @torch.no_grad()
    def generate(z: torch.Tensor) -> torch.Tensor:
        return run.model.generate(z.to(run.device)).cpu()

    def decode_codes(codes: torch.Tensor) -> list[str | None]:
        return run.domain.decode(codes, run.schema).smiles

    space = (code_space if args.space == "code" else noise_space)(generate, run.model.latent_dim, decode_codes)
    settings = {k: getattr(args, k) for k in ("population", "elites", "sigma", "rank_bias")}

    class LatentOptimizer(GoalDirectedGenerator):
        def generate_optimized_molecules(self, scoring_function, number_molecules, starting_population=None):
            component = Component("guacamol", "python", 1.0, lambda mols, smiles: scoring_function.score_list(smiles))
            objective = ScoringFunction([component], max_calls=args.calls)
            self.cpu = time.process_time()
            seeds = None
            if starting_population and args.space == "code":  # the task's starting molecules, encoded
                seeds = training_codes(run.schema.latent, list(starting_population))
            result = optimize_latent(space, objective, args.calls, seed=0, seeds=seeds, **settings)
            self.cpu = time.process_time() - self.cpu
            self.calls, self.generations = result.calls, result.generations
            return result.smiles[:number_molecules]

    names = args.tasks.split(",")
    screened = {}
    if not args.no_screen:
        smiles = moses_train(None if args.screen == "all" else int(args.screen))
        started = time.perf_counter()
        scores = screen(names, smiles, args.workers, lambda line: print(line, flush=True))
        print(f"screening: {len(smiles):,} MOSES training molecules x {len(names)} tasks "
              f"({time.perf_counter() - started:.0f} s wall, cached in benchmarks/.cache/)", flush=True)
        screened = {t: [smiles[k] for k in best(v)] for t, v in scores.items()}

    class Screening(GoalDirectedGenerator):
        def __init__(self, best: list[str]):
            self.best = best

        def generate_optimized_molecules(self, scoring_function, number_molecules, starting_population=None):
            return self.best[:number_molecules]

    print(f"run {args.run}; ours: {args.space} space, {'sampled' if run.schema.latent.sample else 'greedy'} decoding, at most {args.calls:,} scoring calls per task, "
          f"settings {settings}")
    print(f"{'task':22s} {'ours':>6s} {'calls':>7s} {'gens':>5s} {'screen':>7s} {'GraphGA':>8s}  "
          "ours top-1/10/100   screen top-1/10/100   ours CPU-s")
    wins = 0
    for name in names:
        ours_gen = LatentOptimizer()
        ours = getattr(standard, name)().assess_model(ours_gen)
        base = getattr(standard, name)().assess_model(Screening(screened[name])) if name in screened else None
        wins += base is not None and ours.score > base.score
        ref = GRAPH_GA.get(ours.benchmark_name)

        def tops(result) -> str:
            return "/".join(f"{result.metadata[f'top_{k}']:.3f}" for k in (1, 10, 100))

        print(f"{ours.benchmark_name:22s} {ours.score:6.3f} {ours.number_scoring_function_calls:7d} "
              f"{ours_gen.generations:5d} {'' if base is None else f'{base.score:7.3f}'} "
              f"{'' if ref is None else f'{ref:8.3f}'}  {tops(ours)}  "
              f"{'' if base is None else tops(base)}  {ours_gen.cpu:.0f}", flush=True)
    if screened:
        print(f"ours beats screening on {wins} of {len(names)} tasks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
