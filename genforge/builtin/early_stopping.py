"""Early stopping on a chosen metric (``early_stop_metric``, ``early_stop_patience``)."""
from __future__ import annotations

from genforge.hookspecs import hookimpl


@hookimpl
def on_eval(trainer, step, metrics):
    name = trainer.config.early_stop_metric
    if not name or name not in metrics:
        return None
    spec = next((m for m in trainer.metrics if m.name == name), None)
    higher = True if spec is None else spec.higher_is_better
    state = trainer.plugin_state.setdefault("early_stopping", {"metric": name, "best": None,
                                                               "best_step": 0, "bad": 0})
    value = metrics[name]
    better = state["best"] is None or (value > state["best"] if higher else value < state["best"])
    if better:
        state.update(best=value, best_step=step, bad=0)
    else:
        state["bad"] += 1
    return state["bad"] >= trainer.config.early_stop_patience
