"""The built-in ``mixture`` domain's report section: samples over the real mixture, per-mode counts."""
from __future__ import annotations

import torch

from genforge.hookspecs import hookimpl
from genforge.report.blocks import Figure, Table, Text
from genforge.report.sections import ReportContext, ReportSectionSpec

MAX_POINTS = 3000


def samples_figure(context: ReportContext):
    import plotly.graph_objects as go

    fig = go.Figure()
    for label, points in (("real", context.real_samples), ("generated", context.samples)):
        if points is not None:
            pts = torch.as_tensor(points)[:MAX_POINTS]
            fig.add_trace(go.Scatter(x=pts[:, 0].tolist(), y=pts[:, 1].tolist(), mode="markers", name=label,
                                       marker=dict(size=3, opacity=0.5)))
    means = context.schema.means
    fig.add_trace(go.Scatter(x=means[:, 0].tolist(), y=means[:, 1].tolist(), mode="markers", name="mode centres",
                             marker=dict(symbol="x", size=9, color="black")))
    fig.update_layout(title="Generated points over the real mixture", height=460, width=520,
                      template="plotly_white", yaxis=dict(scaleanchor="x"))
    return fig


def build_mixture_section(context: ReportContext) -> list:
    mixture, samples = context.schema, torch.as_tensor(context.samples)
    nearest, _ = mixture.assign(samples)
    counts = torch.bincount(nearest, minlength=len(mixture.means)).tolist()
    rows = [[k, f"({mixture.means[k, 0]:.2f}, {mixture.means[k, 1]:.2f})", c, c / max(1, len(samples))]
            for k, c in enumerate(counts)]
    return [Figure(samples_figure(context)),
            Text(f"{sum(c > 0 for c in counts)} of {len(counts)} modes receive samples; an even spread gives "
                 f"{1 / len(counts):.3f} of the samples to each."),
            Table(["mode", "centre", "samples nearest", "share"], rows, caption="Samples per mode")]


@hookimpl
def register_report_sections(register):
    register(ReportSectionSpec("mixture-samples", "mixture", "Samples and modes", build_mixture_section))
