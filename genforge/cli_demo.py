"""``genforge demo``: each installed domain's quick demo, timed, with what each output shows."""
from __future__ import annotations

import resource
import time
from pathlib import Path

from genforge.cli_parsing import registry_for

#: what each bundled domain's demo does, printed before it starts (a plugin's own domains print
#: their ``Domain.description``)
INTRODUCTIONS = {
    "mixture": "2-D Gaussian mixture (grid-25): does the GAN find all 25 modes?",
    "tabular": "ACTG 175 clinical table: a tabular GAN's run folder (plots, report) and the table balanced by it",
    "molecule": "QM9 sample: a graph GAN draws small molecules (up to 9 heavy atoms), decoded by RDKit",
    "image": "scikit-learn digits 8x8: a class-conditional GAN draws each digit",
    "text": "first names: a character-level GAN invents new names",
}


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
    lines, started = [], time.perf_counter()
    for i, name in enumerate(domains, 1):
        domain = registry.domain(name)
        print(f"== demo {i}/{len(domains)}: {name} — {INTRODUCTIONS.get(name, domain.description)}", flush=True)
        t0, cpu0 = time.perf_counter(), cpu_seconds()
        for line in domain.demo(out / name, args.seed):
            lines.append(f"[{name}] {line}")
            print(f"  {line}", flush=True)
        took = f"{name} took {time.perf_counter() - t0:.0f}s, {cpu_seconds() - cpu0:.0f} CPU-s"
        lines.append(f"[{name}] ({took})")
        print(f"  ({took})", flush=True)
    from genforge.report.demo_step import write_demo_reports

    print("== reports: one HTML report per demo run, and its screenshot", flush=True)
    for path in write_demo_reports(out):
        lines.append(f"[report] {path}")
        print(f"  wrote {path}", flush=True)
    total = time.perf_counter() - started
    print(f"\ndemo results in {out}/ (total {total:.0f}s, {cpu_seconds():.0f} CPU-s with start-up):")
    print("\n".join(lines))
    return 0
