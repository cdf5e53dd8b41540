"""The tabular benchmark's peer cache: a second run with the same table, seed, epochs and split
reads the figures back; a changed split, table, seed or epochs computes them again."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from tabular_peer_cache import cached_peers, timed  # noqa: E402


def _split(shift: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = pd.DataFrame({"x": [float(i + shift) for i in range(10)], "y": list("aabbaabbab")})
    return frame.iloc[:8], frame.iloc[8:]


def test_peers_are_computed_once_then_read_back(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"cpu_ctgan": 12.5, "minf1_smotenc": 0.4}

    train, test = _split()
    first, hit = cached_peers("t", 0, 300, train, test, compute, tmp_path)
    assert (first, hit, len(calls)) == ({"cpu_ctgan": 12.5, "minf1_smotenc": 0.4}, False, 1)
    again, hit = cached_peers("t", 0, 300, train.copy(), test.copy(), compute, tmp_path)
    assert (again, hit, len(calls)) == (first, True, 1)
    [written] = tmp_path.glob("peers-t-seed0-epochs300-*.json")
    assert json.loads(written.read_text()) == first
    assert not list(tmp_path.glob(".*partial*"))  # written atomically


def test_a_changed_split_table_seed_or_epochs_misses_the_cache(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"n": float(len(calls))}

    train, test = _split()
    cached_peers("t", 0, 300, train, test, compute, tmp_path)
    moved_train, moved_test = pd.concat([train.iloc[1:], test.iloc[:1]]), pd.concat([test.iloc[1:], train.iloc[:1]])
    misses = [("t", 0, 300, moved_train, moved_test), ("t", 0, 300, *_split(shift=1)), ("u", 0, 300, train, test),
              ("t", 1, 300, train, test), ("t", 0, 60, train, test)]
    for args in misses:
        _, hit = cached_peers(*args, compute, tmp_path)
        assert not hit, args[:3]
    assert len(calls) == 1 + len(misses)


def test_timed_reports_cpu_seconds_of_the_fit():
    result, wall, cpu = timed(lambda: sum(i * i for i in range(300_000)))
    assert result > 0 and cpu > 0 and wall > 0
