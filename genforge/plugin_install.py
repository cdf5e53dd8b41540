"""``genforge install`` / ``genforge uninstall``: a thin wrapper around pip.

Plugins go into the environment genforge itself runs in (``sys.executable -m
pip``), as ``llm install`` does. After pip, a fresh interpreter loads every
plugin and reports what the new one registered; a plugin that fails to import,
or registers a name another plugin already owns, is uninstalled again (and any
distribution pip replaced is put back), so a failed install leaves the
environment as it was.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from genforge.errors import UserInputError

#: bundled plugins of a source checkout: plugins/genforge-NAME
PLUGINS_DIR = Path(__file__).resolve().parent.parent / "plugins"
CORE_DISTRIBUTION = "genforge"
ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".zip")
_MARK = "genforge-environment: "  # marks our line among whatever plugins print on import


def canonical(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def bundled_plugins(plugins_dir: Path = PLUGINS_DIR) -> dict[str, Path]:
    """Short name -> folder of each bundled plugin (``plugins/genforge-NAME`` with a pyproject)."""
    if not plugins_dir.is_dir():
        return {}
    return {p.name.removeprefix("genforge-"): p for p in sorted(plugins_dir.glob("genforge-*"))
            if (p / "pyproject.toml").is_file()}


# -- what a target means -----------------------------------------------------------------------
@dataclass
class Target:
    """One thing to install: the pip arguments for it and, when known, its distribution name."""

    given: str
    pip_args: list[str]
    distribution: str = ""


def _project_name(folder: Path) -> str:
    pyproject = folder / "pyproject.toml"
    if not pyproject.is_file():
        return ""
    try:
        return str(tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("name", ""))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserInputError(f"{pyproject}: malformed pyproject.toml: {exc}") from None


def resolve(target: str, editable: bool = False, plugins_dir: Path = PLUGINS_DIR) -> Target:
    """A bundled short name, a package folder or archive, or a requirement for the index."""
    bundled = bundled_plugins(plugins_dir)
    if target in bundled:
        folder = bundled[target]
        return Target(target, ["-e", str(folder)], canonical(_project_name(folder) or folder.name))
    path = Path(target).expanduser()
    looks_like_path = path.exists() or "/" in target or target.startswith(".") or target.endswith(ARCHIVE_SUFFIXES)
    if not looks_like_path:
        return Target(target, [target], canonical(re.split(r"[\s\[<>=!~;@]", target, 1)[0]))
    if not path.exists():
        raise UserInputError(f"{target}: no such file or folder")
    if path.is_file():
        if not target.endswith(ARCHIVE_SUFFIXES):
            raise UserInputError(f"{target}: not a package archive (expected {', '.join(ARCHIVE_SUFFIXES)}) "
                                 "or a package folder")
        return Target(target, [str(path.resolve())])
    if not any((path / f).is_file() for f in ("pyproject.toml", "setup.py", "setup.cfg")):
        raise UserInputError(f"{target}: folder has no pyproject.toml or setup.py, so it is not a Python "
                             "package; `genforge new-plugin NAME` writes a ready one")
    return Target(target, (["-e"] if editable else []) + [str(path.resolve())],
                  canonical(_project_name(path)))


# -- looking at an environment from outside -------------------------------------------------
@dataclass
class Environment:
    """Distributions of one interpreter and, optionally, what its plugins registered."""

    distributions: dict[str, dict[str, Any]] = field(default_factory=dict)
    plugins: dict[str, dict[str, Any]] = field(default_factory=dict)
    broken: list[dict[str, str]] = field(default_factory=list)
    clashes: list[str] = field(default_factory=list)


# Runs inside the target interpreter; plain importlib.metadata, so listing distributions
# does not import genforge (and torch) unless the registry is asked for too.
_DESCRIBE = r"""
import json, re, sys
from importlib.metadata import distributions

def restore_args(dist):
    try:
        direct = json.loads(dist.read_text("direct_url.json") or "null")
    except ValueError:
        direct = None
    if direct and str(direct.get("url", "")).startswith("file://"):
        path = direct["url"][len("file://"):]
        return ["-e", path] if direct.get("dir_info", {}).get("editable") else [path]
    return [dist.metadata["Name"] + "==" + dist.version]

out = {"distributions": {}}
for dist in distributions():
    name = dist.metadata["Name"]
    if name:
        out["distributions"][re.sub(r"[-_.]+", "-", name).lower()] = {
            "name": name, "version": dist.version, "restore": restore_args(dist),
            "entry_points": [ep.name for ep in dist.entry_points if ep.group == "genforge"]}
if "--registry" in sys.argv:
    from genforge.plugins import build_registry
    registry = build_registry()
    out["plugins"] = {p.name: {"version": p.version, "location": p.location,
                               "registered": p.registered} for p in registry.plugins.values()}
    out["broken"] = [{"name": b.name, "error": b.error, "hint": b.hint} for b in registry.broken]
    out["clashes"] = list(registry.clashes)
print(MARK + json.dumps(out))
"""


def inspect(python: str, with_registry: bool = False) -> Environment:
    """What ``python``'s environment holds, seen from a fresh interpreter."""
    args = [python, "-c", f"MARK = {_MARK!r}\n" + _DESCRIBE] + (["--registry"] if with_registry else [])
    proc = subprocess.run(args, capture_output=True, text=True)
    marked = [ln for ln in proc.stdout.splitlines() if ln.startswith(_MARK)]
    if proc.returncode != 0 or not marked:
        raise UserInputError(f"could not inspect the environment of {python}: "
                             f"{_last_lines(proc.stderr or proc.stdout)}")
    return Environment(**json.loads(marked[-1][len(_MARK):]))


