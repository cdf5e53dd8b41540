"""Real mixed-type tables shipped inside the package (provenance: datasets/README.md)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from genforge_tabular.reading import read_table

DATA = Path(__file__).parent / "data"


@dataclass
class TableSource:
    """A loaded table, where it came from, and dataset options it implies (e.g. its target);
    a file too large to load whole has ``stream`` (``streaming.py``) and no ``frame``."""

    frame: pd.DataFrame | None
    where: str
    defaults: dict[str, Any] = field(default_factory=dict)
    stream: Any = None


#: name -> (file, default options, description)
BUNDLED = {
    "penguins": ("penguins.csv", {"target": "species"},
                 "Palmer penguins (CC0): 344 rows, 8 mixed columns with missing values, 3 species"),
    "actg175": ("actg175.csv", {"target": "drugs"},
                "AIDS trial ACTG 175: 2139 rows, 27 mixed columns; target drugs (13% minority)"),
    "democracy": ("dd.csv", {"target": "regime"},
                  "Democracy and dictatorship (Cheibub et al.): 1808 rows, 200 countries, 6 regimes"),
}


def load_bundled(name: str, options: dict[str, Any] | None = None) -> TableSource:
    file, defaults, _ = BUNDLED[name]
    path = DATA / file
    return TableSource(_some_rows(read_table(path, options), options), str(path), dict(defaults))


def load_file(path: Path, options: dict[str, Any]) -> TableSource:
    """A table file, whole, or in chunks when it is large (``streaming.py``); ``rows=N`` of a
    large file is a uniform sample drawn while streaming."""
    from genforge_tabular.streaming import StreamedTable, bounded_sample, should_stream

    if should_stream(Path(path), options):
        stream = StreamedTable(Path(path), options)
        if options.get("rows"):
            return TableSource(bounded_sample(stream.chunks(), int(options["rows"]), 0)[0], str(path))
        return TableSource(None, str(path), stream=stream)
    return TableSource(_some_rows(read_table(path, options), options), str(path))


def _some_rows(frame: pd.DataFrame, options: dict[str, Any] | None) -> pd.DataFrame:
    """Dataset option ``rows``: a random sample of N rows (seed 0)."""
    rows = (options or {}).get("rows")
    if rows:
        frame = frame.sample(min(int(rows), len(frame)), random_state=0).reset_index(drop=True)
    return frame
