"""`genforge install` / `uninstall` / `new-plugin`, end to end in a scratch environment.

The scratch environment sees everything installed here but pip writes only
into it, so these tests never change the environment they run in.
"""
from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from genforge.errors import UserInputError
from genforge.plugin_install import bundled_plugins, inspect, install, resolve, uninstall
from genforge.plugin_scaffold import new_plugin
from genforge.testing import scratch_environment

FAST = ["--no-deps", "--no-build-isolation"]


@pytest.fixture(autouse=True)
def only_test_plugins(monkeypatch):
    """Load only the plugins these tests install (plus the built-ins): faster, and
    independent of whatever else is installed."""
    monkeypatch.setenv("GENFORGE_LOAD_PLUGINS", "ringdemo,ghost,copycat")
    monkeypatch.setenv("GENFORGE_PROGRESS", "0")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return scratch_environment(tmp_path_factory.mktemp("env") / "venv")


def _cli(python, *args, cwd=None):
    env = {**os.environ, "PIP_NO_INDEX": "1"}
    return subprocess.run([python, "-m", "genforge.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env=env)


def _package(root: Path, name: str, entry_point: str, plugin_source: str = "") -> Path:
    """A minimal plugin package: pyproject with one genforge entry point."""
    folder = root / name
    package = folder / name.replace("-", "_")
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    if plugin_source:
        (package / "plugin.py").write_text(textwrap.dedent(plugin_source))
    (folder / "pyproject.toml").write_text(textwrap.dedent(f"""\
        [build-system]
        requires = ["setuptools>=68"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "{name}"
        version = "0.1.0"
        [project.entry-points.genforge]
        {entry_point}
        """))
    return folder


def test_new_plugin_installs_lists_and_passes_its_tests(scratch, tmp_path):
    """The issue's five-minute path: one command each, checked through the real CLI."""
    made = _cli(scratch, "new-plugin", "ringdemo", "--dir", str(tmp_path))
    assert made.returncode == 0, made.stderr
    folder = tmp_path / "genforge-ringdemo"
    assert {p.name for p in folder.iterdir()} >= {"pyproject.toml", "README.md", "genforge_ringdemo", "tests"}

    done = _cli(scratch, "install", *FAST, "-e", str(folder))
    assert done.returncode == 0, done.stderr
    assert "ringdemo 0.1.0" in done.stdout and "domains: ringdemo" in done.stdout
    assert "metrics: ringdemo/radius_error" in done.stdout

    listed = json.loads(_cli(scratch, "plugins", "--check", "--json").stdout)
    mine = [p for p in listed["plugins"] if p["name"] == "ringdemo"]
    assert mine and mine[0]["registers"]["models"] == ["ringdemo/mlp"]

    tests = subprocess.run([scratch, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder / "tests")],
                           capture_output=True, text=True)
    assert tests.returncode == 0, tests.stdout[-2000:]
    assert "6 passed" in tests.stdout  # 5 conformance checks + the metric test

    gone = _cli(scratch, "uninstall", "ringdemo")
    assert gone.returncode == 0 and "uninstalled genforge-ringdemo 0.1.0" in gone.stdout
    assert "genforge-ringdemo" not in inspect(scratch).distributions


def test_new_plugin_refuses_bad_names_and_taken_domains(tmp_path):
    with pytest.raises(UserInputError, match="plugin name 'Bad Name': use lowercase"):
        new_plugin("Bad Name", parent=tmp_path)
    with pytest.raises(UserInputError, match="domain 'mixture' is already registered by genforge.mixture"):
        new_plugin("mine", domain="mixture", parent=tmp_path)
    new_plugin("mine", parent=tmp_path)
    with pytest.raises(UserInputError, match="already exists and is not empty"):
        new_plugin("mine", parent=tmp_path)


def test_bundled_short_names_resolve_to_editable_checkouts(tmp_path):
    folder = tmp_path / "genforge-tabular"
    folder.mkdir()
    (folder / "pyproject.toml").write_text('[project]\nname = "genforge-tabular"\n')
    (tmp_path / "genforge-notes").mkdir()  # no pyproject: not a plugin
    assert bundled_plugins(tmp_path) == {"tabular": folder}
    target = resolve("tabular", plugins_dir=tmp_path)
    assert target.pip_args == ["-e", str(folder)] and target.distribution == "genforge-tabular"
    assert resolve("genforge-audio>=1.2", plugins_dir=tmp_path).distribution == "genforge-audio"


def test_path_without_a_package_is_refused_before_pip(tmp_path, scratch):
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserInputError, match="folder has no pyproject.toml or setup.py"):
        install([str(tmp_path / "empty")], python=scratch)
    with pytest.raises(UserInputError, match="no such file or folder"):
        install([str(tmp_path / "missing")], python=scratch)


def _refused_and_rolled_back(scratch, targets, match, **options):
    before = inspect(scratch).distributions
    with pytest.raises(UserInputError, match=match):
        install(targets, python=scratch, **options)
    assert inspect(scratch).distributions == before


def test_unknown_name_is_a_clear_error(scratch, monkeypatch):
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # offline: the index is not consulted
    _refused_and_rolled_back(scratch, ["genforge-no-such-plugin"], r"pip could not install genforge-no-such-"
                             r"plugin: .*No matching distribution.*check the name or path")


def test_broken_entry_point_is_rolled_back(scratch, tmp_path):
    folder = _package(tmp_path, "genforge-ghost", 'ghost = "genforge_ghost.missing"')
    _refused_and_rolled_back(scratch, [str(folder)], r"plugin 'ghost' is broken: ModuleNotFoundError: No module "
                             r"named 'genforge_ghost.missing'.*uninstalled it again", pip_options=FAST)


def test_name_clash_is_rolled_back(scratch, tmp_path):
    folder = _package(tmp_path, "genforge-copycat", 'copycat = "genforge_copycat.plugin"', """
        from genforge import DatasetSpec, hookimpl

        @hookimpl
        def register_datasets(register):
            register(DatasetSpec("ring-8", "mixture", lambda source, options: None))
        """)
    _refused_and_rolled_back(scratch, [str(folder)], r"plugin 'copycat': dataset 'mixture/ring-8' registered by "
                             r"both genforge.mixture and copycat.*environment is as it was", pip_options=FAST)


def test_package_without_genforge_entry_point_is_rolled_back(scratch, tmp_path):
    folder = _package(tmp_path, "plain-pkg", "")
    _refused_and_rolled_back(scratch, [str(folder)], "plain-pkg declares no entry point in group 'genforge'",
                             pip_options=FAST)


def test_uninstall_refuses_unknown_names_and_the_core(scratch):
    with pytest.raises(UserInputError, match="no installed genforge plugin named 'nothing'; installed plugins:"):
        uninstall(["nothing"], python=scratch)
    with pytest.raises(UserInputError, match="genforge itself cannot be uninstalled"):
        uninstall(["genforge"], python=scratch)
