"""Reading short texts: ``.txt`` (one text per line) or ``.tsv`` (columns ``text`` and ``category``)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from genforge import DataReport, UserInputError


@dataclass
class Corpus:
    """Texts with an optional category each (``categories`` is ``None`` when there are none)."""

    texts: list[str]
    categories: list[str] | None
    report: DataReport
    source: str = ""


def read_corpus(path: Path, max_length: int = 24) -> Corpus:
    """Lines of ``path``; blank lines, over-long lines and rows without a text are reported."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise UserInputError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise UserInputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    tabular = path.suffix.lower() == ".tsv"
    text_col, cat_col = 0, None
    if tabular:
        if not lines:
            raise UserInputError(f"{path}: empty file; a .tsv needs a header row with a 'text' column")
        header = [h.strip().lower() for h in lines[0].split("\t")]
        if "text" not in header:
            raise UserInputError(f"{path}, line 1: header {lines[0]!r} has no 'text' column "
                                 "(columns are tab-separated: text, category)")
        text_col = header.index("text")
        cat_col = header.index("category") if "category" in header else None
        lines = lines[1:]
    report = DataReport(total=len(lines))
    texts: list[str] = []
    categories: list[str] | None = [] if cat_col is not None else None
    first_line = 2 if tabular else 1
    for number, line in enumerate(lines, start=first_line):
        fields = line.split("\t") if tabular else [line]
        text = fields[text_col].strip() if len(fields) > text_col else ""
        if not text:
            report.skip("blank text", f"line {number}")
            continue
        if len(text) > max_length:
            report.skip(f"longer than max_length {max_length}", f"line {number}: {text[:30]!r}")
            continue
        if categories is not None:
            category = fields[cat_col].strip() if len(fields) > cat_col else ""
            if not category:
                report.skip("no category", f"line {number}")
                continue
            categories.append(category)
        texts.append(text)
    report.used = len(texts)
    if not texts:
        raise UserInputError(f"{path}: no usable text lines ({'; '.join(report.lines())})")
    return Corpus(texts, categories, report, str(path))


def split_by_text(texts: list[str], fractions: tuple[float, float], seed: int) -> tuple[set[str], set[str]]:
    """Two disjoint held-out sets of distinct texts (shares ``fractions``); the rest trains.

    Splitting distinct texts (not rows) keeps every held-out text out of training,
    even when it appears under two categories.
    """
    distinct = sorted(set(texts))
    order = torch.randperm(len(distinct), generator=torch.Generator().manual_seed(seed)).tolist()
    a = max(1, round(fractions[0] * len(distinct)))
    b = max(1, round(fractions[1] * len(distinct)))
    if a + b >= len(distinct):
        raise UserInputError(f"only {len(distinct)} distinct texts: too few to hold out {a + b} and still train")
    shuffled = [distinct[i] for i in order]
    return set(shuffled[:a]), set(shuffled[a:a + b])
