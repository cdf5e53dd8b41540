"""``run_summary.json`` in the run folder when training ends: steps, wall time, early stopping's best
step, warnings, the final metrics, library versions and the hardware, for ``genforge report``."""
from __future__ import annotations

import json
import os
import platform
import sys
from importlib.metadata import PackageNotFoundError, version

from genforge.hookspecs import hookimpl

SUMMARY_FILE = "run_summary.json"


def environment(device=None) -> dict:
    """Versions of python, torch and genforge's packages, and the machine that ran them."""
    import torch

    versions = {"python": sys.version.split()[0], "torch": torch.__version__}
    for dist in ("genforge", "genforge-tabular", "genforge-molecule", "genforge-image", "genforge-text"):
        try:
            versions[dist] = version(dist)
        except PackageNotFoundError:
            continue
    hardware = {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                "device": str(device) if device is not None else "cpu"}
    if device is not None and getattr(device, "type", "") == "cuda":
        hardware["gpu"] = torch.cuda.get_device_name(device)
    return {"versions": versions, "hardware": hardware}


def write_summary(run_dir, summary: dict, device=None) -> None:
    """Write the summary atomically (temporary name, then rename)."""
    record = {**{k: v for k, v in summary.items()}, **environment(device)}
    from genforge.output_files import write_text

    write_text(run_dir / SUMMARY_FILE, json.dumps(record, indent=2, default=str) + "\n")


@hookimpl
def on_train_end(trainer, summary):
    if trainer.run_dir is not None:
        trainer.run_dir.mkdir(parents=True, exist_ok=True)
        write_summary(trainer.run_dir, summary, trainer.device)
