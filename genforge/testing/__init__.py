"""Conformance kit: the checks every plugin's tests call on what the plugin registers.

One line in a plugin's tests runs all of them::

    from genforge.testing import check_plugin

    def test_conformance():
        check_plugin("genforge-text")          # a plugin (entry-point) name or a domain name

or, one pytest case per check (clearer failures)::

    import pytest
    from genforge.testing import plugin_checks

    @pytest.mark.parametrize("check", plugin_checks("text"), ids=str)
    def test_conformance(check):
        check()

What is checked, for every item the plugin registers:

* **names** - the plugin loaded, every name is well-formed and owned by it alone,
  the domain's default dataset/model/loss exist, metric bounds are ordered;
* **dataset** - loads a small sample (``DatasetSpec.sample_options``) into
  :class:`~genforge.domain.TrainingData` with a schema that survives a
  weights-only ``torch.save``/``torch.load``, batches of the requested size and
  ``real_samples``;
* **model** - builds (``ModelSpec.sample_options`` for a tiny build), G and D run
  a forward pass on a real batch, G's output has the structure and shapes of the
  real batch, D gives finite scores, ``decode`` turns G's output into samples and
  ``write_samples`` writes them;
* **training** - a few steps through the real engine
  (:func:`genforge.training.train`), then the checkpoint round-trips:
  :class:`genforge.runs.Run` on the run folder gives the trainer's samples for
  the same seed, twice;
* **metric** - finite and inside its declared bounds on real data
  (``TrainingData.real_samples``) and on *bad* samples, and better on the real
  data in its declared direction. Bad samples are decoded outputs of an
  untrained generator (the domain's default model), unless the caller passes
  ``bad_samples(data, registry) -> samples``. A metric that cannot separate the
  two by construction (e.g. novelty, which real held-out data and noise both
  score highly on) is named in ``ties_ok`` and then only must not be worse; one whose
  direction real data cannot show at all (copies of training rows, when the real
  samples are training rows) is named in ``no_direction`` and checked for
  finiteness and bounds only.

Checks raise :class:`ConformanceError` (an ``AssertionError``) with a message
that names the item, what was expected and what was found.
"""
from __future__ import annotations

from typing import Any, Iterable

from genforge.testing.environment import scratch_environment
from genforge.testing.kit import Check, ConformanceError, ConformanceKit
from genforge.testing.samples import same_samples

__all__ = ["Check", "ConformanceError", "ConformanceKit", "check_plugin", "failures", "plugin_checks",
           "same_samples", "scratch_environment"]


# -- one-call entry points ------------------------------------------------------------------
def plugin_checks(name: str, **options: Any) -> list[Check]:
    """The checks for plugin or domain ``name``, for ``pytest.mark.parametrize(ids=str)``."""
    return ConformanceKit(**options).checks(name)


def check_plugin(name: str, **options: Any) -> list[str]:
    """Run every check for plugin or domain ``name``; raise :class:`ConformanceError` on the first
    failure, else return the ids of the checks that passed.

    Options: ``registry``, ``steps`` (engine steps, default 3), ``bad_samples(data, registry)``,
    ``ties_ok`` (metric names allowed to tie real data with bad samples), ``no_direction``
    (metric names checked for finiteness and bounds only), ``files``
    (``{file_loader_name: path}``), ``work_dir``.
    """
    return ConformanceKit(**options).check_plugin(name)


def failures(checks: Iterable[Check]) -> dict[str, str]:
    """Run checks without stopping; ``{check id: message}`` of those that failed."""
    out = {}
    for check in checks:
        try:
            check()
        except ConformanceError as exc:
            out[check.id] = str(exc)
    return out


try:  # pytest fixtures, for plugins whose tests prefer them
    import pytest

    @pytest.fixture
    def conformance_kit(tmp_path):
        """A :class:`ConformanceKit` on the installed plugins, working in ``tmp_path``."""
        return ConformanceKit(work_dir=tmp_path)
except ImportError:  # pragma: no cover - pytest is only needed to use the fixture
    pass
