"""genforge report / compare on tiny mixture runs: sections, verdicts, bad input, third-party sections."""
from __future__ import annotations

import json
import re
import shutil
import types

import pytest
import torch

from genforge.cli import main
from genforge.hookspecs import hookimpl
from genforge.plugins import PluginInfo, build_registry
from genforge.report import Image, Note, ReportSectionSpec, Text, build_report, compare_runs
from genforge.report.verdicts import judge
from genforge.training import make_config, train

torch.set_num_threads(1)


def tiny_run(path, seed=0, steps=30, **overrides):
    config = make_config("mixture", {"steps": steps, "seed": seed, "eval_samples": 400, "log_every": 5,
                                     "dataset_options": {"points": 2000}, **overrides})
    train(config, path, report=lambda line: None)
    return path


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return tiny_run(tmp_path_factory.mktemp("runs") / "mix")


def sections_of(html: str) -> list[str]:
    return re.findall(r'data-section="([^"]+)"', html)


def test_report_has_every_section_inlined_and_a_verdict_per_metric(run_dir, tmp_path):
    out = build_report(run_dir, tmp_path / "r.html")
    html = out.read_text(encoding="utf-8")
    assert sections_of(html) == ["run", "training", "metrics", "mixture-samples"]
    assert "src=\"http" not in html and "src='http" not in html  # nothing fetched from the network
    assert "Plotly.newPlot" in html and len(html) > 3_000_000  # plotly.js inlined
    registry = build_registry()
    for spec in registry.metrics_for("mixture"):
        row = re.search(rf"<tr class='(\w+)'><td>{spec.name}</td>", html)
        assert row and row.group(1) in ("good", "acceptable", "poor"), spec.name
    summary = json.loads((run_dir / "run_summary.json").read_text())
    assert summary["steps"] == 30 and summary["wall_time"] > 0 and summary["versions"]["torch"]
    assert 0 < summary["loop_time"] < summary["wall_time"]  # the steps alone, without the final evaluation
    assert "wall time" in html and "hardware: cpu_count" in html


def test_verdicts_follow_direction_range_and_reference():
    assert judge(0.94, 0.95, True, (0, 1)).word == "good"
    assert judge(0.85, 0.95, True, (0, 1)).word == "acceptable"
    assert judge(0.60, 0.95, True, (0, 1)).word == "poor"
    assert judge(0.52, 0.50, False, (0, 1)).word == "good"
    assert judge(0.90, 0.50, False, (0, 1)).word == "poor"
    # a reference at the worst end (real rows copy themselves) is not informative: the range decides
    assert judge(0.0, 1.0, False, (0, 1)).word == "good"
    assert judge(0.5, 1.0, False, (0, 1)).word == "poor"
    assert judge(float("nan"), 0.5, True, (0, 1)).word == "unknown"
    assert "worse than real data" in judge(0.6, 0.95, True, (0, 1)).why


@pytest.mark.parametrize("damage", ["removed", "truncated"])
def test_no_checkpoint_reports_what_exists(run_dir, tmp_path, capsys, damage):
    copy = shutil.copytree(run_dir, tmp_path / "no-ckpt")
    for file in (copy / "checkpoints").iterdir():
        if damage == "removed":
            file.unlink()
        else:  # a run killed while saving: every checkpoint half-written
            file.write_bytes(file.read_bytes()[:200])
    assert main(["report", str(copy), "--out", str(tmp_path / "r.html")]) == 0
    assert "Traceback" not in capsys.readouterr().err
    html = (tmp_path / "r.html").read_text()
    assert sections_of(html) == ["run", "missing", "training", "metrics"]
    assert "no usable checkpoint" in html
    assert "the last evaluation in the metrics log (step 30)" in html  # metrics from the log instead


def test_half_written_metrics_log_is_counted_not_fatal(run_dir, tmp_path):
    copy = shutil.copytree(run_dir, tmp_path / "killed")
    (copy / "run_summary.json").unlink()
    with open(copy / "metrics.jsonl", "a") as handle:
        handle.write('{"step": 35, "loss_d": 0.6')
    html = build_report(copy, tmp_path / "r.html").read_text()
    assert "metrics.jsonl has 1 unreadable line(s)" in html
    assert "training did not finish" in html
    assert "mixture-samples" in sections_of(html)


def test_run_of_an_uninstalled_plugin(run_dir, tmp_path):
    copy = shutil.copytree(run_dir, tmp_path / "audio")
    config = json.loads((copy / "config.json").read_text())
    (copy / "config.json").write_text(json.dumps({**config, "domain": "audio"}))
    assert main(["report", str(copy), "--out", str(tmp_path / "r.html")]) == 0  # the CLI too
    html = (tmp_path / "r.html").read_text()
    assert "domain &#x27;audio&#x27; is not installed" in html
    assert sections_of(html) == ["run", "missing", "training", "metrics"]


