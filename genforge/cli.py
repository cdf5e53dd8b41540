"""The ``genforge`` command; it mirrors the Python API.

User mistakes print one clear line and exit with status 2, never a traceback. Nothing heavy is
imported before argparse runs: ``--help`` loads no plugin, and a command on one domain loads only
that domain's plugin (see :func:`genforge.cli_parsing.registry_for`). Plugins add subcommands
through the ``register_commands`` hook and ``genforge train DOMAIN`` options through
``Domain.add_train_arguments``.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Sequence

from genforge.cli_parsing import GenforgeParser, command_of, first_positional, registry_for, run_domain
from genforge.errors import GenforgeError, UserInputError
from genforge.suggestions import did_you_mean

#: ``genforge sample`` computes the domain's summary figures on at most this many samples
SUMMARY_LIMIT = 100_000


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


def _quiet(args) -> None:
    if getattr(args, "quiet", False):
        os.environ["GENFORGE_PROGRESS"] = "0"


# -- training, sampling, evaluation ---------------------------------------------------------
def _check_names(args, registry, options: dict[str, Any]) -> None:
    """Unknown domain, model, loss, dataset or model option: refused with the closest match
    before any data is loaded."""
    domain = registry.domain(args.domain)
    if args.model is not None:
        registry.model(args.domain, args.model)
    if args.loss is not None:
        registry.loss(args.loss)
    if args.dataset:
        registry.dataset(args.domain, args.dataset)
    spec = registry.models.get((args.domain, args.model or domain.default_model))
    for key in options:
        if spec is not None and key not in spec.defaults:
            raise UserInputError(f"model {spec.name!r} has no option {key!r}"
                                 f"{did_you_mean(key, spec.defaults) or ';'} its options: "
                                 f"{', '.join(sorted(spec.defaults)) or 'none'} (`genforge models "
                                 f"{args.domain}` describes them)")


def cmd_train(args) -> int:
    from genforge.config import TrainConfig
    from genforge.engine.distributed import shutdown
    from genforge.training import CONFIG_FILE, layer_overrides, make_config, train

    registry = args.registry or registry_for(args.domain)
    options = parse_options(args.option, "--option")
    _check_names(args, registry, options)
    domain = registry.domain(args.domain)
    overrides: dict[str, Any] = {"dataset": args.dataset, "model": args.model, "loss": args.loss,
                                 "steps": args.steps, "epochs": args.epochs, "seed": args.seed,
                                 "batch_size": args.batch_size, "device": args.device,
                                 "model_options": options,
                                 "dataset_options": parse_options(args.dataset_option, "--dataset-option")}
    for key, value in domain.train_overrides(args).items():
        if isinstance(value, dict):
            overrides[key] = {**(overrides.get(key) or {}), **value}
        elif value is not None:
            overrides[key] = value
    if args.resume and (Path(args.out) / CONFIG_FILE).is_file() and args.config is None:
        saved = json.loads((Path(args.out) / CONFIG_FILE).read_text(encoding="utf-8"))
        layer_overrides(saved, overrides)
        config = TrainConfig.from_dict(saved, source=str(Path(args.out) / CONFIG_FILE))
    else:
        config = make_config(args.domain, overrides, args.config, registry)
    if config.domain != args.domain:
        raise UserInputError(f"--resume: {args.out} is a {config.domain!r} run, not {args.domain!r}")
    _quiet(args)
    from genforge.report.cli_commands import apply_log_argument

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


def cmd_sample(args) -> int:
    from genforge.output_files import OutputWriteError, check_target
    from genforge.runs import Run

    if args.n <= 0:
        raise UserInputError(f"-n must be positive, got {args.n}")
    conditions = parse_conditions(args.condition)
    out = Path(args.out)
    if not out.is_dir():  # a folder is a valid output of some domains (images): checked below
        check_target(out)
    started = time.perf_counter()
    name = run_domain(args.run)
    registry = registry_for(name)
    domain = registry.domains.get(name) if name is not None else None
    handled = domain.sample_command(args) if domain is not None else None
    if handled is not None:  # one of the domain's own sample options (e.g. molecule --objective)
        return handled
    run = Run(Path(args.run), registry)
    if out.is_dir() and not run.domain.sample_folders:
        raise OutputWriteError(out, f"it is a directory; give a file name (e.g. {out / ('samples' + run.domain.sample_suffix)})")
    kept: list[Any] = []

    def keeping(chunks):
        seen = 0
        for chunk in chunks:
            if seen < SUMMARY_LIMIT:
                kept.append(chunk)
                seen += len(chunk)
            yield chunk

    chunks = run.sample_chunks(args.n, conditions, args.seed)
    count = run.domain.write_samples(keeping(chunks), out)
    print(f"wrote {count} samples to {out} (domain {run.config.domain}, run {run.path} at step {run.step}: "
          f"{run.checkpoint_path.name}, "
          f"seed {run.config.seed if args.seed is None else args.seed}) in {time.perf_counter() - started:.1f}s")
    if kept:
        summary = run.domain.sample_summary(run.domain.concat(kept), run.schema)
        scope = f" (first {sum(map(len, kept)):,} samples)" if args.n > SUMMARY_LIMIT else ""
        for i, line in enumerate(summary):
            print(f"  {line}{scope if i == 0 else ''}")
    return 0


def cmd_evaluate(args) -> int:
    from genforge.runs import Run

    registry = registry_for(run_domain(args.run))
    run = Run(Path(args.run), registry)
    metrics = run.evaluate(args.n, args.seed)
    if args.json:
        print(json.dumps({"run": str(run.path), "step": run.step, "metrics": metrics,
                          "report": run.report_lines}))
        return 0
    print(f"{run.path} (domain {run.config.domain}, step {run.step})")
    specs = {m.name: m for m in registry.metrics_for(run.config.domain)}
    for name, value in metrics.items():
        spec = specs.get(name)
        arrow = "" if spec is None else (" (higher is better)" if spec.higher_is_better else " (lower is better)")
        print(f"  {name:28s} {value:.4g}{arrow}")
    if run.report_lines:
        print()
        print("\n".join(run.report_lines))
    return 0


def cmd_demo(args) -> int:
    from genforge.cli_demo import run_demo

    _quiet(args)
    return run_demo(args)


def cmd_install(args) -> int:
    from genforge.plugin_install import install

    options = [flag for flag, on in (("--no-deps", args.no_deps),
                                     ("--no-build-isolation", args.no_build_isolation)) if on]
    print("\n".join(install(args.targets, editable=args.editable, pip_options=options)))
    return 0


def cmd_uninstall(args) -> int:
    from genforge.plugin_install import uninstall

    print("\n".join(uninstall(args.names)))
    return 0


def cmd_new_plugin(args) -> int:
    from genforge.plugin_scaffold import new_plugin

    folder = new_plugin(args.name, domain=args.domain, parent=Path(args.dir))
    print(f"wrote {folder}; next: genforge install {folder} && pytest {folder / 'tests'}")
    return 0


class Terminated(KeyboardInterrupt):
    """SIGTERM (a scheduler's or ``kill``'s stop), raised where the command is, so that every
    output being written is removed on the way out, as on Ctrl-C (no half-written file left)."""


def _on_sigterm(main_pid: int, signum: int, frame: Any) -> None:
    import signal
    if os.getpid() != main_pid:  # a forked worker: die as it would have
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
    raise Terminated()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; SIGTERM stops it like Ctrl-C while it runs (the caller's handler is restored)."""
    import functools
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return _main(argv)
    previous = signal.signal(signal.SIGTERM, functools.partial(_on_sigterm, os.getpid()))
    try:
        return _main(argv)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _main(argv: Sequence[str] | None) -> int:
    from genforge.cli_commands import build_parser

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser()
        _extend_for(parser, argv)
        args = parser.parse_args(argv)
        if "threads" in vars(args):  # a command that runs networks
            from genforge.threads import use_threads
            use_threads(args.threads, "--threads")
        return int(args.func(args) or 0)
    except GenforgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return getattr(exc, "exit_status", 1)
    except OSError as exc:  # a file genforge could not read or write: one line, no traceback
        from genforge.output_files import write_failure
        where = exc.filename or "a file"
        print(f"error: {write_failure(where, exc)}".replace("cannot write", "cannot read or write"),
              file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print("terminated" if isinstance(exc, Terminated) else "interrupted", file=sys.stderr)
        return 143 if isinstance(exc, Terminated) else 130


def _extend_for(parser, argv: list[str]) -> None:
    """Load what the named command needs to parse: the domain's own ``train`` options, or every
    plugin's commands when the command is not a built-in one."""
    sub = parser.subparsers
    command, rest = command_of(argv)
    if command == "train":
        train_parser = sub.choices["train"]
        domain = first_positional(rest, train_parser)
        if domain is not None:
            registry = registry_for(domain)
            train_parser.set_defaults(registry=registry)
            dom = registry.domains.get(domain)
            if dom is not None:
                dom.add_train_arguments(train_parser.add_argument_group(f"options of the {domain} domain"))
    elif command == "sample":  # the run's domain adds its own sample options (molecule: --raw, --objective)
        sample_parser = sub.choices["sample"]
        run = first_positional(rest, sample_parser)
        domain = run_domain(run) if run is not None else None
        registry = registry_for(domain) if run is not None else None  # `sample --help`: no plugin loaded
        # an unreadable run: every domain's options parse, and the command names what is wrong
        found = [] if registry is None else (registry.domains.items() if domain is None
                                              else [(domain, registry.domains.get(domain))])
        for name, dom in found:
            if dom is not None:
                with contextlib.suppress(argparse.ArgumentError):  # two domains may share an option
                    dom.add_sample_arguments(sample_parser.add_argument_group(f"options of the {name} domain"))
    elif command is not None and command not in sub.choices:
        registry = registry_for(None)
        for spec in registry.commands.values():
            p = sub.add_parser(spec.name, help=spec.help, description=spec.help)
            spec.add_arguments(p)
            p.set_defaults(func=lambda args, _c=spec: _c.run(args))


__all__ = ["main", "parse_conditions", "parse_options", "GenforgeParser"]

if __name__ == "__main__":
    sys.exit(main())
