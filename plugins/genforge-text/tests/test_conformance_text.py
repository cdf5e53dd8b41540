"""genforge's conformance kit on everything the text plugin registers.

Uniqueness and novelty may tie: held-out real names and an untrained generator's
random strings are both all distinct and all absent from the training lines.
"""
import pytest

from genforge.testing import plugin_checks
from genforge_text.plugin import NAMES_FILE

CHECKS = plugin_checks("text", ties_ok=("uniqueness", "novelty"), files={"text-file": NAMES_FILE})


def test_every_registration_is_checked():
    assert [str(c) for c in CHECKS] == [
        "names:text", "dataset:text/names", "dataset:text/text-file", "model:text/char-gru",
        "training:text/char-gru", "metric:text/length_distance", "metric:text/ngram_precision",
        "metric:text/ngram_recall", "metric:text/novelty", "metric:text/uniqueness", "metric:text/validity"]


@pytest.mark.parametrize("check", CHECKS, ids=str)
def test_conformance(check):
    check()
