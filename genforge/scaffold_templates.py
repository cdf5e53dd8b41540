'''The files ``genforge new-plugin`` writes, as ``str.format`` templates.

Fields: ``{name}`` (plugin / entry-point name), ``{dist}`` (distribution name),
``{package}`` (import package), ``{domain}`` (domain name), ``{title}``.
Literal braces are doubled.
'''

from genforge.report.scaffold_snippet import REPORT_SECTION

PYPROJECT = '''[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "{dist}"
version = "0.1.0"
description = "genforge plugin: the {domain} domain"
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["genforge"]

[project.optional-dependencies]
test = ["pytest>=8"]

# genforge finds plugins through this entry point group.
[project.entry-points.genforge]
{name} = "{package}.plugin"

[tool.setuptools.packages.find]
include = ["{package}*"]
'''

README = '''# {dist}

A [genforge](https://github.com/) plugin that registers the `{domain}` domain:
points on a noisy unit circle, an MLP generator/discriminator pair and a
`radius_error` metric. Replace them with your own data, networks and metrics;
`docs/writing-plugins.md` in genforge explains every hook.

```bash
genforge install .            # or: pip install -e .
genforge plugins              # lists {name} and what it registers
pytest tests                  # genforge's conformance kit checks every registration
genforge train {domain} --steps 500 --out runs/{domain}
genforge sample runs/{domain} -n 100 --out samples.csv
```
'''

PLUGIN = '''"""genforge plugin: the ``{domain}`` domain (points on a noisy unit circle).

Each ``register_*`` function is a hook genforge calls once when it loads plugins;
it calls ``register(...)`` with one spec per item. Replace the circle with your
own data: load raw items in the dataset, encode them to tensors in
``Domain.prepare``, turn generator output back into samples in ``Domain.decode``.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any, Iterable

import torch
from torch import nn

from genforge import (DatasetSpec, Domain, GANModel, MetricSpec, ModelSpec, TensorTrainingData,
                      UserInputError, hookimpl)

DOMAIN = "{domain}"


class CircleDomain(Domain):
    """Samples are 2-D points (an ``(n, 2)`` float tensor); files are CSV with columns x, y."""

    name = DOMAIN
    description = "points on a noisy unit circle (a template: replace with your data)"
    default_dataset = "circle"
    default_model = "mlp"
    default_loss = "non-saturating"
    train_defaults = {{"steps": 1000, "batch_size": 256, "lr_g": 1e-3, "lr_d": 1e-3}}

    def prepare(self, raw: torch.Tensor, options: dict[str, Any], seed: int) -> TensorTrainingData:
        """Raw loaded data -> encoded tensors. Here the points are already tensors.

        ``real_samples`` are decoded real items: metrics compare them with generated
        samples and the engine uses them to detect mode collapse.
        """
        return TensorTrainingData(raw, schema={{"noise": float(options.get("noise", 0.05))}},
                                  reference=raw, real_samples=raw[:1000])

    def decode(self, output: torch.Tensor, schema: dict[str, Any]) -> torch.Tensor:
        """Generator output -> samples (identity here; e.g. argmax or inverse scaling elsewhere)."""
        return output.float()

    def write_samples(self, chunks: Iterable[torch.Tensor], path: Path) -> int:
        count = 0
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["x", "y"])
            for chunk in chunks:
                writer.writerows(chunk.tolist())
                count += len(chunk)
        return count

    def diversity(self, samples: torch.Tensor, schema: dict[str, Any]) -> float:
        """Occupied angle bins out of 16: falls when the generator collapses."""
        angles = torch.atan2(samples[:, 1], samples[:, 0])
        return float(((angles + math.pi) / (2 * math.pi) * 16).long().clamp(0, 15).unique().numel())


def load_circle(source: Path | None, options: dict[str, Any]) -> torch.Tensor:
    """The named dataset: points on the unit circle, reproducible from ``options['seed']``."""
    n, noise = int(options.get("points", 10_000)), float(options.get("noise", 0.05))
    if n <= 0:
        raise UserInputError(f"dataset option 'points' must be positive, got {{n}}")
    rng = torch.Generator().manual_seed(int(options.get("seed", 0)))
    angles = torch.rand(n, generator=rng) * 2 * math.pi
    points = torch.stack([angles.cos(), angles.sin()], 1)
    return points + noise * torch.randn(n, 2, generator=rng)


def mlp(sizes: list[int], activation: type[nn.Module]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for a, b in zip(sizes, sizes[1:]):
        layers += [nn.Linear(a, b), activation()]
    return nn.Sequential(*layers[:-1])  # no activation after the last layer


class Critic(nn.Module):
    def __init__(self, hidden: int):
        super().__init__()
        self.net = mlp([2, hidden, hidden, 1], lambda: nn.LeakyReLU(0.2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)  # one score per sample


def build_mlp(schema: dict[str, Any], options: dict[str, Any]) -> GANModel:
    """``build(schema, options)``: options are the spec's defaults overridden by the user's config."""
    latent, hidden = int(options["latent_dim"]), int(options["hidden"])
    return GANModel(mlp([latent, hidden, hidden, 2], nn.ReLU), Critic(hidden), latent)


def radius_error(samples: torch.Tensor, reference: torch.Tensor) -> float:
    """Mean distance of the samples from the unit circle (lower is better)."""
    return float((samples.float().norm(dim=1) - 1).abs().mean())


@hookimpl
def register_domains(register):
    register(CircleDomain())


@hookimpl
def register_datasets(register):
    register(DatasetSpec("circle", DOMAIN, load_circle, "10,000 points on a noisy unit circle",
                         sample_options={{"points": 1000}}))


@hookimpl
def register_models(register):
    register(ModelSpec("mlp", DOMAIN, build_mlp, "two-layer MLP generator and discriminator",
                       defaults={{"latent_dim": 8, "hidden": 64}}, sample_options={{"hidden": 16}}))


@hookimpl
def register_metrics(register):
    register(MetricSpec("radius_error", DOMAIN, radius_error, higher_is_better=False, bounds=(0, None),
                        description="mean distance from the unit circle"))
''' + REPORT_SECTION  # the plugin's own section of `genforge report`

TESTS = '''"""{dist}'s tests: genforge's conformance kit checks every registration of the plugin."""
import pytest
import torch

from genforge.testing import plugin_checks
from {package}.plugin import load_circle, radius_error


@pytest.mark.parametrize("check", plugin_checks("{name}"), ids=str)
def test_conformance(check):
    check()


def test_radius_error_is_the_noise_level_on_real_points():
    points = load_circle(None, {{"points": 2000, "noise": 0.05}})
    assert 0.03 < radius_error(points, points) < 0.05  # E|N(0, 0.05)| = 0.04
    assert radius_error(torch.zeros(10, 2), points) == 1.0
'''

GITIGNORE = '''__pycache__/
*.egg-info/
build/
dist/
'''
