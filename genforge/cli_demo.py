"""``genforge demo``: each installed domain's quick demo, timed, with what each output shows.

The domains' demos are independent and each trains on one thread, so on a machine with two or
more cores they run as child processes, ``--jobs`` at a time (default: the cores, at most 2;
the longest first), each line relayed as it comes with its domain's name; each domain's report
and screenshot are written by its own process right after its demo.
"""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from genforge.cli_parsing import registry_for

#: what each bundled domain's demo does, printed before it starts (a plugin's own domains print
#: their ``Domain.description``)
INTRODUCTIONS = {
    "mixture": "2-D Gaussian mixture (grid-25): does the GAN find all 25 modes?",
    "tabular": "ACTG 175 clinical table: a tabular GAN's run folder (plots, report) and the table balanced by it",
    "molecule": "4,000 drug-like MOSES molecules: latentgan draws new ones through the bundled autoencoder, "
                "ranked by a drug-likeness objective file",
    "image": "scikit-learn digits 8x8: a class-conditional GAN draws each digit",
    "text": "first names: a character-level GAN invents new names",
}


#: CPU seconds each bundled demo took once (stop 25, busy machine): the longest start first
DEMO_COST = {"text": 120, "mixture": 71, "image": 60, "molecule": 60, "tabular": 23}


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (wall time misleads on a busy machine)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_demo(args) -> int:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    wanted = args.domains.split(",") if args.domains else None
    registry = registry_for(wanted[0] if wanted and len(wanted) == 1 else None)
    domains = wanted or sorted(registry.domains)
    for name in domains:
        registry.domain(name)  # an unknown name fails before any training
    jobs = getattr(args, "jobs", None) or min(2, os.cpu_count() or 1)
    started = time.perf_counter()
    if jobs > 1 and len(domains) > 1:
        lines, status = _run_in_children(domains, args, jobs)
    else:
        lines, status = [], 0
        for i, name in enumerate(domains, 1):
            lines += _run_one(registry.domain(name), out, args.seed, f"{i}/{len(domains)}")
    total = time.perf_counter() - started
    print(f"\ndemo results in {out}/ (total {total:.0f}s, {cpu_seconds():.0f} CPU-s with start-up):")
    print("\n".join(lines))
    return status


def _run_one(domain, out: Path, seed: int, position: str) -> list[str]:
    """One domain's demo, its time, then its report and screenshot; the lines it printed."""
    from genforge.report.demo_step import write_demo_reports

    name, lines = domain.name, []
    print(f"== demo {position}: {name} — {INTRODUCTIONS.get(name, domain.description)}", flush=True)
    t0, cpu0 = time.perf_counter(), cpu_seconds()
    for line in domain.demo(out / name, seed):
        lines.append(f"[{name}] {line}")
        print(f"  {line}", flush=True)
    took = f"{name} took {time.perf_counter() - t0:.0f}s, {cpu_seconds() - cpu0:.0f} CPU-s"
    lines.append(f"[{name}] ({took})")
    print(f"  ({took})", flush=True)
    print(f"== report of the {name} demo run, and its screenshot", flush=True)
    for path in write_demo_reports(out, under=name):
        lines.append(f"[report] {path}")
        print(f"  wrote {path}", flush=True)
    return lines


def _run_in_children(domains: list[str], args, jobs: int) -> tuple[list[str], int]:
    """Each domain's demo in a child process (``genforge demo --domains NAME --jobs 1``), ``jobs``
    at a time, the longest first; every child line relayed at once, prefixed with its domain."""
    order = sorted(domains, key=lambda d: -DEMO_COST.get(d, 60))
    lock, results = threading.Lock(), {}
    env = {**os.environ, "OMP_NUM_THREADS": "1", "GENFORGE_THREADS": "1"}
    print(f"== {len(domains)} demos, {jobs} at a time (one thread each): {', '.join(order)}", flush=True)

    def child(name: str) -> None:
        cmd = [sys.executable, "-m", "genforge.cli", "demo", "--domains", name, "--out", str(args.out),
               "--seed", str(args.seed), "--jobs", "1"] + (["--quiet"] if getattr(args, "quiet", False) else [])
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env) as proc:
            kept = []
            for line in proc.stdout:
                line = line.rstrip("\n")
                if line.startswith("demo results in"):
                    break  # the child's own summary: the parent prints one for all
                if line:
                    kept.append(line)
                    with lock:
                        print(f"[{name}] {line}", flush=True)
            proc.stdout.read()
        results[name] = (proc.returncode, kept)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(child, order))
    lines = [f"[{name}] {line.strip()}" for name in order for line in results[name][1]
             if line.startswith("  ")]
    failed = [name for name in order if results[name][0] != 0]
    for name in failed:
        lines.append(f"[{name}] FAILED (exit {results[name][0]}): its lines above say why")
    return lines, (results[failed[0]][0] if failed else 0)
