#!/usr/bin/env bash
# The MOSES benchmark of the latent GAN on one GPU, prepared to finish in under 10 minutes:
# the full 1.6 M-molecule MOSES train set is not used; 200,000 molecules, 4,000 autoencoder
# steps (the autoencoder is what CPU runs cannot afford), 5,000 GAN steps, 10,000 samples
# scored by MOSES's own get_all_metrics (autoencoder lr 2e-2, greedy decoding: molecule_moses.py's defaults,
# chosen by benchmarks/molecule_autoencoder.py). Usage: bash benchmarks/gpu_molecules.sh [RUN_FOLDER]
# Not yet run on a GPU (no device was lent to the session that wrote it).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
"$PY" -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; print(torch.cuda.get_device_name(0))"
OUT=${1:-$(mktemp -d)/moses-gpu}
export GENFORGE_CACHE=${GENFORGE_CACHE:-$(dirname "$OUT")/cache}
timeout 590 "$PY" benchmarks/molecule_moses.py --device cuda --threads 4 --limit 200000 \
    --ae-steps 4000 --steps 5000 -n 10000 --out "$OUT"
