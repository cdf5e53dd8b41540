"""Fixtures of the fault battery; the helpers live in fault_kit.py (importable from the tests)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fault_kit import DOMAINS, tiny_train  # noqa: E402


@pytest.fixture(scope="session")
def tiny_runs(tmp_path_factory) -> dict[str, Path]:
    """One trained tiny run folder per domain, shared by the read-only fault tests."""
    root = tmp_path_factory.mktemp("tiny-runs")
    runs = {}
    for domain in DOMAINS:
        done = tiny_train(domain, root / domain, "--quiet")
        assert done.returncode == 0, (domain, done.stderr[-3000:])
        runs[domain] = root / domain
    return runs
