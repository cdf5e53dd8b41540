"""The report hook: how a domain plugin (bundled or third-party) adds sections to ``genforge report``.

A plugin module defines::

    from genforge.hookspecs import hookimpl
    from genforge.report import ReportSectionSpec, Text

    @hookimpl
    def register_report_sections(register):
        register(ReportSectionSpec(name="audio-spectra", domain="audio", title="Spectra",
                                   build=build_spectra))

    def build_spectra(context):       # a genforge.report.ReportContext
        return [Text(f"{len(context.samples)} clips"), ...]   # blocks, see genforge.report.blocks

``build(context)`` receives a :class:`genforge.report.ReportContext` (the run's config, decoded
samples, the domain's reference data and real samples, the metrics) and returns a list of blocks
(:class:`~genforge.report.blocks.Text`, ``Table``, ``Figure`` for plotly figures, ``Image`` for PNG
bytes or matplotlib figures, ``Note``). It is called only when the run could be sampled
(``context.samples`` is set); ``context.reference`` may be ``None`` when the training data could
not be reloaded. A section that raises is shown as a note naming the plugin's error: it never
stops the report.
"""
from __future__ import annotations

from genforge.hookspecs import hookspec


@hookspec
def register_report_sections(register):
    """Register report sections: call ``register(spec)`` with a
    :class:`genforge.report.ReportSectionSpec` for each section this plugin adds to the reports of
    its domain's runs (``spec.domain``; ``"*"`` for every domain). Called when a report is built,
    once per plugin, in plugin load order. Return nothing."""


@hookspec(firstresult=True)
def report_reference(domain, data):
    """Real data for the real-vs-real reference of ``domain``'s metrics (``domain`` is the
    :class:`genforge.domain.Domain`, ``data`` the reloaded :class:`genforge.domain.TrainingData`).

    Return ``(stand_in, reference)``: real samples that take the generated samples' place, and the
    reference data they are judged against; the stand-in must not be part of that reference (a
    subset of the training rows copies them exactly and detects as perfectly "real"). Return
    ``None`` to use ``(data.real_samples, data.reference)``. The first non-``None`` answer wins."""
