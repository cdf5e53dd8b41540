"""DDP scaling: training throughput of `genforge train` with 1 and 2 processes under torchrun.

Each process runs one torch thread and draws its own batches (``seed + rank`` streams), so
2 processes train on twice the rows per step; throughput is ``steps x batch x world / wall``,
from the run's own ``run_summary.json`` (the training loop's wall time, not start-up). Printed
with the machine's core count and load: on a machine with fewer idle cores than processes the
figure measures contention, not DDP. The target (#21): 2 processes >= 1.6x one process.

    python benchmarks/ddp_scaling.py                      # tabular (bundled actg175) + mixture
    python benchmarks/ddp_scaling.py --domains tabular --scale-table 200000   # the 40-column scale table

On a GPU machine, ``benchmarks/gpu_tabular.sh`` runs the same comparison with one process
per GPU (nccl).
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(domain: str, world: int, steps: int, batch: int, extra: list[str], out: Path) -> float:
    """Rows (samples) per second of the training loop with ``world`` processes."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "GENFORGE_PROGRESS": "0"}
    cmd = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={world}", "--nnodes=1",
           "--master_addr=127.0.0.1", f"--master_port={free_port()}", "-m", "genforge.cli", "train", domain,
           "--steps", str(steps), "--batch-size", str(batch), "--out", str(out), *extra]
    if world == 1:  # the same command without a process group: the single-process baseline
        cmd = [sys.executable, "-m", "genforge.cli", "train", domain, "--steps", str(steps),
               "--batch-size", str(batch), "--out", str(out), *extra]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
    summary = json.loads((out / "run_summary.json").read_text())
    return summary["steps"] * batch * world / summary["wall_time"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", default="tabular,mixture")
    parser.add_argument("--scale-table", type=int, default=0, metavar="ROWS",
                        help="train tabular on this many rows of benchmarks/tabular_scale_table.py's table "
                             "(40 columns, one of 50,000 levels) instead of the bundled actg175")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch", type=int, default=500, help="per-process batch")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (one GPU per process)")
    parser.add_argument("--max-world", type=int, default=2, help="skip the 2-process run when below 2")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"DDP scaling on {os.cpu_count()} cores (load average {load:.1f} at start), one torch thread "
          f"per process, {args.steps} steps of batch {args.batch} per process")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        extras = {"mixture": []}
        device = ["--device", args.device]
        extras["tabular"] = ["--dataset", "actg175"]
        if "tabular" in args.domains and args.scale_table:
            sys.path.insert(0, str(HERE))
            from tabular_scale_table import make_table

            table = tmp / "table.parquet"
            make_table(args.scale_table).to_parquet(table)
            extras["tabular"] = ["--dataset", str(table)]
        print(f"{'domain':10s} {'1 process':>14s} {'2 processes':>14s} {'ratio':>7s}   (target >= 1.6x)")
        for domain in args.domains.split(","):
            one = run(domain, 1, args.steps, args.batch, extras[domain] + device, tmp / f"{domain}-1")
            if args.max_world < 2:
                print(f"{domain:10s} {one:11,.0f}/s {'(one device)':>14s}")
                continue
            two = run(domain, 2, args.steps, args.batch, extras[domain] + device, tmp / f"{domain}-2")
            print(f"{domain:10s} {one:11,.0f}/s {two:11,.0f}/s {two / one:6.2f}x")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