# -- pip ----------------------------------------------------------------------------------------
def pip(python: str, args: Sequence[str]) -> subprocess.CompletedProcess:
    return subprocess.run([python, "-m", "pip", "--disable-pip-version-check", *args],
                          capture_output=True, text=True)


def _last_lines(text: str, n: int = 4) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("ERROR") or "Error" in ln]
    return " | ".join((errors or lines)[-n:]) or "(no output)"


def rollback(python: str, before: Environment, after: Environment) -> None:
    """Uninstall what is new since ``before``; put back what pip replaced."""
    new = [after.distributions[k]["name"] for k in after.distributions if k not in before.distributions]
    changed = [before.distributions[k]["restore"] for k, v in after.distributions.items()
               if k in before.distributions and before.distributions[k]["version"] != v["version"]]
    if new:
        pip(python, ["uninstall", "-y", *new])
    for args in changed:
        pip(python, ["install", "--no-deps", *args])


def _registered_lines(env: Environment, plugin: str) -> list[str]:
    info = env.plugins[plugin]
    lines = [f"{plugin} {info['version']}  ({info['location']})"]
    for kind, names in sorted(info["registered"].items()):
        lines.append(f"  {kind}: {', '.join(names)}")
    return lines


def install(targets: Sequence[str], *, python: str = sys.executable, editable: bool = False,
            pip_options: Sequence[str] = (), plugins_dir: Path = PLUGINS_DIR) -> list[str]:
    """Install plugins with pip into ``python``'s environment; return what they registered.

    Raises :class:`UserInputError` (environment unchanged) when a target is not a
    package, pip fails, or an installed plugin is broken or clashes with another.
    """
    if not targets:
        raise UserInputError("name at least one plugin to install (a bundled name, a folder or a package)")
    resolved = [resolve(t, editable, plugins_dir) for t in targets]
    before = inspect(python)
    proc = pip(python, ["install", *pip_options, *[a for t in resolved for a in t.pip_args]])
    if proc.returncode != 0:
        rollback(python, before, inspect(python))
        bundled = ", ".join(bundled_plugins(plugins_dir)) or "none in this installation"
        raise UserInputError(f"pip could not install {', '.join(targets)}: {_last_lines(proc.stderr)}; "
                             f"check the name or path (bundled plugins: {bundled})")
    after = inspect(python, with_registry=True)
    wanted = {t.distribution for t in resolved if t.distribution}
    if len(wanted) < len(resolved):  # archives: whatever pip added or changed
        wanted |= {k for k, v in after.distributions.items()
                   if before.distributions.get(k, {}).get("version") != v["version"]}
    lines, problems = [], []
    for key in sorted(wanted):
        dist = after.distributions.get(key)
        if dist is None:
            continue
        if not dist["entry_points"]:
            if any(t.distribution == key for t in resolved):
                problems.append(f"{dist['name']} declares no entry point in group 'genforge' "
                                "([project.entry-points.genforge] in its pyproject.toml), so it is not "
                                "a genforge plugin")
            continue
        for ep in dist["entry_points"]:
            problems += [f"plugin {ep!r} is broken: {b['error']}" + (f" (hint: {b['hint']})" if b["hint"] else "")
                         for b in after.broken if b["name"] == ep]
            problems += [f"plugin {ep!r}: {c}" for c in after.clashes
                         if re.search(rf"(^|\s){re.escape(ep)}(:|;|\s|$)", c)]
            if ep in after.plugins:
                lines += _registered_lines(after, ep)
    if problems:
        rollback(python, before, after)
        raise UserInputError("; ".join(problems) + "; uninstalled it again, the environment is as it was")
    if not lines:
        raise UserInputError(f"pip installed {', '.join(targets)} but no genforge plugin came with it")
    from genforge.plugins import reset_registry

    reset_registry()
    return ["installed:"] + lines


def uninstall(names: Sequence[str], *, python: str = sys.executable) -> list[str]:
    """Uninstall plugins given by distribution, entry-point or bundled short name."""
    env = inspect(python)
    plugin_dists = {k: v for k, v in env.distributions.items() if v["entry_points"]}
    chosen = []
    for name in names:
        key = canonical(name)
        matches = [k for k, v in plugin_dists.items()
                   if key in (k, canonical(f"genforge-{name}")) or name in v["entry_points"]]
        if key == CORE_DISTRIBUTION:
            raise UserInputError("genforge itself cannot be uninstalled with `genforge uninstall`; "
                                 "use pip directly")
        if not matches:
            installed = ", ".join(sorted(v["name"] for v in plugin_dists.values())) or "none"
            raise UserInputError(f"no installed genforge plugin named {name!r}; installed plugins: {installed}")
        chosen.append(plugin_dists[matches[0]])
    proc = pip(python, ["uninstall", "-y", *[d["name"] for d in chosen]])
    if proc.returncode != 0:
        raise UserInputError(f"pip could not uninstall {', '.join(names)}: {_last_lines(proc.stderr)}")
    from genforge.plugins import reset_registry

    reset_registry()
    return [f"uninstalled {d['name']} {d['version']} (plugins: {', '.join(d['entry_points'])})" for d in chosen]

