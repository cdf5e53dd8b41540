"""Run every command line of the READMEs' code blocks as written (README.md, plugins/*/README.md).

    .venv/bin/python benchmarks/readme_tour.py [--steps 20] [--only TEXT] [--keep DIR] [--start N]

Each README runs in its own scratch folder that holds the files its commands name (a CSV with a
``label`` column, an image folder, ``run.toml`` as the README shows it, ...: :func:`write_fixtures`);
``GENFORGE_MAX_STEPS`` caps every training (``--steps``, default 20) so the tour takes minutes, not
hours; data sets are loaded whole. ``genforge install`` / ``uninstall`` lines run in a scratch
environment layered over this one (:func:`scratch_env`), so the tour never changes the packages
installed here. A train command starts from an empty ``--out`` unless it says
``--resume`` (several examples share the placeholder RUN). Prints one line per command with its
exit status and time, and exits 1 if any failed. ``tests/test_readme_examples.py`` runs the cheap
commands the same way in ``make test``.
"""
from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READMES = [ROOT / "README.md", *sorted(ROOT.glob("plugins/*/README.md"))]
FENCE = re.compile(r"```([a-z]*)\n(.*?)```", re.S)
COMMAND_STARTS = ("genforge ", "torchrun ")
#: run in a scratch environment layered over this one (they change the installed packages)
INSTALLS = ("genforge install ", "genforge uninstall ")


def readme_commands(path: Path) -> list[str]:
    """The command lines of ``path``'s code blocks (comments cut), in order."""
    found = []
    for _, block in FENCE.findall(path.read_text(encoding="utf-8")):
        for line in block.splitlines():
            line = line.split("  #")[0].split(" # ")[0].strip()
            if line.startswith(COMMAND_STARTS):
                found.append(line)
    return found


def readme_file(path: Path, name: str) -> str | None:
    """The TOML block of ``path`` whose first line is ``# NAME`` (e.g. ``run.toml``), if shown."""
    for lang, block in FENCE.findall(path.read_text(encoding="utf-8")):
        if lang == "toml" and block.splitlines()[0].strip() == f"# {name}":
            return block
    return None


FILES = {
    "rules.toml": '[[constraints]]\nkind = "fixed_combinations"\ncolumns = ["species", "island"]\n',
    "obj.toml": '[[components]]\nkind = "qed"\n\n[[components]]\nkind = "sa"\nweight = 0.5\n',
    "latentgan.toml": "[model]\nae_molecules = 5000\n\n[dataset]\nlimit = 5000\n",
    "my_library.smi": "CCO\nc1ccccc1O\nCC(=O)Nc1ccc(O)cc1\n",
    # the public column domains of data.csv (penguins + label): on 344 rows, undeclared levels do not
    # survive epsilon 3's stability histogram (the run says so and exits 2)
    "domains.json": '{"species": ["Adelie", "Chinstrap", "Gentoo"], "island": ["Biscoe", "Dream", "Torgersen"], '
                    '"sex": ["female", "male"], "label": ["common", "rare"], "year": [2007, 2009], '
                    '"bill_length_mm": [30, 60], "bill_depth_mm": [13, 22], "flipper_length_mm": [170, 235], '
                    '"body_mass_g": [2500, 6500]}\n',
}


def write_fixtures(folder: Path, readme: Path) -> None:
    """The files the READMEs' commands read, in ``folder``."""
    import numpy as np
    from PIL import Image
    from genforge_tabular.bundled import load_bundled

    table = load_bundled("penguins").frame
    table["label"] = np.where(table["species"] == "Chinstrap", "rare", "common")
    for name in ("my.csv", "data.csv"):
        table.to_csv(folder / name, index=False)
    for name, text in {**FILES, "run.toml": readme_file(ROOT / "README.md", "run.toml") or ""}.items():
        (folder / name).write_text(readme_file(readme, name) or text, encoding="utf-8")
    rng = np.random.default_rng(0)
    images, labels = [], []
    for label, level in (("dark", 60), ("light", 190)):
        for k in range(24):
            images.append(np.clip(rng.normal(level, 25, (16, 16, 3)), 0, 255).astype(np.uint8))
            labels.append(label)
    for top in ("photos", "path/to/folder"):
        for k, (image, label) in enumerate(zip(images, labels)):
            (folder / top / label).mkdir(parents=True, exist_ok=True)
            Image.fromarray(image).save(folder / top / label / f"{k}.png")
    np.savez(folder / "images.npz", images=np.stack(images), labels=np.array(labels))


