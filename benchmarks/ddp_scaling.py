"""DDP scaling: training throughput of `genforge train` with 1 and 2 processes under torchrun.

Each process runs one torch thread and draws its own batches (``seed + rank`` streams), so
2 processes train on twice the rows per step; throughput is ``steps x batch x world / wall``,
from the run's own ``run_summary.json`` (the step loop's wall time: not start-up, nor the
fitting, checkpoint and evaluation after the last step, which rank 0 does alone). Printed
with the machine's core count and load: on a machine with fewer idle cores than processes the
figure measures contention, not DDP. The target (#21): 2 processes >= 1.6x one process.

"Where cores allow" is measured too: two independent single-process runs started together
(no process group) give the ceiling the cores leave (``ceiling``: their summed rows/s over one
run's); DDP's ratio is read against it. The three runs are interleaved ``--repeats`` times and
the medians printed, since one run alone on a shared machine drifts by 20 %.

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
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command(domain: str, world: int, steps: int, batch: int, extra: list[str], out: Path) -> list[str]:
    train = ["genforge.cli", "train", domain, "--steps", str(steps), "--batch-size", str(batch),
             "--out", str(out), *extra]
    if world == 1:  # without a process group: the single-process baseline
        return [sys.executable, "-m", *train]
    return [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={world}", "--nnodes=1",
            "--master_addr=127.0.0.1", f"--master_port={free_port()}", "-m", *train]


def rows_per_second(cmds: list[list[str]], outs: list[Path], batch: int, world: int) -> list[float]:
    """Run ``cmds`` at the same time; each run's training rows per second of its step loop."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "GENFORGE_PROGRESS": "0"}
    procs = [subprocess.Popen(c, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for c in cmds]
    for cmd, proc in zip(cmds, procs):
        _, err = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{err[-3000:]}")
    summaries = [json.loads((out / "run_summary.json").read_text()) for out in outs]
    return [s["steps"] * batch * world / s["loop_time"] for s in summaries]


def measure(domain: str, steps: int, batch: int, extra: list[str], tmp: Path, repeats: int,
            world: int) -> tuple[float, float, float]:
    """Medians over interleaved repeats: one process, ``world`` DDP processes, ``world``
    independent processes together (the summed rows/s)."""
    one, ddp, apart = [], [], []
    for r in range(repeats):
        out = tmp / f"{domain}-{batch}-{r}"
        single = out / "single"
        one += rows_per_second([command(domain, 1, steps, batch, extra, single)], [single], batch, 1)
        if world < 2:
            continue
        ddp += rows_per_second([command(domain, world, steps, batch, extra, out / "ddp")], [out / "ddp"],
                               batch, world)
        outs = [out / f"apart-{k}" for k in range(world)]
        apart.append(sum(rows_per_second([command(domain, 1, steps, batch, extra, o) for o in outs],
                                         outs, batch, 1)))
    median = statistics.median
    return median(one), median(ddp) if ddp else float("nan"), median(apart) if apart else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", default="tabular,mixture")
    parser.add_argument("--scale-table", type=int, default=0, metavar="ROWS",
                        help="train tabular on this many rows of benchmarks/tabular_scale_table.py's table "
                             "(40 columns, one of 50,000 levels) instead of the bundled actg175")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch", default="500,2000", help="per-process batch sizes, comma-separated")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cpu", help="cpu or cuda (one GPU per process)")
    parser.add_argument("--max-world", type=int, default=2, help="skip the 2-process runs when below 2")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"DDP scaling on {os.cpu_count()} cores (load average {load:.1f} at start), one torch thread "
          f"per process, {args.steps} steps per process, medians of {args.repeats} interleaved repeats")
    world = min(2, args.max_world)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        extras = {"mixture": [], "tabular": ["--dataset", "actg175"]}
        device = ["--device", args.device]
        if "tabular" in args.domains and args.scale_table:
            sys.path.insert(0, str(HERE))
            from tabular_scale_table import make_table

            table = tmp / "table.parquet"
            make_table(args.scale_table).to_parquet(table)
            extras["tabular"] = ["--dataset", str(table)]
        print(f"{'domain':10s} {'batch':>6s} {'1 process':>12s} {'2 DDP':>12s} {'ratio':>7s} "
              f"{'2 apart':>12s} {'ceiling':>8s}   (target: ratio >= 1.6x)")
        for domain in args.domains.split(","):
            for batch in (int(b) for b in args.batch.split(",")):
                one, two, apart = measure(domain, args.steps, batch, extras[domain] + device, tmp,
                                          args.repeats, world)
                print(f"{domain:10s} {batch:6d} {one:10,.0f}/s {two:10,.0f}/s {two / one:6.2f}x "
                      f"{apart:10,.0f}/s {apart / one:7.2f}x", flush=True)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
