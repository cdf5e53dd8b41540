"""Mixed precision: forward passes under bf16 autocast, weights and optimizer state in fp32.

``"auto"`` picks bf16 only where the hardware multiplies bf16 natively (CUDA
with bf16 support; x86 CPUs with AVX512-BF16 or AMX): there a linear layer runs
about 4x faster than in fp32 on one CPU core. Elsewhere bf16 is emulated and
slower, so ``"auto"`` stays in fp32. bf16 keeps fp32's exponent range, so no loss
scaling is needed.
"""
from __future__ import annotations

import contextlib

import torch

PRECISIONS = ("fp32", "bf16", "auto")


def bf16_is_native(device: torch.device) -> bool:
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":  # torch's CPU feature probes (private; absent -> not native)
        probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
        return any(getattr(torch.cpu, name, lambda: False)() for name in probes)
    return False


def resolve_precision(precision: str, device: torch.device) -> str:
    """``"fp32"`` or ``"bf16"`` for ``device`` (``precision`` is checked by the config)."""
    if precision == "auto":
        return "bf16" if bf16_is_native(device) else "fp32"
    return precision


def autocast(precision: str, device: torch.device) -> contextlib.AbstractContextManager:
    """The context the forward passes run in (a no-op for fp32)."""
    if precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()
