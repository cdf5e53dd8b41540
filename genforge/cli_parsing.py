"""Argument parsing for the ``genforge`` command: no abbreviations, close-match suggestions,
and loading only the plugins a command needs (``--help`` imports none of them)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from genforge.suggestions import did_you_mean

if TYPE_CHECKING:
    from genforge.plugins import Registry

ALL_PLUGINS = None  # ``registry_for(ALL_PLUGINS)`` loads every plugin


class GenforgeParser(argparse.ArgumentParser):
    """An ArgumentParser that never expands abbreviations (``--epoch`` is not ``--epochs``),
    shows defaults in help, and suggests the closest option or command on a typo."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}{self._suggestion(message)}\n"
                     f"(`{self.prog} --help` lists what it accepts)\n")

    def _suggestion(self, message: str) -> str:
        if message.startswith("unrecognized arguments:"):
            words = [w.split("=")[0] for w in message.split(":", 1)[1].split() if w.startswith("-")]
            known = [s for action in self._all_actions() for s in action.option_strings]
            return "".join(did_you_mean(w, known) for w in words[:1])
        if "invalid choice:" in message:
            word = message.split("invalid choice:", 1)[1].split("'")[1]
            choices = [c for action in self._actions if action.choices for c in action.choices]
            return did_you_mean(word, choices)
        return ""

    def _all_actions(self) -> list[argparse.Action]:
        """This parser's actions and those of the subcommand parsers it holds."""
        actions = list(self._actions)
        for action in self._actions:
            for sub in (action.choices or {}).values() if isinstance(action.choices, dict) else ():
                actions.extend(sub._actions)
        return actions


def first_positional(tokens: Sequence[str], parser: argparse.ArgumentParser) -> str | None:
    """The first positional word in ``tokens`` as ``parser`` would read it (options that take a
    value skip the next token), without parsing (no help printed, no errors)."""
    takes_value = {s for a in parser._actions if a.nargs != 0 for s in a.option_strings}
    skip = False
    for token in tokens:
        if skip:
            skip = False
        elif token == "--":
            continue
        elif token.startswith("-"):
            skip = token in takes_value
        else:
            return token
    return None


def command_of(argv: Sequence[str]) -> tuple[str | None, list[str]]:
    """The subcommand word of ``argv`` and the tokens after it."""
    for i, token in enumerate(argv):
        if not token.startswith("-"):
            return token, list(argv[i + 1:])
    return None, []


def run_domain(run: str) -> str | None:
    """The domain a run folder was trained on, from its ``config.json`` (None if unreadable)."""
    try:
        return json.loads((Path(run) / "config.json").read_text(encoding="utf-8")).get("domain") or None
    except (OSError, ValueError, AttributeError):
        return None


def registry_for(domain: str | None) -> "Registry":
    """The plugins a command on ``domain`` needs: the built-ins, the entry point named like the
    domain and its add-ons (entry points named ``DOMAIN-*`` or ``DOMAIN.*``); every plugin when
    ``domain`` is None or no such entry point registers it (a differently named plugin)."""
    from genforge import plugins

    if domain is not None:
        names = {ep.name for ep in plugins.entry_point_plugins()
                 if ep.name == domain or ep.name.startswith((f"{domain}-", f"{domain}."))}
        registry = plugins.build_registry(select=names)
        if domain in registry.domains:
            return registry
    return plugins.build_registry()
