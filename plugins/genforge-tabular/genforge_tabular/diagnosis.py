"""What gives synthetic rows away: the detector's top columns, the worst column pairs, and a
pair-trend heatmap beside the real-vs-real one (written by ``genforge evaluate RUN``).

Column importance is grouped permutation importance (Breiman 2001) of the gradient-boosting
detector: fitted on two thirds of real + synthetic rows, its ROC AUC on the last third falls by
how much when one column's features (its value, missing flag or one-hot levels) are shuffled
together. The real-vs-real reference is the hold-out against the training rows (without a
hold-out: one half of the training rows against the other), so a pair that even fresh real rows
miss is not blamed on the model.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from genforge.output_files import write_text

from genforge_tabular.features import TableFeatures
from genforge_tabular.fidelity import pair_trend_scores
from genforge_tabular.metrics import MAX_ROWS, TabularReference, _head, detector

TOP = 5
#: the file ``write_diagnosis`` writes into a run folder (train and evaluate)
DIAGNOSIS_FILE = "what_gives_rows_away.txt"


def column_importance(synth: pd.DataFrame, ref: TabularReference) -> tuple[float, pd.Series]:
    """The detector's held-out AUC and, per column, the AUC it loses when that column is shuffled."""
    from sklearn.metrics import roc_auc_score

    n = min(len(ref.real), len(synth), MAX_ROWS)
    real, fake = _head(ref.real, n, ref.seed), _head(synth, n, ref.seed)
    features = TableFeatures(real, ref.kinds)
    x = np.concatenate([features.transform(real), features.transform(fake)])
    y = np.r_[np.ones(len(real)), np.zeros(len(fake))]
    groups = features.column_slices()
    rng = np.random.default_rng(ref.seed)
    order = rng.permutation(len(y))
    fit, test = order[: 2 * len(y) // 3], order[2 * len(y) // 3:]
    with threadpool_limits(1):
        clf = detector("gb", ref.seed).fit(x[fit], y[fit])
        auc = float(roc_auc_score(y[test], clf.predict_proba(x[test])[:, 1]))
        drops = {}
        for column, cols in groups.items():
            shuffled = x[test].copy()
            shuffled[:, cols] = shuffled[rng.permutation(len(test))][:, cols]
            drops[column] = auc - float(roc_auc_score(y[test], clf.predict_proba(shuffled)[:, 1]))
    return auc, pd.Series(drops).sort_values(ascending=False)


def real_vs_real(ref: TabularReference) -> tuple[pd.DataFrame, TabularReference]:
    """Fresh real rows and the reference they are scored against."""
    if ref.holdout is not None and len(ref.holdout):
        return ref.holdout, ref
    half = ref.real.sample(frac=0.5, random_state=ref.seed)
    return half.reset_index(drop=True), TabularReference(ref.real.drop(half.index).reset_index(drop=True),
                                                         ref.kinds, None, ref.target, ref.seed)


def diagnosis_lines(synth: pd.DataFrame, ref: TabularReference, pairs: pd.DataFrame | None = None,
                    real_pairs: pd.DataFrame | None = None) -> list[str]:
    """Plain lines: the rules the model sets rather than learns, the detector's AUC and top columns,
    the worst related pairs against real-vs-real."""
    auc, drops = column_importance(synth, ref)
    lines = [f"set from other columns, not learned: {rule}" for rule in ref.rules]
    lines += [f"gradient-boosting detector: ROC AUC {auc:.3f} on held-out rows (0.5: cannot tell); "
              "the columns it relies on most (AUC lost when shuffled):"]
    lines += [f"  {column:28s} {drop:+.3f}" for column, drop in drops.iloc[:TOP].items()]
    pairs = pair_trend_scores(synth, ref) if pairs is None else pairs
    if real_pairs is None:
        fresh, fresh_ref = real_vs_real(ref)
        real_pairs = pair_trend_scores(fresh, fresh_ref)
    merged = pairs.assign(real_vs_real=real_pairs["score"].to_numpy()).dropna(subset=["score"])
    merged = merged.assign(gap=merged["real_vs_real"] - merged["score"]).sort_values("gap", ascending=False)
    lines.append("worst column pairs (pair-trend score synthetic / real-vs-real; * = counts toward the pair trends):")
    lines += [f"  {r.a} x {r.b}: {r.score:.3f} / {r.real_vs_real:.3f}{' *' if r.counted else ''}"
              for r in merged.iloc[:TOP].itertuples()]
    return lines


def pair_trend_heatmap(synth: pd.DataFrame, ref: TabularReference, path: Path,
                       pairs: pd.DataFrame, real_pairs: pd.DataFrame) -> Path:
    """Two panels of pair-trend scores (1: the pair's relation reproduced): synthetic vs
    training rows, and real vs real."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = ref.modelled
    fig, axes = plt.subplots(1, 2, figsize=(2 + 0.5 * len(columns) * 2, 1.5 + 0.45 * len(columns)), squeeze=False)
    for ax, (title, scores) in zip(axes[0], [("synthetic vs training rows", pairs), ("real vs real", real_pairs)]):
        grid = np.full((len(columns), len(columns)), np.nan)
        for r in scores.itertuples():
            i, j = columns.index(r.a), columns.index(r.b)
            grid[i, j] = grid[j, i] = r.score
        image = ax.imshow(grid, vmin=0.5, vmax=1, cmap="RdYlGn")
        ax.set_xticks(range(len(columns)), [c[:12] for c in columns], rotation=90, fontsize=6)
        ax.set_yticks(range(len(columns)), [c[:12] for c in columns], fontsize=6)
        ax.set_title(f"pair trends: {title}", fontsize=8)
    fig.colorbar(image, ax=axes[0].tolist(), shrink=0.8)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp.png")
    fig.savefig(tmp, dpi=90)
    plt.close(fig)
    tmp.replace(path)
    return path


def write_diagnosis(synth: pd.DataFrame, ref: TabularReference, out_dir: Path) -> tuple[list[str], list[Path]]:
    """The lines, written to ``out_dir/what_gives_rows_away.txt``, and the heatmap PNG."""
    pairs = pair_trend_scores(synth, ref)
    fresh, fresh_ref = real_vs_real(ref)
    real_pairs = pair_trend_scores(fresh, fresh_ref)
    lines = diagnosis_lines(synth, ref, pairs, real_pairs)
    text = write_text(out_dir / DIAGNOSIS_FILE, "\n".join(lines) + "\n")
    return lines, [text, pair_trend_heatmap(synth, ref, out_dir / "pair_trends.png", pairs, real_pairs)]
