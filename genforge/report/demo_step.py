"""The ``genforge demo`` step: a report of each demo run and a screenshot of it."""
from __future__ import annotations

import sys
from pathlib import Path

from genforge.report.browser import find_chromium, screenshot
from genforge.report.builder import build_report


def write_report_and_screenshot(run_dir: Path, out_dir: Path, name: str | None = None) -> list[Path]:
    """Write ``OUT/NAME-report.html`` and, when Chromium is found, ``OUT/NAME-report.png``; return them.
    ``name`` defaults to the run folder's name."""
    out_dir = Path(out_dir)
    name = name or Path(run_dir).name
    report = build_report(Path(run_dir), out_dir / f"{name}-report.html")
    written = [report]
    if find_chromium() is None:
        print(f"no screenshot of {report}: Chromium not found (apt-get install -y chromium)", file=sys.stderr)
        return written
    written.append(screenshot(report, out_dir / f"{name}-report.png"))
    return written


def write_demo_reports(out_dir: Path, under: str | None = None) -> list[Path]:
    """A report and screenshot beside every run folder under ``out_dir`` (e.g. ``demo-output/``), or
    under its subfolder ``under`` only: ``RUN/../NAME-report.html`` and ``.png``, NAME the run
    folder's path below ``out_dir`` joined by '-'. A run whose report cannot be written is named on
    stderr; the others still get theirs."""
    from genforge.errors import GenforgeError

    out_dir = Path(out_dir)
    written = []
    for config in sorted((out_dir / under if under else out_dir).rglob("config.json")):
        run_dir = config.parent
        name = "-".join(run_dir.relative_to(out_dir).parts) or run_dir.name
        try:
            written += write_report_and_screenshot(run_dir, out_dir, name)
        except (GenforgeError, RuntimeError, OSError) as exc:
            print(f"no report for {run_dir}: {exc}", file=sys.stderr)
    return written
