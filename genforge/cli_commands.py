"""The argument parser of ``genforge``: every command and argument with its help, default and
accepted values. Building it imports no plugin (``genforge --help`` answers at once)."""
from __future__ import annotations

from pathlib import Path

from genforge import cli
from genforge.cli_listing import add_listing_commands
from genforge.cli_parsing import GenforgeParser
from genforge.report.cli_commands import add_compare_parser, add_log_argument, add_report_parser
from genforge.threads import add_threads_argument

DESCRIPTION = """\
GANs for tables, molecules, images, text and any data a plugin brings.

a first session:
  genforge plugins                      installed plugins (no import)
  genforge models tabular               models and their options
  genforge train mixture --steps 500 --out runs/ring
  genforge sample runs/ring -n 1000 --out ring.csv
  genforge evaluate runs/ring
  genforge demo                         every domain's quick demo (~5 min on 2 cores)
"""
EPILOG = ("Plugins may add commands (`genforge plugins --check` lists them); `genforge COMMAND --help` "
          "describes any command. Exit status 2 means bad input; the message says what and where.")
QUIET_HELP = "no progress bar or progress lines (also GENFORGE_PROGRESS=0); results are still printed"


def _add_train(sub) -> None:
    p = sub.add_parser(
        "train", help="train a GAN into a run folder",
        description="Train a GAN of DOMAIN into the run folder --out (config, checkpoints, metrics log, "
                    "samples, plots). Unset options take the domain's defaults; `genforge train DOMAIN "
                    "--help` also lists the domain's own options.",
        epilog="examples:\n  genforge train mixture --dataset ring-8 --steps 500 --out runs/ring\n"
               "  genforge train tabular --dataset penguins --target species --epochs 300 --out runs/p")
    p.add_argument("domain", metavar="DOMAIN",
                   help="the kind of data: mixture (built in), or a plugin's (tabular, molecule, image, "
                        "text; `genforge plugins`)")
    p.add_argument("--dataset", metavar="NAME_OR_PATH",
                   help="a registered dataset name or a file/folder path (`genforge datasets DOMAIN` lists "
                        "names and file types); default: the domain's default dataset")
    p.add_argument("--model", metavar="NAME", help="a registered model (`genforge models DOMAIN`); "
                                                   "default: the domain's default model")
    p.add_argument("--loss", metavar="NAME",
                   help="GAN objective: minimax, non-saturating, least-squares, wgan-gp, hinge "
                        "(`genforge losses`); default: the domain's (non-saturating unless it says otherwise)")
    p.add_argument("--steps", type=int, metavar="N",
                   help="generator steps to train (every domain); default: the domain's train_defaults")
    p.add_argument("--epochs", type=float, metavar="E",
                   help="passes over the training data instead of --steps, converted to steps from the "
                        "data size and batch size (every domain); default: unset (steps are used)")
    p.add_argument("--batch-size", type=int, metavar="N", help="samples per batch; default: the domain's "
                                                               "(256 if it sets none)")
    p.add_argument("--seed", type=int, metavar="N", help="one seed for all randomness; default: 0")
    p.add_argument("--device", metavar="DEVICE",
                   help="auto (default: CUDA when present, else CPU), cpu, cuda, cuda:1")
    p.add_argument("--config", type=Path, metavar="FILE.toml",
                   help="TOML file of TrainConfig keys, [model] and [dataset] tables (README: Tune); "
                        "flags override it")
    p.add_argument("--option", action="append", metavar="KEY=VALUE",
                   help="a model option, value read as TOML (3, 0.5, true, [64, 64]); repeatable; "
                        "`genforge models DOMAIN` lists them with defaults")
    p.add_argument("--dataset-option", action="append", metavar="KEY=VALUE",
                   help="a dataset option, e.g. limit=500 (`genforge datasets DOMAIN` names them); repeatable")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --out from its newest good checkpoint (default: refuse a "
                        "folder that already holds a run)")
    p.add_argument("--quiet", action="store_true", help=QUIET_HELP)
    p.add_argument("--out", required=True, metavar="RUN_DIR", help="run folder to create (required)")
    add_threads_argument(p)
    add_log_argument(p)
    p.set_defaults(func=cli.cmd_train, registry=None)


