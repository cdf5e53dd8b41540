"""The sections every report has: the run, what is missing, training, and the metric verdicts."""
from __future__ import annotations

import json
from typing import Any

from genforge.report.blocks import Figure, Note, Table, Text
from genforge.report.sections import BuiltSection
from genforge.report.snapshot import RunSnapshot
from genforge.report.verdicts import judge

LOSS_KEYS = ("loss_d", "loss_g", "loss_g_extra", "penalty")
DISCRIMINATOR_KEYS = ("d_real_acc", "d_fake_acc")
GRADIENT_KEYS = ("grad_norm_g", "grad_norm_d")
RUN_KEYS = ("domain", "dataset", "model", "loss", "steps", "epochs", "batch_size", "n_critic", "lr_g", "lr_d",
            "ema_decay", "seed", "precision", "eval_every", "early_stop_metric")


def line_figure(steps_by_key: dict[str, tuple[list, list]], title: str, y_title: str):
    import plotly.graph_objects as go

    fig = go.Figure()
    for key, (xs, ys) in steps_by_key.items():
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers" if len(xs) < 30 else "lines", name=key))
    fig.update_layout(title=title, xaxis_title="step", yaxis_title=y_title, height=320,
                      margin=dict(l=50, r=20, t=40, b=40), template="plotly_white")
    return fig


def _series(records: list[dict], keys, source=lambda r: r) -> dict[str, tuple[list, list]]:
    out = {}
    for key in keys:
        points = [(r["step"], source(r).get(key)) for r in records if isinstance(source(r).get(key), (int, float))]
        if points:
            out[key] = ([p[0] for p in points], [p[1] for p in points])
    return out


def run_section(snap: RunSnapshot) -> BuiltSection:
    config, summary = snap.config, snap.summary
    rows: list[list[Any]] = [[key, config[key]] for key in RUN_KEYS if config.get(key) not in (None, "", {})]
    for key in ("model_options", "dataset_options"):
        if config.get(key):
            rows.append([key, json.dumps(config[key], sort_keys=True)])
    if snap.run is not None:
        rows.append(["checkpoint", f"{snap.run.checkpoint_path.name} (step {snap.run.step})"])
    if summary:
        rows.append(["steps trained", summary.get("steps")])
        rows.append(["wall time", f"{float(summary.get('wall_time', 0.0)):.1f} s"])
        if summary.get("stopped_early"):
            rows.append(["stopped", "early (see training)"])
        if summary.get("diverged"):
            rows.append(["diverged", summary["diverged"]])
        for name, value in sorted((summary.get("versions") or {}).items()):
            rows.append([f"version: {name}", value])
        for name, value in sorted((summary.get("hardware") or {}).items()):
            rows.append([f"hardware: {name}", value])
    return BuiltSection("run", "The run", [Table(["", "value"], rows)])


def missing_section(snap: RunSnapshot) -> BuiltSection | None:
    if not snap.missing:
        return None
    return BuiltSection("missing", "What is missing",
                        [Note(line, "warning") for line in snap.missing])


def training_section(snap: RunSnapshot) -> BuiltSection:
    log, blocks = snap.log, []
    if not log.steps and not log.evals:
        blocks.append(Note("the metrics log holds no training records", "warning"))
    plots = (("Losses", LOSS_KEYS, "loss"),
             ("Discriminator: share of real and fake batches it classifies correctly", DISCRIMINATOR_KEYS,
              "accuracy"),
             ("Gradient norms", GRADIENT_KEYS, "norm"))
    for title, keys, y_title in plots:
        series = _series(log.steps, keys)
        if series:
            blocks.append(Figure(line_figure(series, title, y_title)))
    eval_keys = sorted({k for r in log.evals for k in (r.get("eval") or {})})
    if log.evals:
        blocks.append(Figure(line_figure(_series(log.evals, eval_keys, lambda r: r.get("eval") or {}),
                                         "Evaluation metrics over steps", "value")))
    best = ((snap.summary or {}).get("plugin_state") or {}).get("early_stopping") or {}
    if best.get("metric"):
        blocks.append(Text(f"Early stopping watched {best['metric']}: its best value {best.get('best')!s} "
                           f"was reached at step {best.get('best_step')}."))
    warnings = log.warnings or [{"step": "?", "warning": w} for w in (snap.summary or {}).get("warnings", [])]
    if warnings:
        for record in warnings:
            message, _, remedies = str(record["warning"]).partition("Remedies:")
            blocks.append(Note(f"step {record['step']}: {message.strip()}", "warning", remedy=remedies.strip()))
    elif log.steps:
        blocks.append(Text("The diagnostics raised no warning (mode collapse, vanishing gradients)."))
    return BuiltSection("training", "Training", blocks)


def metrics_section(snap: RunSnapshot, registry) -> BuiltSection:
    specs = {m.name: m for m in registry.metrics_for(snap.domain_name)} if snap.domain_name in \
        registry.domains else {}
    values, source = snap.metrics, snap.metrics_source
    if not values and snap.log.evals:
        values, source = dict(snap.log.evals[-1].get("eval") or {}), \
            f"the last evaluation in the metrics log (step {snap.log.evals[-1]['step']})"
    rows, classes = [], []
    for name in sorted(set(specs) | set(values)):
        spec = specs.get(name)
        higher = True if spec is None else spec.higher_is_better
        bounds = (None, None) if spec is None else spec.bounds
        reference = snap.reference_metrics.get(name)
        verdict = judge(values.get(name), reference, higher, bounds)
        rows.append([name, values.get(name, "—"), "—" if reference is None else reference,
                     "higher" if higher else "lower", verdict.word, verdict.why,
                     "" if spec is None else spec.description])
        classes.append(verdict.word)
    if not rows:
        return BuiltSection("metrics", "Metrics", [Note("no metric values: the run has no checkpoint to sample "
                                                        "and no evaluation in its log", "warning")])
    blocks = [Text(f"Values from {source}; the reference is the same metric computed on real data in "
                   "place of the samples."),
              Table(["metric", "value", "real vs real", "better", "verdict", "why", "what it measures"],
                    rows, row_classes=classes)]
    return BuiltSection("metrics", "Metrics", blocks)

