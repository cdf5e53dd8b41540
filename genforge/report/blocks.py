"""What a report section is made of: text, tables, plotly figures, images and notes.

Sections return lists of these blocks; :mod:`genforge.report.render` turns them into HTML with
every image inlined as a data URI and every figure drawn by the one inlined copy of plotly.js.
"""
from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from typing import Any, Sequence


@dataclass
class Text:
    """A paragraph of plain text (escaped when rendered)."""

    text: str


@dataclass
class Note:
    """A highlighted remark: ``level`` is ``info``, ``warning`` (something went wrong in training or
    is missing) or ``error`` (a part of the report could not be built)."""

    text: str
    level: str = "info"
    remedy: str = ""


@dataclass
class Table:
    """Rows of cells under ``columns``; cells are rendered with ``str`` (floats to 4 digits).
    ``row_classes`` gives an optional CSS class per row (``good``, ``acceptable``, ``poor``)."""

    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    caption: str = ""
    row_classes: Sequence[str] = ()


@dataclass
class Figure:
    """A plotly figure (``plotly.graph_objects.Figure``), drawn interactively."""

    figure: Any
    caption: str = ""


@dataclass
class Image:
    """A PNG image: raw ``png`` bytes (see :func:`png_of` for matplotlib figures and PIL images)."""

    png: bytes
    alt: str
    caption: str = ""

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


@dataclass
class Subsection:
    """A titled group of blocks inside a section."""

    title: str
    blocks: list = field(default_factory=list)


def png_of(picture: Any, dpi: int = 90) -> bytes:
    """PNG bytes of a matplotlib figure (closed afterwards) or a PIL image."""
    buffer = io.BytesIO()
    if hasattr(picture, "savefig"):
        import matplotlib.pyplot as plt
        picture.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
        plt.close(picture)
    else:
        picture.save(buffer, format="PNG")
    return buffer.getvalue()
