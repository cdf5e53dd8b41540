"""Report sections contributed by plugins: the spec they register and the context they are given."""
from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from genforge.report.blocks import Note


@dataclass
class ReportContext:
    """Everything a section may read. ``samples`` are decoded samples of the trained generator;
    ``reference`` and ``real_samples`` come from the run's training data (``None`` when it could
    not be reloaded); ``metrics`` maps metric name to the samples' value and
    ``reference_metrics`` to the real-vs-real value."""

    run_dir: Path
    config: dict[str, Any]
    domain: Any = None
    schema: Any = None
    samples: Any = None
    reference: Any = None
    real_samples: Any = None
    metrics: dict[str, float] = field(default_factory=dict)
    reference_metrics: dict[str, float] = field(default_factory=dict)
    seed: int = 0


@dataclass(frozen=True)
class ReportSectionSpec:
    """A section of the reports of ``domain``'s runs (``"*"``: every domain)."""

    name: str
    domain: str
    title: str
    build: Callable[[ReportContext], list]
    description: str = ""


@dataclass
class BuiltSection:
    """A section ready to render: its id, title, owner plugin and blocks."""

    name: str
    title: str
    blocks: list
    plugin: str = ""


def section_specs(registry) -> list[tuple[str, ReportSectionSpec]]:
    """``(plugin name, spec)`` for every registered section, each plugin's hook called in
    isolation: one that raises is recorded as a spec whose section is an error note."""
    hook = getattr(registry.hook, "register_report_sections", None)
    if hook is None:
        return []
    found: list[tuple[str, ReportSectionSpec]] = []
    for impl in hook.get_hookimpls():
        staged: list[ReportSectionSpec] = []
        try:
            impl.function(register=staged.append)
        except Exception as exc:
            staged = [ReportSectionSpec(f"broken-{impl.plugin_name}", "*", f"{impl.plugin_name} (broken)",
                                        _raiser(exc))]
        found.extend((impl.plugin_name, spec) for spec in staged)
    return found


def _raiser(exc: Exception) -> Callable[[ReportContext], list]:
    def build(context: ReportContext) -> list:
        raise exc
    return build


def build_sections(registry, context: ReportContext, domain_name: str) -> list[BuiltSection]:
    """The sections of ``domain_name`` built on ``context``; a failing one becomes an error note."""
    built = []
    for plugin, spec in section_specs(registry):
        if spec.domain not in (domain_name, "*"):
            continue
        try:
            blocks = list(spec.build(context) or [])
        except Exception as exc:
            where = traceback.extract_tb(exc.__traceback__)[-1]
            blocks = [Note(f"section {spec.name!r} of plugin {plugin} failed: {type(exc).__name__}: {exc} "
                           f"({Path(where.filename).name}:{where.lineno})", "error",
                           remedy="report this to the plugin's authors; the rest of the report is complete")]
        built.append(BuiltSection(spec.name, spec.title, blocks, plugin))
    return built
