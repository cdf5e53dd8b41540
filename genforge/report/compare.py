"""``genforge compare RUN RUN ...``: the same metrics side by side, as a text table and an HTML page."""
from __future__ import annotations

from pathlib import Path

from genforge.errors import UserInputError
from genforge.plugins import get_registry
from genforge.report.blocks import Note, Table, Text
from genforge.report.render import cell, render_page
from genforge.report.sections import BuiltSection
from genforge.report.snapshot import RunSnapshot, read_run
from genforge.report.verdicts import judge


def _values(snap: RunSnapshot) -> dict[str, float]:
    if snap.metrics:
        return snap.metrics
    return dict(snap.log.evals[-1].get("eval") or {}) if snap.log.evals else {}


def comparison_rows(snaps: list[RunSnapshot], registry) -> tuple[list[str], list[list], list[str]]:
    """Header, one row per metric (value and verdict per run, best run marked) and notes."""
    specs = {}
    for snap in snaps:
        if snap.domain_name in registry.domains:
            specs.update({m.name: m for m in registry.metrics_for(snap.domain_name)})
    names = sorted(set(specs) | {k for s in snaps for k in _values(s)})
    header = ["metric", "better"] + [s.path.name for s in snaps] + ["best"]
    rows = []
    for name in names:
        spec = specs.get(name)
        higher = True if spec is None else spec.higher_is_better
        bounds = (None, None) if spec is None else spec.bounds
        cells, scored = [], []
        for snap in snaps:
            value = _values(snap).get(name)
            if value is None:
                cells.append("—")
                continue
            verdict = judge(value, snap.reference_metrics.get(name), higher, bounds)
            cells.append(f"{cell(value)} ({verdict.word})")
            if value == value:
                scored.append((value, snap.path.name))
        best = (max(scored) if higher else min(scored))[1] if scored else "—"
        rows.append([name, "higher" if higher else "lower", *cells, best])
    notes = [f"{s.path.name}: {line}" for s in snaps for line in s.missing]
    if len({s.domain_name for s in snaps}) > 1:
        notes.insert(0, "the runs are of different domains: only metrics with the same name line up")
    return header, rows, notes


def text_table(header: list[str], rows: list[list]) -> str:
    widths = [max(len(str(r[k])) for r in [header, *rows]) for k in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def compare_runs(run_dirs: list[Path], out: Path | None = None, *, n: int | None = None, seed: int | None = None,
                 registry=None) -> tuple[str, Path | None]:
    """Compare runs; return the text table and the HTML file written to ``out`` (if given)."""
    from genforge.report.builder import page_extra, write_html

    if len(run_dirs) < 2:
        raise UserInputError("compare needs at least two run folders")
    registry = registry or get_registry()
    snaps = [read_run(Path(d), registry, n=n, seed=seed) for d in run_dirs]
    header, rows, notes = comparison_rows(snaps, registry)
    text = text_table(header, rows) + "".join(f"\nnote: {line}" for line in notes)
    if out is None:
        return text, None
    sections = [BuiltSection("comparison", "Metrics side by side",
                             [Text("Each value with its verdict against that run's real-vs-real reference; "
                                   "'best' names the run with the best value."), Table(header, rows)]
                             + [Note(line, "warning") for line in notes])]
    page = render_page("report.html.j2", f"genforge compare: {len(snaps)} runs", sections,
                       subtitle=", ".join(str(s.path) for s in snaps), **page_extra())
    return text, write_html(page, Path(out))
