"""A molecule run's samples, honest or steered, in a chemist's files: the molecule domain's options
of ``genforge sample`` (also the ``genforge molecule-sample`` command, the same options).

    genforge sample RUN -n 10000 --raw --out gen.smi      # exactly N lines, INVALID marks
    genforge sample RUN -n 100 --objective obj.toml --out top.csv --grid top.png
    genforge sample RUN -n 500 --exclude my_library.smi --out new.sdf --conformers

Every call prints raw validity (no repair), uniqueness and the rejected outputs by
reason. With ``--objective`` the run's samples are scored (at most the file's
``max_calls``, default ``--pool``), filtered against ``--exclude`` and the best ``n``
written, ranked, with every component's score.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from genforge.domain import CommandSpec
from genforge.errors import UserInputError
from genforge_molecule.samples import MoleculeSamples
from genforge_molecule.sample_stream import SampleTally, tallied


def add_arguments(parser: Any) -> None:
    parser.add_argument("run", help="a molecule run folder (genforge train molecule ... --out RUN)")
    parser.add_argument("-n", type=int, required=True, help="molecules to write (with --objective: the best n)")
    parser.add_argument("--out", required=True, type=Path, help=".smi, .csv, .parquet or .sdf")
    parser.add_argument("--seed", type=int)
    add_domain_arguments(parser)


#: the options that make ``genforge sample`` of a molecule run take this module's path
DOMAIN_OPTIONS = ("raw", "objective", "pool", "exclude", "grid", "conformers")


def add_domain_arguments(parser: Any) -> None:
    """The options beyond ``RUN -n N --out FILE --seed S`` (``genforge sample`` adds these for a
    molecule run)."""
    parser.add_argument("--raw", action="store_true",
                        help="write exactly n lines, one per generated output in order, INVALID where the "
                             "output is not a valid molecule as generated (no repair); .smi only")
    parser.add_argument("--objective", type=Path, help="TOML objective file ([[components]], max_calls)")
    parser.add_argument("--pool", type=int, help="molecules to generate and score with --objective (default 10 n)")
    parser.add_argument("--exclude", type=Path, help="your library (.smi/.csv/.sdf): its molecules are not written")
    parser.add_argument("--grid", type=Path, help="also draw the first 24 molecules to this PNG")
    parser.add_argument("--conformers", action="store_true", help=".sdf: 3-D conformers (RDKit ETKDG + MMFF)")


def sample_command(args: Any) -> int | None:
    """``genforge sample`` of a molecule run with any of :data:`DOMAIN_OPTIONS`: :func:`run_sample`;
    ``None`` (the core's path) without them."""
    if not any(getattr(args, name, None) for name in DOMAIN_OPTIONS):
        return None
    if getattr(args, "condition", None):
        raise UserInputError("--condition does not combine with --raw/--objective/--exclude/--grid/--conformers; "
                             "steer with --objective instead")
    args.out = Path(args.out)
    return run_sample(args)


def describe(samples: MoleculeSamples) -> list[str]:
    """Raw validity, uniqueness and rejects by reason, as printed lines."""
    tally = SampleTally()
    tally.add(samples)
    return tally.lines()


def write_raw(chunks: Iterable[MoleculeSamples], path: Path) -> int:
    """Each chunk's ``raw_lines()`` to ``path`` as it comes (temporary name, then renamed);
    returns the line count."""
    from genforge.output_files import atomic_open

    count = 0
    with atomic_open(Path(path), "w") as handle:
        for chunk in chunks:
            lines = chunk.raw_lines()
            handle.writelines(line + "\n" for line in lines)
            count += len(lines)
    return count


def run_sample(args: Any) -> int:
    from genforge import TrainedGAN
    from genforge_molecule.candidates import candidate_table, rank, read_library, write_grid, write_table

    if args.n <= 0:
        raise UserInputError(f"-n must be positive, got {args.n}")
    if args.out.parent and not args.out.parent.exists():
        raise UserInputError(f"{args.out}: folder {args.out.parent} does not exist")
    if args.raw and (args.objective or args.out.suffix.lower() not in (".smi", ".txt")):
        raise UserInputError("--raw writes every output in order as .smi lines; it takes no --objective "
                             "and needs --out FILE.smi")
    exclude = read_library(args.exclude) if args.exclude else set()
    objective = None
    if args.objective:
        from genforge_molecule.objectives import read_objective
        objective = read_objective(args.objective)
    run = TrainedGAN.load(Path(args.run), domain="molecule")
    if args.raw:  # streamed: bounded memory for any n
        tally = SampleTally()
        written = write_raw(tallied(run.sample_chunks(args.n, seed=args.seed), tally, args.n), args.out)
        for line in tally.lines():
            print(line)
        print(f"wrote {written} lines to {args.out}")
        return 0
    count = args.n if objective is None else (objective.max_calls or args.pool or 10 * args.n)
    samples = run.sample(count, seed=args.seed)
    for line in describe(samples):
        print(line)
    distinct = [s for s in dict.fromkeys(samples.valid) if s not in exclude]
    if exclude:
        print(f"  {len(set(samples.valid)) - len(distinct)} distinct molecules left out: in {args.exclude}")
    scores = None
    if objective is not None:
        scored = objective.score(distinct)
        distinct, scores = rank(distinct, scored, args.n)
        print(f"  scoring calls used: {objective.calls}" + (f" of max_calls {objective.max_calls}"
                                                            if objective.max_calls else ""))
    else:
        distinct = distinct[: args.n]
    if not distinct:
        raise UserInputError("no molecule left to write (all invalid, excluded or unscored)")
    table = candidate_table(distinct, scores, exclude)
    if args.out.suffix.lower() in (".smi", ".txt"):
        from genforge.output_files import write_text

        write_text(args.out, "".join(f"{s} {name}\n" for s, name in zip(table["smiles"], table["name"])))
    else:
        write_table(table, args.out, conformers=args.conformers, seed=run.config.seed)
    print(f"wrote {len(table)} molecules to {args.out}"
          + (f" (best {len(table)} by {args.objective}, ranked)" if objective is not None else ""))
    if args.grid:
        print(f"drew {min(24, len(table))} molecules to {write_grid(table, args.grid)}")
    return 0


COMMAND = CommandSpec("molecule-sample", "molecule samples: --raw lines, --objective ranking, chemist's files",
                      add_arguments, run_sample)
