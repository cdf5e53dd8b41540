"""The text domain's report sections: samples, lengths and character n-grams vs real texts.
Registered through genforge's ``register_report_sections`` hook (see genforge.report.hookspecs)."""
from __future__ import annotations

from collections import Counter

from genforge import hookimpl
from genforge.report import Figure, ReportContext, ReportSectionSpec, Table, Text

SHOWN, TOP_NGRAMS = 60, 15


def _real_texts(context: ReportContext) -> list[str]:
    return list(context.real_samples or [])


def build_samples(context: ReportContext) -> list:
    samples = list(context.samples)
    train = getattr(context.reference, "train", None) or set()
    rows = [[text, len(text), "yes" if text in train else "no"] for text in samples[:SHOWN]]
    return [Text(f"The first {len(rows)} of {len(samples)} samples; "
                 f"{len(set(samples))} distinct, {sum(t in train for t in set(samples))} of them in the training set."),
            Table(["sample", "length", "in training set"], rows)]


def ngrams(texts: list[str], n: int) -> Counter:
    return Counter(t[k:k + n] for t in texts for k in range(len(t) - n + 1))


def build_statistics(context: ReportContext) -> list:
    import plotly.graph_objects as go

    samples, real = list(context.samples), _real_texts(context)
    fig = go.Figure()
    for label, texts, color in (("real", real, "#1f77b4"), ("generated", samples, "#ff7f0e")):
        if texts:
            fig.add_trace(go.Histogram(x=[len(t) for t in texts], histnorm="probability", name=label, opacity=0.55,
                                       marker_color=color, xbins=dict(size=1)))
    fig.update_layout(barmode="overlay", height=300, template="plotly_white", title="Text length (characters)",
                      margin=dict(l=40, r=20, t=50, b=30))
    blocks = [Figure(fig)]
    for n in (2, 3):
        gen, ref = ngrams(samples, n), ngrams(real, n)
        gen_total, ref_total = max(1, sum(gen.values())), max(1, sum(ref.values()))
        top = [g for g, _ in ref.most_common(TOP_NGRAMS)]
        rows = [[repr(g), ref[g] / ref_total, gen[g] / gen_total] for g in top]
        unseen = sum(c for g, c in gen.items() if g not in ref) / gen_total
        blocks.append(Table([f"{n}-gram", "share in real texts", "share in samples"], rows,
                            caption=f"Most common character {n}-grams; {unseen:.1%} of the samples' {n}-grams "
                                    "never occur in the real texts"))
    return blocks


@hookimpl
def register_report_sections(register):
    register(ReportSectionSpec("text-samples", "text", "Samples", build_samples))
    register(ReportSectionSpec("text-statistics", "text", "Length and n-gram statistics", build_statistics))
