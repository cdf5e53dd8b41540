"""``genforge demo``: each domain introduced, its lines, its wall and CPU time, then the reports."""
from __future__ import annotations

import re

from genforge import cli
from genforge.cli_demo import cpu_seconds


class StubDomain:
    name, description = "stub", "a stand-in domain"

    def demo(self, out_dir, seed):
        busy = sum(i * i for i in range(200_000))  # some CPU time to count
        return [f"stub ran with seed {seed} into {out_dir.name} ({busy > 0})"]


class StubRegistry:
    domains = {"stub": StubDomain()}

    def domain(self, name):
        return self.domains[name]


def test_demo_prints_each_domain_its_time_and_the_total(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("genforge.cli_demo.registry_for", lambda domain: StubRegistry())
    monkeypatch.setattr("genforge.report.demo_step.write_demo_reports", lambda out, under=None: [out / "stub-report.html"])
    before = cpu_seconds()
    assert cli.main(["demo", "--domains", "stub", "--seed", "3", "--out", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "== demo 1/1: stub — a stand-in domain" in out
    assert "  stub ran with seed 3 into stub (True)" in out
    assert re.search(r"\(stub took \d+s, \d+ CPU-s\)", out)
    assert f"wrote {tmp_path / 'demo' / 'stub-report.html'}" in out
    assert re.search(r"demo results in .*demo/ \(total \d+s, \d+ CPU-s with start-up\):", out)
    assert cpu_seconds() > before


def test_demos_run_two_at_a_time_each_relayed_with_its_name(tmp_path):
    """Two domains in child processes (one thread each): every line comes back prefixed with its
    domain, each child writes its own report, the parent prints one summary."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "GENFORGE_MAX_STEPS": "3", "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "genforge.cli", "demo", "--domains", "mixture,text", "--jobs", "2",
                           "--out", str(tmp_path / "demo")], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    out = done.stdout
    assert "== 2 demos, 2 at a time (one thread each): text, mixture" in out  # the longest first
    assert re.search(r"^\[mixture\]   \(mixture took \d+s, \d+ CPU-s\)$", out, re.M)
    assert re.search(r"^\[text\]   \(text took \d+s, \d+ CPU-s\)$", out, re.M)
    assert (tmp_path / "demo" / "mixture-grid-25-report.html").exists()
    assert (tmp_path / "demo" / "text-names-report.html").exists()
    assert out.count("demo results in") == 1 and "[text] (text took" in out.split("demo results in")[1]
