"""The tabular domain's report sections: columns, pair trends, detection, privacy, augmentation.

Registered through genforge's ``register_report_sections`` hook (see genforge.report.hookspecs).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from genforge.hookspecs import hookimpl
from genforge.report import Figure, Note, ReportContext, ReportSectionSpec, Table, Text
from genforge_tabular.columns import MODELLED_AS_CONTINUOUS
from genforge_tabular.features import TableFeatures
from genforge_tabular.encoders import to_numbers

MAX_COLUMNS, MAX_LEVELS, DETECTION_ROWS, TOP_FEATURES, COPY_EXAMPLES = 24, 12, 4000, 8, 5
REAL, SYNTHETIC = "#1f77b4", "#ff7f0e"


def _levels(real: pd.Series, synth: pd.Series) -> tuple[list[str], np.ndarray, np.ndarray]:
    r, s = real.astype(str).value_counts(normalize=True), synth.astype(str).value_counts(normalize=True)
    levels = r.index[:MAX_LEVELS].tolist()
    return levels, r.reindex(levels, fill_value=0).to_numpy(), s.reindex(levels, fill_value=0).to_numpy()


def _binned_shares(real: np.ndarray, synth: np.ndarray, bins: int = 30):
    """Bin centres, width and the share of real and synthetic values per bin (bins over both ranges;
    the page carries 2 x 30 numbers per column, not every value)."""
    real, synth = real[np.isfinite(real)], synth[np.isfinite(synth)]
    both = np.concatenate([real, synth])
    if not len(both):
        return [], None, [], []
    edges = np.histogram_bin_edges(both, bins=bins)
    share = [np.histogram(x, edges)[0] / max(1, len(x)) for x in (real, synth)]
    return ((edges[:-1] + edges[1:]) / 2).tolist(), float(edges[1] - edges[0]), *share


def column_figure(context: ReportContext):
    from plotly.subplots import make_subplots
    import plotly.graph_objects as go

    ref, synth = context.reference, context.samples
    columns = ref.modelled[:MAX_COLUMNS]
    per_row = 3
    rows = max(1, math.ceil(len(columns) / per_row))
    fig = make_subplots(rows=rows, cols=per_row, subplot_titles=columns, vertical_spacing=0.35 / rows)
    for k, column in enumerate(columns):
        row, col, first = k // per_row + 1, k % per_row + 1, k == 0
        kind = ref.kinds[column]
        if kind in MODELLED_AS_CONTINUOUS:
            centres, width, r, s = _binned_shares(to_numbers(ref.real[column], kind), to_numbers(synth[column], kind))
        else:
            centres, r, s = _levels(ref.real[column], synth[column])
            width = None
        for label, y, color in (("real", r, REAL), ("synthetic", s, SYNTHETIC)):
            fig.add_trace(go.Bar(x=centres, y=y, width=width, name=label, marker_color=color, opacity=0.55,
                                 legendgroup=label, showlegend=first), row, col)
    fig.update_layout(barmode="overlay", height=260 * rows, template="plotly_white",
                      margin=dict(l=40, r=20, t=50, b=30), title="Each column: real vs synthetic (share of rows)")
    return fig


def _association(frame: pd.DataFrame, columns: list[str], kinds: dict[str, str]) -> np.ndarray:
    """Spearman correlation of the columns, categorical ones by their level codes."""
    numbers = pd.DataFrame({c: to_numbers(frame[c], kinds[c]) if kinds[c] in MODELLED_AS_CONTINUOUS
                            else frame[c].astype(str).astype("category").cat.codes.astype(float)
                            for c in columns})
    return numbers.corr(method="spearman").fillna(0.0).to_numpy()


def pair_trend_figure(context: ReportContext):
    from plotly.subplots import make_subplots
    import plotly.graph_objects as go

    ref = context.reference
    columns = ref.modelled[:MAX_COLUMNS]
    real = _association(ref.real, columns, ref.kinds)
    synth = _association(context.samples, columns, ref.kinds)
    fig = make_subplots(rows=1, cols=3, subplot_titles=("real", "synthetic", "synthetic − real"),
                        horizontal_spacing=0.08)
    for k, matrix in enumerate((real, synth, synth - real)):  # one colour scale for all three
        fig.add_trace(go.Heatmap(z=matrix, x=columns, y=columns, zmin=-1, zmax=1, colorscale="RdBu",
                                 showscale=k == 2), 1, k + 1)
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=420, template="plotly_white", margin=dict(l=80, r=20, t=50, b=80),
                      title="Pair trends: Spearman correlation (categories by level codes)")
    return fig


def detection_features(context: ReportContext) -> list[tuple[str, float]]:
    """Columns that most help a random forest tell synthetic rows from real ones (importance share)."""
    from sklearn.ensemble import RandomForestClassifier

    ref, synth = context.reference, context.samples
    n = min(len(ref.real), len(synth), DETECTION_ROWS)
    real = ref.real.sample(n, random_state=context.seed) if len(ref.real) > n else ref.real
    fake = synth.sample(n, random_state=context.seed) if len(synth) > n else synth
    features = TableFeatures(real, ref.kinds)
    x = np.concatenate([features.transform(real), features.transform(fake)])
    y = np.r_[np.ones(len(real)), np.zeros(len(fake))]
    forest = RandomForestClassifier(n_estimators=60, max_depth=8, random_state=context.seed, n_jobs=1).fit(x, y)
    owners = [c for c, kind in features.kinds.items()
              for _ in range(2 if kind in MODELLED_AS_CONTINUOUS else len(features.levels[c]))]
    share = pd.Series(forest.feature_importances_, index=owners).groupby(level=0).sum()
    return [(c, float(v)) for c, v in share.sort_values(ascending=False).head(TOP_FEATURES).items()]


def _metric_rows(context: ReportContext, names) -> list[list]:
    return [[name, context.metrics.get(name, float("nan")), context.reference_metrics.get(name, float("nan"))]
            for name in names if name in context.metrics]


def build_columns(context: ReportContext) -> list:
    if context.reference is None:
        return [Note("the training table could not be reloaded: no real data to compare with", "warning")]
    return [Figure(column_figure(context)), Figure(pair_trend_figure(context))]


def build_detection(context: ReportContext) -> list:
    if context.reference is None:
        return [Note("no real data to detect synthetic rows against", "warning")]
    blocks = [Table(["metric", "synthetic", "real vs real"], _metric_rows(context, ("detection_logistic",
                                                                                   "detection_gb")),
                    caption="ROC AUC of classifiers telling real rows from synthetic ones (0.5: indistinguishable)")]
    top = detection_features(context)
    blocks.append(Table(["column", "importance share"], top,
                        caption="What gives synthetic rows away: the columns a random forest relies on most"))
    if top:
        blocks.append(Text(f"Look first at {top[0][0]!r}: its distribution and its pairs above differ most."))
    return blocks


def copied_rows(context: ReportContext) -> pd.DataFrame:
    cols = context.reference.modelled
    key = lambda df: pd.util.hash_pandas_object(df[cols].astype(str), index=False)  # noqa: E731
    return context.samples[key(context.samples).isin(set(key(context.reference.real))).to_numpy()]


def build_privacy(context: ReportContext) -> list:
    if context.reference is None:
        return [Note("no training rows to compare with", "warning")]
    copies = copied_rows(context)
    blocks = [Table(["metric", "synthetic", "real vs real"], _metric_rows(context, ("exact_copies",
                                                                                   "dcr_protection")),
                    caption="Copies of training rows, and distance to closest record (1: no sign of memorisation)"),
              Text(f"{len(copies)} of {len(context.samples)} synthetic rows equal a training row on every "
                   "modelled column.")]
    if len(copies):
        head = copies.head(COPY_EXAMPLES)
        blocks.append(Table(list(head.columns), head.astype(str).values.tolist(), caption="Examples of copies"))
    return blocks


def build_augmentation(context: ReportContext) -> list:
    names = ("tstr_macro_f1", "efficacy_gap", "uplift_minority_f1", "uplift_balanced_accuracy")
    rows = [r for r in _metric_rows(context, names) if r[1] == r[1]]
    if not rows:
        return [Text("No target column: machine-learning efficacy and augmentation uplift are not measured "
                     "(train with --target COLUMN).")]
    return [Table(["metric", "synthetic", "real vs real"], rows,
                  caption=f"A classifier of {context.reference.target!r} trained on synthetic rows, or on real "
                          "rows plus synthetic ones, tested on real rows")]


@hookimpl
def register_report_sections(register):
    for name, title, build in (("tabular-columns", "Columns and pair trends", build_columns),
                               ("tabular-detection", "Detection: can a classifier tell them apart?",
                                build_detection),
                               ("tabular-privacy", "Privacy: copies and distance to closest record", build_privacy),
                               ("tabular-augmentation", "Machine-learning efficacy and augmentation",
                                build_augmentation)):
        register(ReportSectionSpec(name, "tabular", title, build))


#: share of the training rows held back to stand in for synthetic rows in the real-vs-real reference
STAND_IN_SHARE = 0.3


@hookimpl
def report_reference(domain, data):
    """Training rows split: 30 % stand in for synthetic rows, judged against the other 70 % (and the
    run's hold-out, when it has one). Real rows judged against themselves would be exact copies."""
    from genforge_tabular.metrics import TabularReference

    ref = data.reference
    if domain.name != "tabular" or ref is None or len(ref.real) < 10:
        return None
    stand_in = ref.real.sample(frac=STAND_IN_SHARE, random_state=ref.seed % 2**31)
    rest = ref.real.drop(stand_in.index).reset_index(drop=True)
    return stand_in.reset_index(drop=True), TabularReference(rest, ref.kinds, ref.holdout, ref.target, ref.seed)
