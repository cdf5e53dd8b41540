"""Throwaway environments for testing installation without touching the current one."""
from __future__ import annotations

import site
import subprocess
import sys
import sysconfig
from pathlib import Path


def scratch_environment(folder: Path) -> str:
    """A throwaway virtual environment layered over the current one; returns its python.

    It sees every package installed here (genforge, torch, plugins) but pip
    installs into and uninstalls from the scratch folder only, so install tests
    never change the environment they run in.
    """
    folder = Path(folder)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    parents = [p for p in site.getsitepackages() + [sysconfig.get_paths()["purelib"]] if Path(p).is_dir()]
    (Path(purelib) / "_genforge_parent_env.pth").write_text(
        "import site; " + "; ".join(f"site.addsitedir({p!r})" for p in dict.fromkeys(parents)) + "\n")
    return str(python)
