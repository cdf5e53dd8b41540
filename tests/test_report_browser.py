"""Reports opened in headless Chromium: they render with no console error, every section is there, every
image loads; and the probe that says so does catch a script error and a broken image."""
from __future__ import annotations

import re

import pytest
import torch
from PIL import Image as PILImage

from genforge.report.browser import check_in_browser, find_chromium, screenshot
from genforge.report.demo_step import write_demo_reports, write_report_and_screenshot

torch.set_num_threads(1)
CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium not found: `apt-get install -y chromium` "
                                                          "(make install-browser) or set GENFORGE_CHROMIUM")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    from genforge.report import build_report
    from tests.test_report import tiny_run

    folder = tmp_path_factory.mktemp("browser")
    return build_report(tiny_run(folder / "mix"), folder / "report.html")


def test_report_renders_without_errors_with_every_section(report):
    found = check_in_browser(report)
    expected = re.findall(r'data-section="([^"]+)"', report.read_text())
    assert found["errors"] == []
    assert found["sections"] == expected == ["run", "training", "metrics", "mixture-samples"]
    assert found["figures"] == found["drawn_figures"] == 5  # every plotly figure drawn


def test_probe_catches_script_errors_and_broken_images(report, tmp_path):
    page = report.read_text().replace("</main>", "<img alt='missing picture' src='data:image/png;base64,AAAA'>"
                                                 "<script>undefinedFunction()</script></main>")
    broken = tmp_path / "broken.html"
    broken.write_text(page)
    found = check_in_browser(broken)
    assert found["broken_images"] == ["missing picture"]
    assert any("undefinedFunction" in e for e in found["errors"])


def test_demo_step_writes_report_and_a_screenshot(report, tmp_path):
    run_dir = report.parent / "mix"
    written = write_report_and_screenshot(run_dir, tmp_path / "demo-output", "mixture")
    assert [p.name for p in written] == ["mixture-report.html", "mixture-report.png"]
    picture = PILImage.open(written[1]).convert("RGB")
    assert picture.size == (1280, 2400)
    colours = picture.resize((64, 120)).getcolors(64 * 120)
    assert len(colours) > 50  # a drawn page, not a blank one


def test_screenshot_of_a_missing_chromium_is_a_clear_error(report, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("GENFORGE_CHROMIUM", raising=False)
    with pytest.raises(FileNotFoundError, match="apt-get install -y chromium"):
        screenshot(report, tmp_path / "x.png")


def test_demo_reports_cover_every_run_folder(report, tmp_path):
    import shutil
    demo = tmp_path / "demo-output"
    shutil.copytree(report.parent / "mix", demo / "mixture" / "grid-25")
    (demo / "notes.txt").write_text("not a run")
    written = write_demo_reports(demo)
    assert [p.name for p in written] == ["mixture-grid-25-report.html", "mixture-grid-25-report.png"]
