"""PNG plots of a synthetic table against the real one: columns, correlations, losses."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from genforge_tabular.columns import MODELLED_AS_CONTINUOUS
from genforge_tabular.features import TableFeatures
from genforge_tabular.metrics import TabularReference
from genforge_tabular.encoders import to_numbers

MAX_PANELS = 24
MAX_LEVELS = 12


def write_plots(samples: pd.DataFrame, reference: TabularReference, out_dir: Path) -> list[Path]:
    import matplotlib
    matplotlib.use("Agg")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [column_plot(samples, reference, out_dir / "columns.png"),
             correlation_plot(samples, reference, out_dir / "correlation_difference.png")]
    if (out_dir / "metrics.jsonl").is_file():
        from genforge import plot_losses
        plot_losses(out_dir)
        if (out_dir / "loss_curve.png").is_file():
            paths.append(out_dir / "loss_curve.png")
    return paths


def column_plot(samples: pd.DataFrame, ref: TabularReference, path: Path) -> Path:
    import matplotlib.pyplot as plt

    columns = ref.modelled[:MAX_PANELS]
    cols = min(4, max(1, len(columns)))
    rows = max(1, math.ceil(len(columns) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
    for ax, column in zip(axes.flat, columns):
        kind = ref.kinds[column]
        if kind in MODELLED_AS_CONTINUOUS:
            real, fake = to_numbers(ref.real[column], kind), to_numbers(samples[column], kind)
            real, fake = real[~np.isnan(real)], fake[~np.isnan(fake)]
            bins = np.histogram_bin_edges(real, bins=30)
            ax.hist(real, bins=bins, density=True, alpha=0.5, label="real")
            ax.hist(fake, bins=bins, density=True, alpha=0.5, label="synthetic")
            ax.set_ylabel("density", fontsize=7)
        else:
            p = ref.real[column].astype(str).value_counts(normalize=True).iloc[:MAX_LEVELS]
            q = samples[column].astype(str).value_counts(normalize=True).reindex(p.index, fill_value=0)
            x = np.arange(len(p))
            ax.bar(x - 0.2, p.to_numpy(), 0.4, label="real")
            ax.bar(x + 0.2, q.to_numpy(), 0.4, label="synthetic")
            ax.set_xticks(x, [s[:8] for s in p.index], rotation=60, fontsize=6)
            ax.set_ylabel("share of rows", fontsize=7)
        ax.set_title(column, fontsize=8)
        ax.set_xlabel(column, fontsize=7)
    for ax in list(axes.flat)[len(columns):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def correlation_plot(samples: pd.DataFrame, ref: TabularReference, path: Path) -> Path:
    """|corr(real) - corr(synthetic)| over the encoded features (numeric + one-hot)."""
    import matplotlib.pyplot as plt

    features = TableFeatures(ref.real, ref.kinds)
    real, fake = features.transform(ref.real), features.transform(samples)
    keep = (real.std(0) > 0) & (fake.std(0) > 0)
    diff = np.abs(np.corrcoef(real[:, keep], rowvar=False) - np.corrcoef(fake[:, keep], rowvar=False)) \
        if keep.sum() > 1 else np.zeros((1, 1))
    fig, ax = plt.subplots(figsize=(5, 4.2))
    image = ax.imshow(np.atleast_2d(diff), vmin=0, vmax=1, cmap="viridis")
    names = [c for c, idx in features.column_slices().items() for _ in idx]  # a column's features
    kept = [n for n, k in zip(names, keep) if k] if keep.sum() > 1 else []
    ticks = [i for i, n in enumerate(kept) if i == 0 or kept[i - 1] != n]  # one tick per column
    ax.set_xticks(ticks, [kept[i][:14] for i in ticks], rotation=90, fontsize=5)
    ax.set_yticks(ticks, [kept[i][:14] for i in ticks], fontsize=5)
    ax.set_title("|corr(real) - corr(synthetic)|", fontsize=9)
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
