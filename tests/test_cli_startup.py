"""The CLI answers at once: `--help`, `plugins`, `new-plugin` and every `--help` import no plugin and
none of torch, pandas, scikit-learn, RDKit, torch-geometric (counted with ``-X importtime``, which
counts modules, not seconds, so a busy machine cannot make it flaky)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

HEAVY = ("torch", "numpy", "pandas", "sklearn", "rdkit", "torch_geometric", "PIL", "matplotlib", "tqdm")
PLUGIN_PACKAGES = ("genforge_tabular", "genforge_molecule", "genforge_image", "genforge_text")
#: a bare interpreter imports ~40 modules; argparse, importlib.metadata and pluggy bring it to ~130
MODULE_BUDGET = 200


def imported_modules(*args: str, cwd=None) -> set[str]:
    env = {**os.environ, "GENFORGE_PROGRESS": "0"}
    env.pop("GENFORGE_LOAD_PLUGINS", None)
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "genforge.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120, cwd=cwd)
    assert done.returncode == 0, done.stderr[-2000:]
    return {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}


@pytest.mark.parametrize("args", [["--help"], ["plugins"], ["plugins", "--json"], ["train", "--help"],
                                  ["sample", "--help"], ["evaluate", "--help"], ["demo", "--help"],
                                  ["models", "--help"], ["new-plugin", "--help"], ["install", "--help"]],
                         ids=" ".join)
def test_light_commands_import_nothing_heavy(args):
    modules = imported_modules(*args)
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY + PLUGIN_PACKAGES)
    assert not heavy, f"`genforge {' '.join(args)}` imports {heavy[:8]}"
    assert len(modules) < MODULE_BUDGET, len(modules)


def test_new_plugin_writes_its_files_without_loading_plugins(tmp_path):
    modules = imported_modules("new-plugin", "audio", "--dir", str(tmp_path))
    assert (tmp_path / "genforge-audio" / "pyproject.toml").is_file()
    assert not [m for m in modules if m.split(".")[0] in HEAVY + PLUGIN_PACKAGES]


def test_a_domain_command_loads_only_that_domains_plugin():
    modules = imported_modules("train", "tabular", "--help")
    tops = {m.split(".")[0] for m in modules}
    assert "genforge_tabular" in tops
    assert not tops & {"genforge_molecule", "genforge_image", "genforge_text", "rdkit", "torch_geometric"}
