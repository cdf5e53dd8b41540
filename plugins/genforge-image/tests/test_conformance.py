"""genforge's conformance kit on everything the image plugin registers."""
import pytest

from genforge.testing import plugin_checks

# real-vs-real references do not depend on the samples: real and bad samples tie by design
TIES = tuple(f"{m}_real" for m in ("classifier_fid", "kid", "precision", "recall", "density", "coverage",
                                   "classifier_score", "class_accuracy", "cas"))


@pytest.mark.parametrize("check", plugin_checks("image", ties_ok=TIES), ids=str)
def test_conformance(check, cache):
    check()
