"""The ``genforge`` command; it mirrors the Python API.

User mistakes print one clear line and exit with status 2, never a traceback.
Plugins add subcommands through the ``register_commands`` hook.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

from genforge.errors import GenforgeError, UserInputError
from genforge.plugins import Registry, get_registry
from genforge.report.cli_commands import add_compare_parser, add_log_argument, add_report_parser, apply_log_argument


def parse_conditions(pairs: Sequence[str] | None, flag: str = "--condition") -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UserInputError(f"{flag} {pair!r}: expected KEY=VALUE")
        out[key.strip()] = value.strip()
    return out


def parse_options(pairs: Sequence[str] | None, flag: str) -> dict[str, Any]:
    """``KEY=VALUE`` pairs whose values are read as TOML (``3``, ``0.5``, ``true``, ``[64, 64]``),
    falling back to the plain string (``target=species``)."""
    import tomllib

    out: dict[str, Any] = {}
    for key, text in parse_conditions(pairs, flag).items():
        try:
            out[key] = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            out[key] = text
    return out


# -- listing ---------------------------------------------------------------------------
def cmd_plugins(args, registry: Registry) -> int:
    rows = [{"name": p.name, "version": p.version, "location": p.location, "builtin": p.builtin,
             "registers": p.registered} for p in registry.plugins.values()]
    broken = [{"name": b.name, "version": b.version, "error": b.error, "hint": b.hint}
              for b in registry.broken]
    if args.json:
        print(json.dumps({"plugins": rows, "broken": broken, "clashes": registry.clashes}, indent=2))
        return 0
    for row in rows:
        if row["builtin"] and not args.all:
            continue
        print(f"{row['name']} {row['version']}  ({row['location']})")
        for kind, names in sorted(row["registers"].items()):
            print(f"  {kind}: {', '.join(names)}")
    if not args.all:
        builtins = [r for r in rows if r["builtin"]]
        print(f"(+{len(builtins)} built-in: "
              f"{', '.join(r['name'].split('.', 1)[1] for r in builtins)}; --all lists them)")
    for b in broken:
        print(f"BROKEN {b['name']} {b['version']}: {b['error']}")
        if b["hint"]:
            print(f"  hint: {b['hint']}")
    for clash in registry.clashes:
        print(f"CLASH {clash}")
    return 0


def _listing(table: dict, domain: str | None, registry: Registry, describe) -> int:
    if domain:
        registry.domain(domain)
    for (dom, name), spec in sorted(table.items()):
        if domain is None or dom == domain:
            print(f"{dom:10s} {name:22s} {describe(spec)}")
    return 0


def cmd_datasets(args, registry):
    return _listing(registry.datasets, args.domain, registry,
                    lambda s: (f"[files: {' '.join(s.suffixes)}] " if s.suffixes else "") + s.description)


def cmd_models(args, registry):
    return _listing(registry.models, args.domain, registry, lambda s: s.description)


def cmd_metrics(args, registry):
    def describe(s):
        lo, hi = s.bounds
        rng = f"[{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}]"
        return f"{'higher' if s.higher_is_better else 'lower'} is better {rng}  {s.description}"
    return _listing(registry.metrics, args.domain, registry, describe)


def cmd_losses(args, registry):
    for name, spec in sorted(registry.losses.items()):
        print(f"{name:16s} {spec.description}")
    return 0


# -- training, sampling, evaluation ---------------------------------------------------------
def cmd_train(args, registry) -> int:
    from genforge.training import CONFIG_FILE, layer_overrides, make_config, train
    from genforge.config import TrainConfig
    from genforge.engine.distributed import shutdown

    overrides: dict[str, Any] = {"dataset": args.dataset, "model": args.model, "loss": args.loss,
                                 "steps": args.steps, "epochs": args.epochs, "seed": args.seed,
                                 "batch_size": args.batch_size, "device": args.device,
                                 "model_options": parse_options(args.option, "--option"),
                                 "dataset_options": parse_options(args.dataset_option, "--dataset-option")}
    if args.target is not None:
        overrides["dataset_options"]["target"] = args.target
    if args.resume and (Path(args.out) / CONFIG_FILE).is_file() and args.config is None:
        saved = json.loads((Path(args.out) / CONFIG_FILE).read_text(encoding="utf-8"))
        layer_overrides(saved, overrides)
        config = TrainConfig.from_dict(saved, source=str(Path(args.out) / CONFIG_FILE))
    else:
        config = make_config(args.domain, overrides, args.config, registry)
    if config.domain != args.domain:
        raise UserInputError(f"--resume: {args.out} is a {config.domain!r} run, not {args.domain!r}")
    apply_log_argument(args)
    result = train(config, Path(args.out), resume=args.resume, registry=registry)
    result.trainer.unwrap_distributed()
    shutdown()  # no barrier on failure: a rank that raised must not wait for its peers
    summary = result.summary
    print(f"trained {summary['steps']} steps in {summary['wall_time']:.1f}s"
          + (" (stopped early)" if summary["stopped_early"] else "") + f"; run folder {args.out}")
    for name, value in summary["metrics"].items():
        print(f"  {name}: {value:.4g}")
    return 0


def cmd_sample(args, registry) -> int:
    from genforge.runs import Run

    if args.n <= 0:
        raise UserInputError(f"-n must be positive, got {args.n}")
    conditions = parse_conditions(args.condition)
    run = Run(Path(args.run), registry)
    count = run.sample_to(Path(args.out), args.n, conditions, args.seed)
    print(f"wrote {count} samples to {args.out}")
    return 0


def cmd_evaluate(args, registry) -> int:
    from genforge.runs import Run

    run = Run(Path(args.run), registry)
    metrics = run.evaluate(args.n, args.seed)
    if args.json:
        print(json.dumps({"run": str(run.path), "step": run.step, "metrics": metrics}))
        return 0
    print(f"{run.path} (domain {run.config.domain}, step {run.step})")
    specs = {m.name: m for m in registry.metrics_for(run.config.domain)}
    for name, value in metrics.items():
        spec = specs.get(name)
        arrow = "" if spec is None else (" (higher is better)" if spec.higher_is_better else " (lower is better)")
        print(f"  {name:28s} {value:.4g}{arrow}")
    return 0


def cmd_demo(args, registry) -> int:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    domains = args.domains.split(",") if args.domains else sorted(registry.domains)
    lines = []
    for name in domains:
        domain = registry.domain(name)
        print(f"== demo: {name} ==", flush=True)
        for line in domain.demo(out / name, args.seed):
            lines.append(f"[{name}] {line}")
            print(f"  {line}", flush=True)
    print(f"\ndemo results in {out}/:")
    print("\n".join(lines))
    return 0


def cmd_install(args, registry) -> int:
    from genforge.plugin_install import install

    options = [flag for flag, on in (("--no-deps", args.no_deps),
                                     ("--no-build-isolation", args.no_build_isolation)) if on]
    print("\n".join(install(args.targets, editable=args.editable, pip_options=options)))
    return 0


def cmd_uninstall(args, registry) -> int:
    from genforge.plugin_install import uninstall

    print("\n".join(uninstall(args.names)))
    return 0


def cmd_new_plugin(args, registry) -> int:
    from genforge.plugin_scaffold import new_plugin

    folder = new_plugin(args.name, domain=args.domain, parent=Path(args.dir))
    print(f"wrote {folder}; next: genforge install {folder} && pytest {folder / 'tests'}")
    return 0


def _add_plugin_commands(sub) -> None:
    p = sub.add_parser("install", help="install plugins with pip into genforge's environment")
    p.add_argument("targets", nargs="+", metavar="NAME_OR_PATH",
                   help="a bundled plugin (tabular), a package folder or archive, or a package name")
    p.add_argument("-e", "--editable", action="store_true", help="install a folder in editable mode")
    p.add_argument("--no-deps", action="store_true", help="do not install the plugin's dependencies")
    p.add_argument("--no-build-isolation", action="store_true", help="build with the installed setuptools")
    p.set_defaults(func=cmd_install)
    p = sub.add_parser("uninstall", help="uninstall plugins (distribution, plugin or bundled name)")
    p.add_argument("names", nargs="+", metavar="NAME")
    p.set_defaults(func=cmd_uninstall)
    p = sub.add_parser("new-plugin", help="write a ready-to-install plugin package")
    p.add_argument("name", help="plugin name, e.g. audio (package genforge-audio)")
    p.add_argument("--domain", help="domain it registers (default: the name)")
    p.add_argument("--dir", default=".", help="folder to create the package in (default: .)")
    p.set_defaults(func=cmd_new_plugin)


def build_parser(registry: Registry) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="genforge", description="GANs for tables, molecules, "
                                     "images and any data a plugin brings.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("plugins", help="installed plugins, what they register, broken ones")
    p.add_argument("--json", action="store_true")
    p.add_argument("--all", action="store_true", help="include the built-in plugins")
    p.set_defaults(func=cmd_plugins)
    for name, func in (("datasets", cmd_datasets), ("models", cmd_models), ("metrics", cmd_metrics)):
        p = sub.add_parser(name, help=f"registered {name}, optionally of one domain")
        p.add_argument("domain", nargs="?")
        p.set_defaults(func=func)
    sub.add_parser("losses", help="registered GAN objectives").set_defaults(func=cmd_losses)

    p = sub.add_parser("train", help="train a GAN into a run folder")
    p.add_argument("domain")
    p.add_argument("--dataset", help="a registered dataset name or a file/folder path")
    p.add_argument("--model")
    p.add_argument("--loss")
    p.add_argument("--steps", type=int)
    p.add_argument("--epochs", type=float)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--device", help="auto (default), cpu, cuda, cuda:1")
    p.add_argument("--config", type=Path, help="TOML file of TrainConfig keys, [model] and [dataset] tables")
    p.add_argument("--option", action="append", metavar="KEY=VALUE",
                   help="a model option (see `genforge models DOMAIN`); repeatable")
    p.add_argument("--dataset-option", action="append", metavar="KEY=VALUE",
                   help="a dataset option, e.g. limit=500; repeatable")
    p.add_argument("--target", metavar="COLUMN", help="shorthand for --dataset-option target=COLUMN")
    p.add_argument("--resume", action="store_true", help="continue from the run's newest good checkpoint")
    p.add_argument("--out", required=True)
    add_log_argument(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("sample", help="write samples from a trained run")
    p.add_argument("run")
    p.add_argument("-n", type=int, required=True)
    p.add_argument("--condition", action="append", metavar="KEY=VALUE")
    p.add_argument("--seed", type=int)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("evaluate", help="the domain's metrics and plots for a trained run")
    p.add_argument("run")
    p.add_argument("-n", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("demo", help="every installed domain's quick demo on bundled data")
    p.add_argument("--out", default="demo-output")
    p.add_argument("--domains", help="comma-separated subset")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_demo)

    add_report_parser(sub)
    add_compare_parser(sub)
    _add_plugin_commands(sub)
    for command in registry.commands.values():
        p = sub.add_parser(command.name, help=command.help)
        command.add_arguments(p)
        p.set_defaults(func=lambda args, reg, _c=command: _c.run(args))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    registry = get_registry()
    parser = build_parser(registry)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args, registry) or 0)
    except GenforgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return getattr(exc, "exit_status", 1)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
