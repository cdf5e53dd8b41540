"""``genforge new-plugin``: write a ready-to-install plugin package.

The package holds a ``pyproject.toml`` with the ``genforge`` entry point, a
plugin module with documented hook implementations (a dataset, a model, a
metric), a README and tests that run the conformance kit.
"""
from __future__ import annotations

import re
from pathlib import Path

from genforge import scaffold_templates as templates
from genforge.errors import UserInputError

_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


def new_plugin(name: str, domain: str | None = None, parent: Path = Path(".")) -> Path:
    """Write ``parent/genforge-NAME``; return the folder."""
    domain = domain or name
    for label, value in (("plugin name", name), ("--domain", domain)):
        if not _NAME.match(value):
            raise UserInputError(f"{label} {value!r}: use lowercase letters, digits, '-' and '_', "
                                 "starting with a letter (e.g. audio)")
    _refuse_taken_domain(domain)
    short = name.removeprefix("genforge-")
    fields = {"name": short, "dist": f"genforge-{short}", "package": "genforge_" + short.replace("-", "_"),
              "domain": domain}
    parent = Path(parent)
    if not parent.is_dir():
        raise UserInputError(f"--dir {parent}: no such folder")
    folder = parent / fields["dist"]
    if folder.exists() and any(folder.iterdir()):
        raise UserInputError(f"{folder} already exists and is not empty; choose another --dir or name")
    files = {
        "pyproject.toml": templates.PYPROJECT,
        "README.md": templates.README,
        ".gitignore": templates.GITIGNORE,
        f"{fields['package']}/__init__.py": '"""genforge plugin {dist}."""\n',
        f"{fields['package']}/plugin.py": templates.PLUGIN,
        f"tests/test_{fields['package']}.py": templates.TESTS,
    }
    for relative, template in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(**fields), encoding="utf-8")
    return folder


#: domains genforge itself registers (the built-in plugin)
BUILTIN_DOMAINS = {"mixture": "genforge.mixture"}


def _refuse_taken_domain(domain: str) -> None:
    """Package metadata only (no plugin is imported): a domain is taken by the built-in plugin or
    by an installed plugin whose entry point bears its name (the convention this scaffold follows)."""
    from genforge.plugins import entry_point_plugins

    owners = {**{ep.name: f"{ep.name} {ep.version}".strip() for ep in entry_point_plugins()}, **BUILTIN_DOMAINS}
    if domain in owners:
        raise UserInputError(
            f"domain {domain!r} is already registered by {owners[domain]}; choose "
            "another --domain, or add models and metrics to that domain by hand "
            "(docs/writing-plugins.md, 'Adding to a domain another plugin owns')")
