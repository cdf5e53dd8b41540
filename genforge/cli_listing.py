"""The listing commands of ``genforge``: plugins, datasets, models (with their options), metrics,
losses. ``genforge plugins`` reads package metadata only, unless ``--check`` loads the plugins."""
from __future__ import annotations

import json
from typing import Any

from genforge.cli_parsing import registry_for


def cmd_plugins(args) -> int:
    from genforge.plugins import entry_point_plugins

    installed = entry_point_plugins()
    if not args.check:
        if args.json:
            print(json.dumps({"plugins": [vars(p) for p in installed]}, indent=2))
            return 0
        for p in installed:
            state = "" if p.found else "  MISSING: its package cannot be found; reinstall it"
            print(f"{p.name} {p.version}  ({p.location or p.value}){state}")
        print("(+ built-in: mixture domain, objectives, progress, metrics log, loss plot, early stopping)")
        print("`genforge plugins --check` imports every plugin and lists what each registers")
        return 0
    return _checked_listing(args)


def _checked_listing(args) -> int:
    registry = registry_for(None)
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
    return 1 if broken else 0


def _listing(kind: str, domain: str | None, describe) -> int:
    registry = registry_for(domain)
    if domain:
        registry.domain(domain)
    table = getattr(registry, kind)
    for (dom, name), spec in sorted(table.items()):
        if domain is None or dom == domain:
            print(f"{dom:10s} {name:22s} {describe(spec)}")
    return 0


def cmd_datasets(args) -> int:
    return _listing("datasets", args.domain,
                    lambda s: (f"[files: {' '.join(s.suffixes)}] " if s.suffixes else "") + s.description)


def option_lines(spec) -> list[str]:
    """One line per model option: name, type, default and meaning."""
    help_of = getattr(spec, "option_help", {}) or {}
    return [f"    {key:20s} {_type_name(value):6s} default {json.dumps(value):14s} {help_of.get(key, '')}".rstrip()
            for key, value in sorted(spec.defaults.items())]


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (list, tuple)):
        return "list"
    return type(value).__name__


def cmd_models(args) -> int:
    def describe(spec) -> str:
        lines = option_lines(spec)
        options = ("\n  options (--option KEY=VALUE, or the [model] table of --config):\n" + "\n".join(lines)
                   if lines else "\n  options: none")
        return spec.description + options
    return _listing("models", args.domain, describe)


def cmd_metrics(args) -> int:
    def describe(s) -> str:
        lo, hi = s.bounds
        rng = f"[{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}]"
        return f"{'higher' if s.higher_is_better else 'lower'} is better {rng}  {s.description}"
    return _listing("metrics", args.domain, describe)


def cmd_losses(args) -> int:
    registry = registry_for(None)
    for name, spec in sorted(registry.losses.items()):
        print(f"{name:16s} {spec.description}")
    return 0


def add_listing_commands(sub) -> None:
    p = sub.add_parser("plugins", help="installed plugins (from package metadata; --check loads them)",
                       description="Installed plugins, read from package metadata without importing them. "
                                   "--check imports each one and lists what it registers, broken plugins "
                                   "(exit status 1 if any) and name clashes.")
    p.add_argument("--json", action="store_true", help="machine-readable output (default: text)")
    p.add_argument("--check", action="store_true",
                   help="import every plugin: what each registers, broken ones, clashes (slower)")
    p.add_argument("--all", action="store_true", help="with --check: include the built-in plugins")
    p.set_defaults(func=cmd_plugins)
    for name, func, what in (("datasets", cmd_datasets, "named datasets and the file types each domain reads"),
                             ("models", cmd_models, "models and their options (type, default, meaning)"),
                             ("metrics", cmd_metrics, "quality metrics, their direction and range")):
        p = sub.add_parser(name, help=f"registered {what}", description=f"Registered {what}.")
        p.add_argument("domain", nargs="?", metavar="DOMAIN",
                       help="only this domain (e.g. tabular, molecule, image, text, mixture); default: all")
        p.set_defaults(func=func)
    sub.add_parser("losses", help="registered GAN objectives (--loss NAME)").set_defaults(func=cmd_losses)
