#!/usr/bin/env bash
# Tabular training throughput on GPU(s), prepared to finish in under 10 minutes:
# benchmarks/ddp_scaling.py on the 40-column scale table (200,000 rows, a 50,000-level column),
# one process per GPU under torchrun (nccl) against one process, 400 steps of batch 500.
# With one GPU it prints the single-process figure only (DDP needs a GPU per process).
# Usage: bash benchmarks/gpu_tabular.sh. Not yet run on a GPU (no device was lent to the
# session that wrote it).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
GPUS=$("$PY" -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; print(torch.cuda.device_count())")
echo "$GPUS GPU(s): $("$PY" -c 'import torch; print(torch.cuda.get_device_name(0))')"
timeout 590 "$PY" benchmarks/ddp_scaling.py --domains tabular --scale-table 200000 --steps 400 \
    --device cuda --max-world "$GPUS"
