"""The report section that ``genforge new-plugin`` writes into a new plugin's ``plugin.py``.

A ``str.format`` template over the scaffold's fields (``{domain}``), meant to be appended to
``genforge.scaffold_templates.PLUGIN`` (which defines ``DOMAIN`` and ``hookimpl``)::

    PLUGIN = '''...''' + REPORT_SECTION
"""

REPORT_SECTION = '''

# -- the plugin's section of `genforge report` (genforge.report.hookspecs) -------------------------
def radius_section(context):
    """Blocks for the report of a {domain} run: ``context.samples`` are decoded samples,
    ``context.real_samples`` real ones, ``context.metrics`` the metric values."""
    import plotly.graph_objects as go
    from genforge.report import Figure, Text

    fig = go.Figure()
    for label, points in (("real", context.real_samples), ("generated", context.samples)):
        if points is not None:
            fig.add_trace(go.Histogram(x=points.float().norm(dim=1).tolist(), name=label, opacity=0.6))
    fig.update_layout(barmode="overlay", title="Distance from the centre", height=300)
    return [Text(f"{{len(context.samples)}} samples, radius error {{context.metrics.get('radius_error', float('nan')):.3f}}"),
            Figure(fig)]


@hookimpl
def register_report_sections(register):
    from genforge.report import ReportSectionSpec

    register(ReportSectionSpec("{domain}-radius", DOMAIN, "Distance from the circle", radius_section))
'''
