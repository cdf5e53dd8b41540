"""Quality of generated texts against the training lines and held-out lines.

* validity - share of texts that are non-empty, no longer than the longest training
  text, start with a character seen at the start of training texts and continue with
  characters seen inside them (the positional character vocabulary);
* uniqueness - distinct texts / texts;
* novelty - share of texts not among the training lines;
* n-gram precision - share of the samples' character n-grams (n = 2, 3, 4, with start
  and end marks) that occur in held-out lines, averaged over n;
* n-gram recall - share of the held-out lines' distinct n-grams the samples contain;
* length distance - Wasserstein-1 distance between the length distributions of the
  samples and of the held-out lines.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

NGRAM_ORDERS = (2, 3, 4)
START, STOP = "\x02", "\x03"


def ngrams(text: str, n: int) -> list[str]:
    marked = START + text + STOP
    return [marked[i:i + n] for i in range(len(marked) - n + 1)]


@dataclass
class TextReference:
    """What the metrics compare samples with."""

    train: set[str]
    heldout: list[str]
    initial_chars: set[str] = field(init=False)
    inner_chars: set[str] = field(init=False)
    max_len: int = field(init=False)
    heldout_ngrams: dict[int, set[str]] = field(init=False)

    def __post_init__(self) -> None:
        self.initial_chars = {t[0] for t in self.train}
        self.inner_chars = {c for t in self.train for c in t[1:]}
        self.max_len = max(len(t) for t in self.train)
        self.heldout_ngrams = {n: {g for t in self.heldout for g in ngrams(t, n)} for n in NGRAM_ORDERS}


def _share(flags: Iterable[bool]) -> float:
    flags = list(flags)
    return sum(flags) / len(flags) if flags else 0.0


def is_valid(text: str, ref: TextReference) -> bool:
    return (0 < len(text) <= ref.max_len and text[0] in ref.initial_chars
            and all(c in ref.inner_chars for c in text[1:]))


def validity(samples: list[str], ref: TextReference) -> float:
    return _share(is_valid(t, ref) for t in samples)


def uniqueness(samples: list[str], ref: TextReference) -> float:
    return len(set(samples)) / len(samples) if samples else 0.0


def novelty(samples: list[str], ref: TextReference) -> float:
    return _share(t not in ref.train for t in samples)


def ngram_precision(samples: list[str], ref: TextReference) -> float:
    scores = [_share(g in ref.heldout_ngrams[n] for t in samples for g in ngrams(t, n)) for n in NGRAM_ORDERS]
    return sum(scores) / len(scores)


def ngram_recall(samples: list[str], ref: TextReference) -> float:
    scores = []
    for n in NGRAM_ORDERS:
        found = {g for t in samples for g in ngrams(t, n)}
        scores.append(len(found & ref.heldout_ngrams[n]) / len(ref.heldout_ngrams[n]))
    return sum(scores) / len(scores)


def length_distance(samples: list[str], ref: TextReference) -> float:
    """W1 between length histograms: the summed absolute difference of their CDFs."""
    if not samples:
        return float(ref.max_len)
    a, b = Counter(len(t) for t in samples), Counter(len(t) for t in ref.heldout)
    cdf_a = cdf_b = total = 0.0
    for length in range(max(max(a), max(b)) + 1):
        cdf_a += a[length] / len(samples)
        cdf_b += b[length] / len(ref.heldout)
        total += abs(cdf_a - cdf_b)
    return total


#: name -> (function, higher is better, bounds, description)
METRICS = {
    "validity": (validity, True, (0, 1), "share of texts in the positional character vocabulary"),
    "uniqueness": (uniqueness, True, (0, 1), "distinct texts / texts"),
    "novelty": (novelty, True, (0, 1), "share of texts not among the training lines"),
    "ngram_precision": (ngram_precision, True, (0, 1),
                        "share of character 2/3/4-grams that occur in held-out lines"),
    "ngram_recall": (ngram_recall, True, (0, 1), "share of held-out character 2/3/4-grams produced"),
    "length_distance": (length_distance, False, (0, None), "W1 distance of length distributions to held-out"),
}
