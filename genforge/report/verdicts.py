"""Plain-words verdicts: a metric's value judged against the real-vs-real reference.

The reference is what the metric gives when real data stands in for the samples (the domain's
``real_samples`` against its reference data). A value within 5 % of the metric's range of the
reference is ``good``, within 15 % ``acceptable``, further ``poor``. Without a reference, or when
the reference sits at the worst end of the range (real training rows are exact copies of
themselves), the value is placed on its range: the best tenth is ``good``, the best 30 %
``acceptable``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

GOOD, ACCEPTABLE = 0.05, 0.15


@dataclass(frozen=True)
class Verdict:
    word: str  # good | acceptable | poor | unknown
    why: str


def _scale(bounds, reference: float | None) -> float:
    lo, hi = bounds
    if lo is not None and hi is not None and hi > lo:
        return float(hi - lo)
    return max(abs(reference or 0.0), 1e-9)


def judge(value: float | None, reference: float | None, higher_is_better: bool,
          bounds=(None, None)) -> Verdict:
    """The verdict for ``value`` of a metric with this direction and range."""
    if value is None or not math.isfinite(value):
        return Verdict("unknown", "no value (the metric could not be computed)")
    lo, hi = bounds
    worst = lo if higher_is_better else hi
    informative = reference is not None and math.isfinite(reference) and \
        not (worst is not None and abs(reference - worst) < 1e-9)
    if informative:
        worse_by = (reference - value) if higher_is_better else (value - reference)
        share = worse_by / _scale(bounds, reference)
        if share <= 0:
            return Verdict("good", f"as good as real data ({value:.4g} vs {reference:.4g}) or better")
        word = "good" if share <= GOOD else "acceptable" if share <= ACCEPTABLE else "poor"
        unit = "of the metric's range" if lo is not None and hi is not None else "of the real value"
        return Verdict(word, f"{abs(worse_by):.3g} worse than real data ({value:.4g} vs {reference:.4g}), "
                             f"{share:.0%} {unit}")
    if lo is None or hi is None:
        return Verdict("unknown", "no real-data reference and an open range: compare runs instead")
    best = hi if higher_is_better else lo
    position = 1.0 - abs(best - value) / (hi - lo)
    word = "good" if position >= 1 - 2 * GOOD else "acceptable" if position >= 1 - 2 * ACCEPTABLE else "poor"
    return Verdict(word, f"{value:.4g} on a range of [{lo:g}, {hi:g}] where {best:g} is best "
                         f"(no informative real-data reference)")