def _add_sample_evaluate(sub) -> None:
    p = sub.add_parser(
        "sample", help="write samples from a trained run",
        description="Write N samples of a trained run to a file; prints what it wrote and the domain's "
                    "key figures (e.g. validity and rejects for molecules). An existing file is replaced "
                    "only once the new one is complete.",
        epilog="file types by domain (by --out's suffix):\n"
               "  mixture  .csv            tabular  .csv .parquet\n"
               "  molecule .smi .csv .sdf  image    .png (labelled grid) .npz DIR/ (one PNG each)\n"
               "  text     .txt")
    p.add_argument("run", metavar="RUN_DIR", help="a run folder written by `genforge train --out`")
    p.add_argument("-n", type=int, required=True, metavar="N", help="how many samples (required)")
    p.add_argument("--condition", action="append", metavar="KEY=VALUE",
                   help="condition the samples (tabular: COLUMN=VALUE; text: category=NAME; image: "
                        "label=CLASS; molecule: qed=0.55); repeatable; default: the training mix")
    p.add_argument("--seed", type=int, metavar="N", help="sampling seed; default: the run's seed "
                                                         "(same seed, same samples)")
    p.add_argument("--out", required=True, metavar="FILE",
                   help="output file; its suffix picks the format (see below)")
    add_threads_argument(p)
    p.set_defaults(func=cli.cmd_sample)

    p = sub.add_parser("evaluate", help="the domain's metrics and plots for a trained run",
                       description="Every metric of the run's domain on fresh samples against the "
                                   "reference data; writes evaluation.json and plots into the run folder.")
    p.add_argument("run", metavar="RUN_DIR", help="a run folder written by `genforge train --out`")
    p.add_argument("-n", type=int, metavar="N", help="samples to evaluate; default: the run's eval_samples")
    p.add_argument("--seed", type=int, metavar="N", help="sampling seed; default: the run's seed")
    p.add_argument("--json", action="store_true", help="machine-readable output (default: a table)")
    add_threads_argument(p)
    p.set_defaults(func=cli.cmd_evaluate)


def _add_demo(sub) -> None:
    p = sub.add_parser("demo", help="every installed domain's quick demo on bundled data (~5 min on 2 cores)",
                       description="A short training of each domain on bundled data; prints what each "
                                   "step does and what each output shows, writes pictures to --out.")
    p.add_argument("--out", default="demo-output", metavar="DIR", help="output folder (default: demo-output)")
    p.add_argument("--domains", metavar="A,B",
                   help="comma-separated subset, e.g. mixture,tabular (default: every installed domain)")
    p.add_argument("--seed", type=int, default=0, metavar="N", help="seed (default: 0)")
    p.add_argument("--jobs", type=int, metavar="N",
                   help="demos run at once, each in its own process on one thread (default: the cores, at most 2)")
    p.add_argument("--quiet", action="store_true", help=QUIET_HELP)
    p.set_defaults(func=cli.cmd_demo)


def _add_plugin_commands(sub) -> None:
    p = sub.add_parser("install", help="install plugins with pip into genforge's environment",
                       description="pip-install plugins, then load them; a plugin that does not load "
                                   "is uninstalled again.")
    p.add_argument("targets", nargs="+", metavar="NAME_OR_PATH",
                   help="a bundled plugin (tabular), a package folder or archive, or a package name")
    p.add_argument("-e", "--editable", action="store_true",
                   help="install a folder in editable mode (default: a regular install)")
    p.add_argument("--no-deps", action="store_true", help="do not install the plugin's dependencies")
    p.add_argument("--no-build-isolation", action="store_true", help="build with the installed setuptools")
    p.set_defaults(func=cli.cmd_install)
    p = sub.add_parser("uninstall", help="uninstall plugins (distribution, plugin or bundled name)")
    p.add_argument("names", nargs="+", metavar="NAME",
                   help="distribution (genforge-audio), entry-point (audio) or bundled plugin name")
    p.set_defaults(func=cli.cmd_uninstall)
    p = sub.add_parser("new-plugin", help="write a ready-to-install plugin package",
                       description="Write genforge-NAME/: pyproject with the entry point, a domain, a "
                                   "dataset, a model, a metric and conformance tests.")
    p.add_argument("name", metavar="NAME", help="plugin name, e.g. audio (package genforge-audio)")
    p.add_argument("--domain", metavar="DOMAIN", help="domain it registers (default: NAME)")
    p.add_argument("--dir", default=".", metavar="DIR", help="folder to create the package in (default: .)")
    p.set_defaults(func=cli.cmd_new_plugin)


def build_parser() -> GenforgeParser:
    parser = GenforgeParser(prog="genforge", description=DESCRIPTION, epilog=EPILOG)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=GenforgeParser)
    parser.subparsers = sub
    add_listing_commands(sub)
    _add_train(sub)
    _add_sample_evaluate(sub)
    _add_demo(sub)
    add_report_parser(sub)
    add_compare_parser(sub)
    _add_plugin_commands(sub)
    return parser
