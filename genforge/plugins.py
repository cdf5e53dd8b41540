"""Plugin manager: entry-point discovery, registries, broken-plugin isolation.

Built-in parts (the mixture domain, the objectives, the progress bar, the
metrics log, the loss plot, early stopping) register through the same hooks as
external plugins. Each external plugin is loaded and called in isolation: one
that fails to import, declares an unknown hook or raises while registering is
recorded in :attr:`Registry.broken` and never takes the others down.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, Collection

import pluggy

from genforge import hookspecs
from genforge.report import hookspecs as report_hookspecs
from genforge.errors import UserInputError
from genforge.suggestions import did_you_mean, unknown_name

if TYPE_CHECKING:  # only annotations: importing this module must not import torch (fast CLI start)
    from genforge.domain import CommandSpec, DatasetSpec, Domain, LossSpec, MetricSpec, ModelSpec

ENTRY_POINT_GROUP = "genforge"
BUILTIN_MODULES = (
    "genforge.builtin.objectives",
    "genforge.builtin.mixture",
    "genforge.builtin.progress",
    "genforge.builtin.metrics_log",
    "genforge.builtin.loss_plot",
    "genforge.builtin.early_stopping",
    "genforge.builtin.tracking_summary", "genforge.builtin.tracking_tensorboard", "genforge.builtin.tracking_mlflow",
    "genforge.report.mixture_section",
)
REGISTRATION_HOOKS = ("register_domains", "register_datasets", "register_models",
                      "register_metrics", "register_losses", "register_commands")


@dataclass
class PluginInfo:
    name: str
    version: str = ""
    location: str = ""
    builtin: bool = False
    registered: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class BrokenPlugin:
    name: str
    version: str
    error: str
    hint: str = ""


def _kind(hook: str) -> str:
    return hook.removeprefix("register_")


class Registry:
    """Everything the loaded plugins registered, with lookups that explain misses."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("genforge")
        self.pm.add_hookspecs(hookspecs)
        self.pm.add_hookspecs(report_hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self.broken: list[BrokenPlugin] = []
        self.clashes: list[str] = []
        self.domains: dict[str, Domain] = {}
        self.datasets: dict[tuple[str, str], DatasetSpec] = {}
        self.models: dict[tuple[str, str], ModelSpec] = {}
        self.metrics: dict[tuple[str, str], MetricSpec] = {}
        self.losses: dict[str, LossSpec] = {}
        self.commands: dict[str, CommandSpec] = {}
        self._owner: dict[tuple[str, Any], str] = {}

    @property
    def hook(self):
        return self.pm.hook

    # -- loading ---------------------------------------------------------------
    def load(self, module: Any, info: PluginInfo) -> bool:
        """Register one plugin module; on any failure record it as broken."""
        try:
            self.pm.register(module, name=info.name)
        except Exception as exc:  # a duplicate name or invalid hookimpl
            self.broken.append(BrokenPlugin(info.name, info.version, _one_line(exc)))
            return False
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            self.pm.unregister(module)
            self.broken.append(BrokenPlugin(
                info.name, info.version, _one_line(exc),
                hint="a function named like a hook that genforge does not declare: "
                     "check its spelling against genforge.hookspecs"))
            return False
        staged: list[tuple[str, Any]] = []
        try:
            for hook_name in REGISTRATION_HOOKS:
                # pluggy's own call, restricted to this plugin's implementations: a hookimpl
                # registered under another name (``specname``) is called like any other
                others = [p for p in self.pm.get_plugins() if p is not module]
                caller = self.pm.subset_hook_caller(hook_name, remove_plugins=others)
                caller(register=lambda item, _h=hook_name: staged.append((_h, item)))
        except Exception as exc:
            self.pm.unregister(module)
            self.broken.append(BrokenPlugin(
                info.name, info.version, _one_line(exc),
                hint="the plugin raised while registering; nothing it registered was kept"))
            return False
        for hook_name, item in staged:
            self._add(hook_name, item, info)
        self.plugins[info.name] = info
        return True

    def _add(self, hook_name: str, item: Any, info: PluginInfo) -> None:
        kind = _kind(hook_name)
        table, key = {
            "domains": (self.domains, getattr(item, "name", None)),
            "datasets": (self.datasets, (getattr(item, "domain", None), getattr(item, "name", None))),
            "models": (self.models, (getattr(item, "domain", None), getattr(item, "name", None))),
            "metrics": (self.metrics, (getattr(item, "domain", None), getattr(item, "name", None))),
            "losses": (self.losses, getattr(item, "name", None)),
            "commands": (self.commands, getattr(item, "name", None)),
        }[kind]
        label = key if isinstance(key, str) else "/".join(map(str, key))
        if not label or not _well_formed(label):
            self.clashes.append(f"{info.name}: {kind[:-1]} name {label!r} is not well-formed "
                                "(lowercase letters, digits, '-', '_', '.'); ignored")
            return
        if key in table:
            self.clashes.append(f"{kind[:-1]} {label!r} registered by both "
                                f"{self._owner[(kind, key)]} and {info.name}; "
                                f"kept {self._owner[(kind, key)]}'s")
            return
        table[key] = item
        self._owner[(kind, key)] = info.name
        info.registered.setdefault(kind, []).append(label)

    def owner(self, kind: str, key: Any) -> str:
        return self._owner.get((kind, key), "")

    # -- lookups ---------------------------------------------------------------
    def domain(self, name: str) -> Domain:
        if name not in self.domains:
            error = unknown_name("domain", name, self.domains, label="installed domains")
            raise UserInputError(f"{error}{self._broken_hint()}")
        return self.domains[name]

    def _named(self, table: dict, kind: str, domain: str, name: str):
        self.domain(domain)
        if (domain, name) not in table:
            raise unknown_name(kind, name, (n for d, n in table if d == domain), f" for domain {domain!r}")
        return table[(domain, name)]

    def model(self, domain: str, name: str) -> ModelSpec:
        return self._named(self.models, "model", domain, name)

    def metric(self, domain: str, name: str) -> MetricSpec:
        return self._named(self.metrics, "metric", domain, name)

    def metrics_for(self, domain: str) -> list[MetricSpec]:
        return [spec for (d, _), spec in sorted(self.metrics.items()) if d == domain]

    def loss(self, name: str) -> LossSpec:
        if name not in self.losses:
            raise unknown_name("loss", name, self.losses)
        return self.losses[name]

    def dataset(self, domain: str, name_or_path: str) -> tuple[DatasetSpec, Path | None]:
        """A named dataset, or the file loader whose suffix matches a path."""
        self.domain(domain)
        if (domain, name_or_path) in self.datasets and not self.datasets[(domain, name_or_path)].suffixes:
            return self.datasets[(domain, name_or_path)], None
        path = Path(name_or_path)
        loaders = [s for (d, _), s in sorted(self.datasets.items()) if d == domain and s.suffixes]
        named = sorted(n for (d, n), s in self.datasets.items() if d == domain and not s.suffixes)
        if not path.exists():
            raise UserInputError(
                f"{name_or_path!r} is neither a dataset of domain {domain!r} nor an existing path"
                f"{did_you_mean(name_or_path, named) or ';'} datasets: {', '.join(named) or 'none'}; file types: "
                f"{', '.join(sfx for s in loaders for sfx in s.suffixes) or 'none'}")
        suffix = "/" if path.is_dir() else "".join(path.suffixes[-2:]).lower()
        for spec in loaders:
            if any(suffix.endswith(sfx) for sfx in spec.suffixes):
                return spec, path
        raise UserInputError(f"{path}: domain {domain!r} cannot read {suffix or 'files without a suffix'}; "
                             f"it reads {', '.join(sfx for s in loaders for sfx in s.suffixes) or 'no files'}")

    def _broken_hint(self) -> str:
        if not self.broken:
            return ""
        return "; broken plugins (see `genforge plugins`): " + ", ".join(b.name for b in self.broken)


_WELL_FORMED = set("abcdefghijklmnopqrstuvwxyz0123456789-_./")


def _well_formed(label: str) -> bool:
    return label == label.strip() and set(label) <= _WELL_FORMED and label[0].isalnum()


def _one_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".splitlines()[0]


def _selected(name: str) -> bool:
    wanted = os.environ.get("GENFORGE_LOAD_PLUGINS")
    if wanted is None:
        return True
    return name in {w.strip() for w in wanted.split(",") if w.strip()}


@dataclass(frozen=True)
class EntryPointPlugin:
    """What the package metadata says about a plugin, read without importing it."""

    name: str
    version: str
    value: str
    location: str
    found: bool  # its top-level package can be found (not a stale entry point)


def entry_point_plugins() -> list[EntryPointPlugin]:
    """Every entry point of group ``genforge``, from metadata only: nothing is imported."""
    out = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        dist = getattr(ep, "dist", None)
        try:
            spec = importlib.util.find_spec(ep.value.split(":")[0].split(".")[0])
        except (ImportError, ValueError):
            spec = None
        origin = getattr(spec, "origin", None) or ""
        out.append(EntryPointPlugin(ep.name, getattr(dist, "version", "") or "", ep.value,
                                    str(Path(origin).parent) if origin else "", spec is not None))
    return out


def build_registry(include_entry_points: bool = True, select: Collection[str] | None = None) -> Registry:
    """Load the built-ins, then every selected entry point in group ``genforge``
    (``select``: only these entry-point names, within those GENFORGE_LOAD_PLUGINS allows)."""
    registry = Registry()
    for module_name in BUILTIN_MODULES:
        module = importlib.import_module(module_name)
        short = module_name.rsplit(".", 1)[-1]
        registry.load(module, PluginInfo(f"genforge.{short}", _own_version(), module_name, builtin=True))
    if not include_entry_points:
        return registry
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if not _selected(ep.name) or (select is not None and ep.name not in select):
            continue
        dist = getattr(ep, "dist", None)
        version = getattr(dist, "version", "") or ""
        try:
            module = ep.load()
        except Exception as exc:
            registry.broken.append(BrokenPlugin(
                ep.name, version, _one_line(exc),
                hint=f"entry point {ep.value!r} could not be imported; reinstall the plugin "
                     f"or fix its [project.entry-points.genforge] table"))
            continue
        location = str(Path(getattr(module, "__file__", "") or "").parent)
        registry.load(module, PluginInfo(ep.name, version, location))
    return registry


def _own_version() -> str:
    from genforge import __version__
    return __version__


_REGISTRY: Registry | None = None


def get_registry() -> Registry:
    """The process-wide registry, loaded on first use."""
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = build_registry()
    return _REGISTRY


def reset_registry() -> None:
    """Forget the loaded plugins (tests, and after ``genforge install``)."""
    global _REGISTRY
    _REGISTRY = None
