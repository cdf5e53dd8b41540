"""Damaged checkpoints on every domain: truncated, replaced by a pickle payload, or only the newest
one damaged (the previous good one is used)."""
from __future__ import annotations

import shutil

import pytest
import torch

from fault_kit import DOMAINS, TINY, one_clear_line, run_cli


class Payload:
    """Any class: torch.save pickles it, so a weights-only load must refuse it."""


def copy_run(tiny_runs, domain, tmp_path):
    run = tmp_path / domain
    shutil.copytree(tiny_runs[domain], run)
    (newest,) = sorted((run / "checkpoints").glob("step-*.pt"))[-1:]
    return run, newest


@pytest.mark.parametrize("domain", DOMAINS)
def test_truncated_only_checkpoint_is_named(domain, tiny_runs, tmp_path):
    run, newest = copy_run(tiny_runs, domain, tmp_path)
    for extra in (run / "checkpoints").glob("step-*.pt"):
        if extra != newest:
            extra.unlink()
    newest.write_bytes(newest.read_bytes()[: newest.stat().st_size // 2])
    one_clear_line(run_cli("sample", run, "-n", 5, "--out", tmp_path / f"s{TINY[domain][1]}"),
                   newest.name, "truncated or corrupted")


@pytest.mark.parametrize("domain", DOMAINS)
def test_pickle_checkpoint_is_refused_not_run(domain, tiny_runs, tmp_path):
    run, newest = copy_run(tiny_runs, domain, tmp_path)
    for extra in (run / "checkpoints").glob("step-*.pt"):
        torch.save({"format": "genforge", "payload": Payload()}, extra)
    one_clear_line(run_cli("sample", run, "-n", 5, "--out", tmp_path / f"s{TINY[domain][1]}"),
                   "refused", "did not run the payload")


@pytest.mark.parametrize("domain", DOMAINS)
def test_damaged_newest_checkpoint_falls_back_to_the_previous(domain, tiny_runs, tmp_path):
    run, newest = copy_run(tiny_runs, domain, tmp_path)
    older = newest.with_name("step-00000001.pt")
    shutil.copy(newest, older)
    newest.write_bytes(b"garbage")
    out = tmp_path / f"s{TINY[domain][1]}"
    done = run_cli("sample", run, "-n", 5, "--out", out)
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout and out.exists()
    assert "step-00000001.pt" in done.stdout  # it says which checkpoint it used
    said = done.stdout + done.stderr
    assert newest.name in said and "falling back" in said
