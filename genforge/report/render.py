"""Blocks to one self-contained HTML file: CSS, images (data URIs) and plotly.js inlined."""
from __future__ import annotations

import html
import math
from functools import lru_cache
from typing import Any

from genforge.report.blocks import Figure, Image, Note, Subsection, Table, Text


@lru_cache(maxsize=1)
def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("genforge.report", "templates"),
                              autoescape=jinja2.select_autoescape(["html", "j2"]))


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """The plotly.js bundle shipped with the plotly package (no network needed to view a report)."""
    from plotly.offline import get_plotlyjs
    return get_plotlyjs()


def cell(value: Any) -> str:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4g}"
    return str(value)


class BlockRenderer:
    """Renders blocks to HTML fragments, numbering figures so that each has its own div."""

    def __init__(self) -> None:
        self.figures = 0
        self.images = 0

    def render(self, block: Any) -> str:
        if isinstance(block, Text):
            return f"<p>{html.escape(block.text)}</p>"
        if isinstance(block, Note):
            remedy = f"<div class='remedy'>What to try: {html.escape(block.remedy)}</div>" if block.remedy else ""
            return f"<div class='note {html.escape(block.level)}'>{html.escape(block.text)}{remedy}</div>"
        if isinstance(block, Table):
            return self._table(block)
        if isinstance(block, Figure):
            return self._figure(block)
        if isinstance(block, Image):
            self.images += 1
            caption = f"<figcaption>{html.escape(block.caption)}</figcaption>" if block.caption else ""
            return (f"<figure class='image'><img src='{block.data_uri}' alt='{html.escape(block.alt)}'>"
                    f"{caption}</figure>")
        if isinstance(block, Subsection):
            inner = "".join(self.render(b) for b in block.blocks)
            return f"<div class='subsection'><h3>{html.escape(block.title)}</h3>{inner}</div>"
        if isinstance(block, str):  # plain text from a careless section: shown, never interpreted
            return f"<p>{html.escape(block)}</p>"
        return f"<div class='note error'>unknown report block {html.escape(type(block).__name__)}</div>"

    def _table(self, table: Table) -> str:
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
        body = []
        for k, row in enumerate(table.rows):
            css = table.row_classes[k] if k < len(table.row_classes) else ""
            cells = "".join(f"<td>{html.escape(cell(v))}</td>" for v in row)
            body.append(f"<tr class='{html.escape(css)}'>{cells}</tr>")
        caption = f"<caption>{html.escape(table.caption)}</caption>" if table.caption else ""
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"

    def _figure(self, block: Figure) -> str:
        self.figures += 1
        div = block.figure.to_html(full_html=False, include_plotlyjs=False, div_id=f"figure-{self.figures}",
                                   config={"displaylogo": False, "responsive": True})
        caption = f"<figcaption>{html.escape(block.caption)}</figcaption>" if block.caption else ""
        return f"<figure class='plot'>{div}{caption}</figure>"


def render_page(template: str, title: str, sections: list, **extra: Any) -> str:
    """The whole page: each section as ``{"name", "title", "plugin", "html"}``."""
    renderer = BlockRenderer()
    rendered = [{"name": s.name, "title": s.title, "plugin": s.plugin,
                 "html": "".join(renderer.render(b) for b in s.blocks)} for s in sections]
    css = (_environment().loader.get_source(_environment(), "report.css")[0])
    return _environment().get_template(template).render(
        title=title, sections=rendered, css=css, plotly_js=plotly_js() if renderer.figures else "",
        figures=renderer.figures, images=renderer.images, **extra)
