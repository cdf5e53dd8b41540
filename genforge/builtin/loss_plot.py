"""``loss_curve.png`` in the run directory when training ends."""
from __future__ import annotations

from genforge.builtin.metrics_log import read_metrics_log
from genforge.hookspecs import hookimpl


def plot_losses(run_dir) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    records = [r for r in read_metrics_log(run_dir / "metrics.jsonl") if "loss_g" in r]
    if not records:
        return
    steps = [r["step"] for r in records]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for key in ("loss_d", "loss_g", "loss_g_extra"):
        if key in records[-1]:
            ax.plot(steps, [r.get(key, float("nan")) for r in records], label=key, lw=1)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend()
    fig.tight_layout()
    from genforge.output_files import atomic_path

    with atomic_path(run_dir / "loss_curve.png") as partial:
        fig.savefig(partial, dpi=100, format="png")
    plt.close(fig)


@hookimpl
def on_train_end(trainer, summary):
    if trainer.run_dir is not None:
        plot_losses(trainer.run_dir)
