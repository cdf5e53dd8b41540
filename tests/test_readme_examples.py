"""Every `genforge ...` command in a code block of the README and the plugin READMEs parses with the CLI as
it is (options, domain options, plugin commands), so the examples cannot drift from the CLI."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from genforge.cli import _extend_for
from genforge.cli_commands import build_parser

ROOT = Path(__file__).resolve().parents[1]
READMES = [ROOT / "README.md", *sorted(ROOT.glob("plugins/*/README.md"))]
FENCE = re.compile(r"```[a-z]*\n(.*?)```", re.S)


def commands(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    found = []
    for block in FENCE.findall(text):
        for line in block.splitlines():
            line = line.split("  #")[0].split(" # ")[0].strip()
            if " -m genforge.cli " in line:
                line = "genforge " + line.split(" -m genforge.cli ", 1)[1]
            if line.startswith("genforge "):
                found.append(line)
    return found


EXAMPLES = [(path.relative_to(ROOT).as_posix(), cmd) for path in READMES for cmd in commands(path)]


def test_the_readmes_show_commands():
    assert len(EXAMPLES) >= 15, EXAMPLES
    assert any("--target species" in cmd for _, cmd in EXAMPLES)


@pytest.mark.parametrize("readme, command", EXAMPLES, ids=[f"{r}:{c[:60]}" for r, c in EXAMPLES])
def test_readme_command_parses(readme, command, monkeypatch):
    monkeypatch.delenv("GENFORGE_LOAD_PLUGINS", raising=False)  # every bundled plugin, as a user has them
    argv = shlex.split(command)[1:]
    parser = build_parser()
    _extend_for(parser, argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        pytest.fail(f"{readme}: `{command}` does not parse (exit {exc.code})")
    assert callable(args.func)
