"""Reports of training runs: ``genforge report RUN`` and ``genforge compare RUN RUN ...``.

Plugins add sections through the ``register_report_sections`` hook
(:mod:`genforge.report.hookspecs`), returning the blocks of :mod:`genforge.report.blocks`.
"""
from genforge.report.blocks import Figure, Image, Note, Subsection, Table, Text, png_of
from genforge.report.sections import ReportContext, ReportSectionSpec

__all__ = ["Figure", "Image", "Note", "Subsection", "Table", "Text", "png_of", "ReportContext",
           "ReportSectionSpec", "build_report", "compare_runs"]


def build_report(*args, **kwargs):
    """See :func:`genforge.report.builder.build_report`."""
    from genforge.report.builder import build_report as build
    return build(*args, **kwargs)


def compare_runs(*args, **kwargs):
    """See :func:`genforge.report.compare.compare_runs`."""
    from genforge.report.compare import compare_runs as compare
    return compare(*args, **kwargs)
