"""The tutorial's worked example (docs/writing-plugins.md) is real code that passes the kit."""
from __future__ import annotations

import itertools
import re
import types
from pathlib import Path

from genforge.plugins import PluginInfo, build_registry
from genforge.testing import check_plugin

DOC = Path(__file__).resolve().parents[1] / "docs" / "writing-plugins.md"


def test_worked_example_passes_the_conformance_kit(tmp_path):
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Worked example"):text.index("## Adding to a domain")]
    blocks = [b for b in re.findall(r"```python\n(.*?)```", section, re.S) if "check_plugin" not in b]
    module = types.ModuleType("genforge_words_doc")
    exec(compile("\n".join(blocks), str(DOC), "exec"), module.__dict__)
    registry = build_registry(include_entry_points=False)
    assert registry.load(module, PluginInfo("words")), registry.broken
    words = tmp_path / "words.txt"
    words.write_text("\n".join("".join(t) for t in itertools.product("abdeklmn", repeat=3)) + "\n\n")
    done = check_plugin("words", registry=registry, files={"lines": words}, ties_ok=("novelty",),
                        work_dir=tmp_path / "kit")
    assert done == ["names:words", "dataset:words/lines", "model:words/mlp", "training:words/mlp",
                    "metric:words/novelty"]
    data = registry.domains["words"].prepare(module.load_lines(words, {}), {}, 0)
    assert data.report.skipped == {"blank line": 1} and data.report.used == 512
