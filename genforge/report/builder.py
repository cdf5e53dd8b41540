"""``genforge report``: one self-contained HTML file for a run folder."""
from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

from genforge.plugins import get_registry
from genforge.report.core_sections import metrics_section, missing_section, run_section, training_section
from genforge.report.render import render_page
from genforge.report.sections import ReportContext, build_sections
from genforge.report.snapshot import RunSnapshot, read_run

REPORT_FILE = "report.html"


def context_of(snap: RunSnapshot) -> ReportContext:
    run = snap.run
    return ReportContext(run_dir=snap.path, config=snap.config, domain=getattr(run, "domain", None),
                         schema=getattr(run, "schema", None), samples=snap.samples, reference=snap.reference,
                         real_samples=snap.real_samples, metrics=dict(snap.metrics),
                         reference_metrics=dict(snap.reference_metrics), seed=int(snap.config.get("seed", 0)))


def report_sections(snap: RunSnapshot, registry) -> list:
    """The built-in sections, then the domain's plugin sections (when there are samples)."""
    sections = [s for s in (run_section(snap), missing_section(snap)) if s is not None]
    sections += [training_section(snap), metrics_section(snap, registry)]
    if snap.samples is not None:
        sections += build_sections(registry, context_of(snap), snap.domain_name)
    return sections


def write_html(text: str, out: Path) -> Path:
    """Write atomically (:func:`genforge.output_files.write_text`), creating the folder."""
    from genforge.output_files import make_folder, write_text

    out = Path(out)
    make_folder(out.parent)
    return write_text(out, text)


def page_extra() -> dict:
    from genforge import __version__
    return {"version": __version__, "written": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def build_report(run_dir: Path, out: Path | None = None, *, n: int | None = None, seed: int | None = None,
                 registry=None) -> Path:
    """Write the report of ``run_dir`` to ``out`` (default ``RUN/report.html``) and return its path.
    Only a folder that is not a run folder raises (:class:`genforge.UserInputError`); every missing
    part of a run is named in the report's "What is missing" section."""
    registry = registry or get_registry()
    started = time.perf_counter()
    snap = read_run(Path(run_dir), registry, n=n, seed=seed)
    sections = report_sections(snap, registry)
    subtitle = (f"{snap.domain_name or 'unknown domain'} · {snap.config.get('dataset', '')} · "
                f"{snap.config.get('model', '')} · built in {time.perf_counter() - started:.1f} s")
    text = render_page("report.html.j2", f"genforge report: {Path(run_dir).resolve().name}", sections,
                       subtitle=subtitle, **page_extra())
    return write_html(text, Path(out) if out is not None else Path(run_dir) / REPORT_FILE)
