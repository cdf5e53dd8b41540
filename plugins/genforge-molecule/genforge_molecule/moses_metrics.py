"""MOSES's own ``get_all_metrics`` (the ``molsets`` wheel), importable on today's libraries.

molsets 0.3.1 imports ``rdkit.six`` (removed from RDKit) and calls
``DataFrame.append`` (removed from pandas 2); :func:`import_moses_metrics` installs
two small shims for those before importing it, and changes nothing else: the
metrics, the bundled test statistics and ChemNet (``fcd_torch``) are MOSES's own.
"""
from __future__ import annotations

import sys
import types
from typing import Any, Sequence

from genforge.errors import UserInputError


def _install_shims() -> None:
    import pandas as pd
    import rdkit

    if "rdkit.six" not in sys.modules:
        six = types.ModuleType("rdkit.six")
        six.iteritems = lambda d: iter(d.items())
        six.PY3 = True
        sys.modules["rdkit.six"] = six
        rdkit.six = six
    if not hasattr(pd.DataFrame, "append"):
        pd.DataFrame.append = lambda self, other, sort=False: pd.concat([self, other], sort=sort)


def import_moses_metrics() -> Any:
    """The ``moses.metrics`` module (raises :class:`UserInputError` when molsets is missing)."""
    _install_shims()
    try:
        import moses.metrics as metrics
    except ImportError as exc:
        raise UserInputError(f"MOSES metrics need the molsets wheel and fcd_torch ({exc}); "
                             "pip install --no-deps molsets fcd-torch") from None
    return metrics


def moses_all_metrics(generated: Sequence[str | None], train: Sequence[str] | None = None,
                      n_jobs: int = 1) -> dict[str, float]:
    """MOSES ``get_all_metrics`` on ``generated`` (``None`` / ``"INVALID"`` count as invalid)
    against MOSES's test and scaffold-test sets and their bundled statistics."""
    metrics = import_moses_metrics()
    gen = ["INVALID" if s is None else s for s in generated]
    return {k: float(v) for k, v in metrics.get_all_metrics(gen, n_jobs=n_jobs, train=list(train) if train else None).items()}
