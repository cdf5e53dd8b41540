"""Engine overhead: the same G, D, data and steps, trained by a minimal hand-written
PyTorch loop and by genforge's Trainer, in one run. Prints the time ratio.

Like with like: every loop runs at the same precision (``--precision``, fp32 by
default; bf16 puts the forward passes of all three under the same autocast), with
the same batches, the non-saturating loss and fused Adam. The hand-written loop is
run with the discriminator on real and fake in one joint pass (the Trainer's
layout) and in two passes; the baseline is the faster of the two. Runs alternate
(hand, trainer, hand, ...) so machine noise hits all alike.

What the Trainer does beyond the hand loop, and so the expected gap: two
``loss.item()`` finiteness checks per step (a refused NaN step), the logs every
``log_every`` = 10 steps (gradient norms, D accuracies), and freezing D's
weights during the G step (which saves work rather than costing it).
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from genforge.builtin.mixture import Mixture, build_mlp, grid_means
from genforge.config import TrainConfig
from genforge.domain import TensorTrainingData
from genforge.engine.trainer import Trainer, seed_all
from genforge.plugins import build_registry

OPTIONS = {"latent_dim": 8, "hidden": 256, "layers": 3, "d_hidden": 256, "d_layers": 3, "pac": 1}


def make(seed: int):
    seed_all(seed)
    mixture = Mixture(grid_means(), 0.05)
    data = mixture.sample(100_000, torch.Generator().manual_seed(seed))
    return build_mlp(mixture, OPTIONS), data


def hand_loop(steps: int, batch: int, joint: bool, precision: str = "fp32") -> float:
    model, data = make(0)
    G, D = model.generator, model.discriminator
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999), fused=True)  # as the Trainer
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999), fused=True)
    rng = torch.Generator().manual_seed(0)
    forward = lambda: torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16")  # noqa: E731
    start = time.perf_counter()
    for _ in range(steps):
        real = data[torch.randint(0, len(data), (batch,), generator=rng)]
        with forward():
            with torch.no_grad():
                fake = G(torch.randn(batch, 8, generator=rng))
            if joint:
                out = D(torch.cat([real, fake]))
                real_out, fake_out = out[:batch], out[batch:]
            else:
                real_out, fake_out = D(real), D(fake)
            d_loss = F.softplus(-real_out).mean() + F.softplus(fake_out).mean()
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        with forward():
            g_loss = F.softplus(-D(G(torch.randn(batch, 8, generator=rng)))).mean()
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
    return time.perf_counter() - start


def engine_loop(steps: int, batch: int, registry, precision: str = "fp32") -> float:
    model, data = make(0)
    config = TrainConfig(steps=steps, batch_size=batch, lr_g=2e-4, lr_d=2e-4, device="cpu", precision=precision)
    trainer = Trainer(model, TensorTrainingData(data), config, loss=registry.loss("non-saturating"),
                      hook=registry.hook)
    start = time.perf_counter()
    trainer.fit()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32",
                        help="the precision of every loop's forward passes")
    args = parser.parse_args()
    import os
    os.environ.setdefault("GENFORGE_PROGRESS", "0")
    registry = build_registry(include_entry_points=False)
    times = {"hand-written (joint D pass)": [], "hand-written (two D passes)": [], "genforge Trainer": []}
    p = args.precision
    hand_loop(50, args.batch, True, p), hand_loop(50, args.batch, False, p), engine_loop(50, args.batch, registry, p)
    for _ in range(args.repeats):
        times["hand-written (joint D pass)"].append(hand_loop(args.steps, args.batch, True, p))
        times["genforge Trainer"].append(engine_loop(args.steps, args.batch, registry, p))
        times["hand-written (two D passes)"].append(hand_loop(args.steps, args.batch, False, p))
    print(f"engine overhead: grid-25 MLP G/D (3x256), batch {args.batch}, {args.steps} steps, {p}, "
          f"{torch.get_num_threads()} threads, median of {args.repeats}")
    medians = {k: statistics.median(v) for k, v in times.items()}
    for name, value in medians.items():
        print(f"  {name:30s} {value:7.2f} s   ({1000 * value / args.steps:.2f} ms/step)")
    best = min(("hand-written (joint D pass)", "hand-written (two D passes)"), key=medians.get)
    ratio = medians["genforge Trainer"] / medians[best]
    print(f"  Trainer / fastest hand-written loop ({best}): {ratio:.3f}x   (target <= 1.05x)")


if __name__ == "__main__":
    main()
