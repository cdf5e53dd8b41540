"""Print the privacy ledger when a private training ends (a ``genforge`` hook implementation,
re-exported by the tabular plugin module), and put the spent budget into the run's summary."""
from __future__ import annotations

import sys

from genforge.hookspecs import hookimpl


@hookimpl
def on_train_end(trainer, summary):
    ledger = getattr(getattr(trainer.data, "schema", None), "privacy", None)
    if ledger is None:
        return
    summary["privacy"] = {"epsilon": ledger.epsilon, "delta": ledger.delta,
                          "spent_epsilon": ledger.spent_epsilon(), "spent_delta": ledger.spent_delta()}
    print("\n".join(ledger.lines()), file=sys.stderr)