def tour_env(steps: int) -> dict[str, str]:
    """The environment the commands run in: .venv's ``genforge`` first on PATH, one thread,
    plain progress lines, trainings capped at ``steps``."""
    env = {k: v for k, v in os.environ.items() if k != "GENFORGE_LOAD_PLUGINS"}  # every plugin, as a user has
    return {**env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            "GENFORGE_MAX_STEPS": str(steps), "OMP_NUM_THREADS": "1", "GENFORGE_PROGRESS": "plain",
            "GENFORGE_PROGRESS_EVERY": "30"}


def scratch_env(folder: Path, env: dict[str, str]) -> dict[str, str]:
    """``env`` with a ``genforge`` first on PATH whose pip installs into a throwaway environment
    under ``folder`` (:func:`genforge.testing.scratch_environment`: it sees every package
    installed here), offline and without build isolation (setuptools comes from here)."""
    from genforge.testing import scratch_environment

    python = Path(scratch_environment(folder / "scratch-venv"))
    shim = python.parent / "genforge"
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(str(python))} -m genforge.cli "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    return {**env, "PATH": f"{python.parent}{os.pathsep}{env['PATH']}", "PIP_NO_INDEX": "1",
            "PIP_NO_BUILD_ISOLATION": "0"}


def run_command(command: str, folder: Path, env: dict[str, str], timeout: float | None = None
                ) -> subprocess.CompletedProcess:
    """Run one README line in ``folder`` (a fresh ``--out`` for a train command without
    ``--resume``), through the shell, as a user would type it."""
    words = shlex.split(command)
    if " train " in f" {command} " and "--resume" not in words and "--out" in words:
        shutil.rmtree(folder / words[words.index("--out") + 1], ignore_errors=True)
    return subprocess.run(["bash", "-c", command], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=timeout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=20, help="GENFORGE_MAX_STEPS for every training (default 20)")
    ap.add_argument("--only", default="", help="run only the commands containing this text")
    ap.add_argument("--keep", type=Path, help="scratch folders under DIR, kept (default: a temporary folder)")
    ap.add_argument("--start", type=int, default=1, help="begin at the N-th command (numbered in the output), "
                    "e.g. to go on in a --keep folder after an interruption")
    args = ap.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="readme-tour-"))
    failed, started, number = [], time.perf_counter(), 0
    for readme in READMES:
        folder = base / readme.relative_to(ROOT).parent.as_posix().replace("/", "-").replace(".", "root")
        folder.mkdir(parents=True, exist_ok=True)
        write_fixtures(folder, readme)
        for command in readme_commands(readme):
            number += 1
            if args.only not in command or number < args.start:
                continue
            env = tour_env(args.steps)
            if command.startswith(INSTALLS):  # pip changes a scratch environment, not this one
                env = scratch_env(folder, env)
            t0 = time.perf_counter()
            result = run_command(command, folder, env)
            status = "ok" if result.returncode == 0 else f"FAILED (exit {result.returncode})"
            print(f"{number:3d} {status:18s} {time.perf_counter() - t0:6.1f}s  {readme.relative_to(ROOT)}: {command}",
                  flush=True)
            if result.returncode != 0:
                failed.append(command)
                print("    " + "\n    ".join((result.stdout + result.stderr).strip().splitlines()[-8:]), flush=True)
    print(f"{'all commands ran' if not failed else f'{len(failed)} failed'} in {time.perf_counter() - started:.0f}s; "
          f"scratch folders in {base}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