def test_cli_report_and_bad_folder(run_dir, tmp_path, capsys):
    assert main(["report", str(run_dir), "--out", str(tmp_path / "cli.html")]) == 0
    assert (tmp_path / "cli.html").is_file() and "wrote" in capsys.readouterr().out
    assert main(["report", str(tmp_path)]) == 2
    assert "not a genforge run folder (no config.json)" in capsys.readouterr().err
    (tmp_path / "config.json").write_text("{broken")
    assert main(["report", str(tmp_path)]) == 2
    assert "line 1 column 2: not valid JSON" in capsys.readouterr().err


def test_compare_lines_up_metrics_and_names_the_best(run_dir, tmp_path, capsys):
    other = tiny_run(tmp_path / "mix-seed1", seed=1, steps=60, eval_every=20, early_stop_metric="modes",
                     early_stop_patience=10)
    text, page = compare_runs([run_dir, other], tmp_path / "cmp.html")
    html = build_report(other, tmp_path / "other.html").read_text()
    assert re.search(r"Early stopping watched modes: its best value [\d.]+ was reached at step (20|40|60)\.", html)
    assert html.count("Evaluation metrics over steps") == 1
    header, rule, *rows = text.splitlines()
    assert header.split()[:4] == ["metric", "better", "mix", "mix-seed1"]
    modes = next(r for r in rows if r.startswith("modes"))
    assert modes.split()[-1] in ("mix", "mix-seed1")
    assert "Metrics side by side" in page.read_text()
    assert main(["compare", str(run_dir)]) == 2  # one run is no comparison


# -- a third-party plugin's sections -----------------------------------------------------------
def _plugin_module():
    def build(context):
        from genforge.report import png_of
        from PIL import Image as PILImage
        picture = PILImage.new("RGB", (16, 8), "red")
        return [Text(f"thirdparty saw {len(context.samples)} samples"), Image(png_of(picture), alt="red square")]

    def broken(context):
        raise ValueError("boom in thirdparty")

    module = types.ModuleType("thirdparty_report_plugin")

    @hookimpl
    def register_report_sections(register):
        register(ReportSectionSpec("thirdparty", "mixture", "Third-party section", build))
        register(ReportSectionSpec("thirdparty-broken", "mixture", "Broken section", broken))
        register(ReportSectionSpec("elsewhere", "tabular", "Not for mixture runs", build))

    module.register_report_sections = register_report_sections
    return module


@pytest.fixture
def registry_with_plugin():
    registry = build_registry(include_entry_points=False)
    assert registry.load(_plugin_module(), PluginInfo("thirdparty", "0.1"))
    return registry


def test_third_party_plugin_adds_its_sections(run_dir, tmp_path, registry_with_plugin):
    html = build_report(run_dir, tmp_path / "r.html", registry=registry_with_plugin).read_text()
    assert sections_of(html) == ["run", "training", "metrics", "mixture-samples", "thirdparty", "thirdparty-broken"]
    assert "thirdparty saw 400 samples" in html and "data:image/png;base64," in html
    assert "section &#x27;thirdparty-broken&#x27; of plugin thirdparty failed: ValueError: boom in thirdparty" in html


def test_a_note_block_renders_its_remedy():
    from genforge.report.render import BlockRenderer
    out = BlockRenderer().render(Note("collapse <b>", "warning", remedy="raise pac"))
    assert "collapse &lt;b&gt;" in out and "What to try: raise pac" in out and "note warning" in out


def test_a_new_plugin_scaffold_with_the_report_snippet_gets_its_section(tmp_path):
    """The snippet the scaffold appends (genforge.report.scaffold_snippet) gives the plugin its section."""
    import importlib.util

    from genforge.plugin_scaffold import new_plugin

    folder = new_plugin("ring", parent=tmp_path)  # the scaffold as `genforge new-plugin` writes it
    assert "def register_report_sections(register):" in (folder / "genforge_ring" / "plugin.py").read_text()
    spec = importlib.util.spec_from_file_location("genforge_ring_plugin", folder / "genforge_ring" / "plugin.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    registry = build_registry(include_entry_points=False)
    assert registry.load(module, PluginInfo("ring", "0.1")), registry.broken
    config = make_config("ring", {"steps": 20, "eval_samples": 300, "log_every": 5}, registry=registry)
    train(config, tmp_path / "run", registry=registry, report=lambda line: None)
    html = build_report(tmp_path / "run", tmp_path / "r.html", registry=registry).read_text()
    assert sections_of(html) == ["run", "training", "metrics", "ring-radius"]
    assert re.search(r"300 samples, radius error \d\.\d{3}", html)


def test_training_data_gone_still_shows_samples(run_dir, tmp_path, monkeypatch):
    import genforge.training
    from genforge.errors import UserInputError

    def gone(*args, **kwargs):
        raise UserInputError("data.csv: no such file")

    monkeypatch.setattr(genforge.training, "load_training_data", gone)
    copy = shutil.copytree(run_dir, tmp_path / "moved")
    html = build_report(copy, tmp_path / "r.html").read_text()
    assert "the training data could not be reloaded (UserInputError: data.csv: no such file)" in html
    assert sections_of(html) == ["run", "missing", "training", "metrics", "mixture-samples"]
