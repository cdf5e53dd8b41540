"""The READMEs' command lines: every one parses with the CLI as it is, and the cheap ones run as
written (``benchmarks/readme_tour.py`` runs all of them, with the same fixtures and runner)."""
from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from genforge import cli
from genforge.cli import _extend_for
from genforge.cli_commands import build_parser
from genforge.plugins import reset_registry

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from readme_tour import READMES, readme_commands, run_command, tour_env, write_fixtures  # noqa: E402

EXAMPLES = [(path.relative_to(ROOT).as_posix(), cmd) for path in READMES for cmd in readme_commands(path)]
#: run in ``make test`` (each a fresh process, trainings capped at 5 steps); the rest in the tour
CHEAP = ["genforge plugins", "genforge datasets tabular", "genforge models molecule",
         "genforge train mixture --steps 500 --log tensorboard --out runs/ring",
         "genforge train tabular --dataset penguins --target species --epochs 300 --out runs/penguins"]


def test_the_readmes_show_commands():
    assert len(EXAMPLES) >= 40, EXAMPLES
    assert any("--target species" in cmd for _, cmd in EXAMPLES)
    assert set(CHEAP) <= {cmd for _, cmd in EXAMPLES}  # still in the README as written


@pytest.mark.parametrize("readme, command", EXAMPLES, ids=[f"{r}:{c[:60]}" for r, c in EXAMPLES])
def test_readme_command_parses(readme, command, monkeypatch):
    monkeypatch.delenv("GENFORGE_LOAD_PLUGINS", raising=False)  # every bundled plugin, as a user has them
    if command.startswith("torchrun "):
        command = "genforge " + command.split(" -m genforge.cli ", 1)[1]
    argv = shlex.split(command)[1:]
    parser = build_parser()
    _extend_for(parser, argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        pytest.fail(f"{readme}: `{command}` does not parse (exit {exc.code})")
    assert callable(args.func)


@pytest.fixture(scope="module")
def tour(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tour")
    write_fixtures(folder, ROOT / "README.md")
    return folder


def run_here(command: str, tour: Path, monkeypatch, capsys) -> tuple[int, str, str]:
    """``command``'s argv through ``genforge.cli.main`` in ``tour`` (what the tour's shell runs,
    without a new interpreter's start-up), every plugin loaded, trainings capped at 5 steps."""
    monkeypatch.chdir(tour)
    monkeypatch.delenv("GENFORGE_LOAD_PLUGINS", raising=False)
    monkeypatch.setenv("GENFORGE_MAX_STEPS", "5")
    reset_registry()
    status = cli.main(shlex.split(command)[1:])
    reset_registry()
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("command", CHEAP)
def test_cheap_readme_command_runs_as_written(command, tour, monkeypatch, capsys):
    status, out, err = run_here(command, tour, monkeypatch, capsys)
    assert status == 0, out + err
    if command == "genforge plugins":
        assert all(name in out for name in ("tabular", "molecule", "image", "text"))
    elif command == "genforge models molecule":
        assert "latentgan" in out and "reward" in out
    elif " train " in f" {command} ":
        assert "trained 5 steps" in out and "GENFORGE_MAX_STEPS=5: training 5 steps" in err
    elif command == "genforge datasets tabular":
        assert "penguins" in out and ".parquet" in out


def test_a_mistyped_condition_column_names_the_close_match(tour, monkeypatch, capsys):
    command = "genforge sample runs/penguins -n 10 --condition specis=Adelie --out x.csv"  # after the train above
    status, _, err = run_here(command, tour, monkeypatch, capsys)
    assert status == 2 and "no such column; did you mean 'species'?" in err, err


def test_the_tour_script_runs_a_command_through_the_shell(tour):
    result = run_command("genforge plugins", tour, tour_env(5), timeout=60)
    assert result.returncode == 0 and "molecule" in result.stdout, result.stderr


def test_the_step_cap_shortens_trainings_and_pretraining(monkeypatch, capsys):
    from genforge import UserInputError, make_config
    from genforge.plugins import get_registry
    from genforge.training import step_cap

    monkeypatch.delenv("GENFORGE_LOAD_PLUGINS", raising=False)
    reset_registry()
    config = make_config("molecule", {"model": "latentgan", "epochs": 50, "model_options": {"ae_steps": 3}})
    monkeypatch.setenv("GENFORGE_MAX_STEPS", "7")
    capped = step_cap(config, get_registry())
    assert (capped.steps, capped.model_options["ae_steps"], config.steps) == (7, 3, None)
    capped = step_cap(make_config("molecule", {"model": "latentgan", "steps": 5}), get_registry())
    assert (capped.steps, capped.model_options["ae_steps"]) == (5, 7)  # the default 1,500 capped
    assert "GENFORGE_MAX_STEPS=7: training 5 steps" in capsys.readouterr().err
    monkeypatch.setenv("GENFORGE_MAX_STEPS", "many")
    with pytest.raises(UserInputError, match="GENFORGE_MAX_STEPS='many': expected a positive whole number"):
        step_cap(config, get_registry())
    reset_registry()
