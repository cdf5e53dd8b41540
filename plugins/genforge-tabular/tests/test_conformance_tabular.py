"""genforge's conformance kit on everything the tabular plugin registers.

- ``exact_copies``: the domain's real samples are training rows, which are all exact
  copies of training rows, so real data cannot show this metric's direction; it is
  checked for finiteness and bounds only.
- ``uplift_minority_f1``: on the kit's small sample (120 rows) adding real or bad rows
  both leave the minority-class F1 unchanged, so the two may tie.
- ``dcr_protection``: it measures memorisation only; an untrained generator memorises
  nothing, its rows are as close to the hold-out as to the training rows, and it may
  rightly score the maximum, 1, like real data.
- ``dcr_ratio``, ``nndr_ratio``, ``mia_auc`` (privacy attacks): real samples *are* training
  rows, the worst case for privacy, so like ``exact_copies`` they cannot show the direction.
"""
import pytest

from genforge.testing import plugin_checks


@pytest.mark.parametrize("check", plugin_checks("tabular", no_direction=("exact_copies", "dcr_ratio", "nndr_ratio",
                                                                            "mia_auc"),
                                                ties_ok=("uplift_minority_f1", "dcr_protection")), ids=str)
def test_conformance(check):
    check()
