"""The ``report`` and ``compare`` subcommands and the training ``--log`` flag, for genforge.cli.

Wired in :mod:`genforge.cli_commands` (the parsers, the train parser's ``--log``) and
:func:`genforge.cli.cmd_train` (``apply_log_argument`` before training).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from genforge.builtin.tracking_selection import TRACKERS, enable_tracking
from genforge.threads import add_threads_argument


def cmd_report(args) -> int:
    from genforge.cli_parsing import registry_for, run_domain
    from genforge.report.builder import build_report

    registry = registry_for(run_domain(args.run))

    path = build_report(Path(args.run), args.out, n=args.n, seed=args.seed, registry=registry)
    print(f"wrote {path}")
    return 0


def cmd_compare(args) -> int:
    from genforge.cli_parsing import registry_for
    from genforge.report.compare import compare_runs

    registry = registry_for(None)

    text, path = compare_runs([Path(r) for r in args.runs], args.out, n=args.n, seed=args.seed, registry=registry)
    print(text)
    if path is not None:
        print(f"wrote {path}")
    return 0


def _sampling_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-n", type=int, help="samples to draw (default: the run's eval_samples)")
    parser.add_argument("--seed", type=int, help="sampling seed (default: the run's seed)")
    add_threads_argument(parser)


def add_report_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("report", help="one self-contained HTML report of a run folder")
    p.add_argument("run", help="a run folder (from `genforge train --out`)")
    p.add_argument("--out", type=Path, help="HTML file to write (default: RUN/report.html)")
    _sampling_arguments(p)
    p.set_defaults(func=cmd_report)
    return p


def add_compare_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("compare", help="the metrics of several runs side by side")
    p.add_argument("runs", nargs="+", metavar="RUN")
    p.add_argument("--out", type=Path, help="also write the comparison as an HTML file")
    _sampling_arguments(p)
    p.set_defaults(func=cmd_compare)
    return p


def add_log_argument(parser: argparse.ArgumentParser) -> None:
    """``--log tensorboard|mlflow`` (repeatable) and ``--tracking-uri`` on the train parser."""
    parser.add_argument("--log", action="append", choices=TRACKERS, default=[],
                        help="also log to an experiment tracker (needs genforge[tensorboard] / genforge[mlflow]); "
                             "repeatable")
    parser.add_argument("--tracking-uri", help="MLflow tracking URI (default: a local mlruns/ folder)")


def apply_log_argument(args) -> None:
    """Turn on the trackers ``--log`` asked for (call before training)."""
    if getattr(args, "log", None):
        enable_tracking(args.log, getattr(args, "tracking_uri", None))
