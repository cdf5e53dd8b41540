"""MST (McKenna, Miklau & Sheldon 2021, "Winning the NIST Contest"), the external DP baseline of
``tabular_privacy.py``, on ``mbi`` (private-pgm, the authors' package: ``pip install mbi``).

The algorithm as published, in zCDP with rho from (epsilon, delta): a third of rho measures
every 1-way marginal (Gaussian noise), a third selects a maximum spanning tree of column pairs
by the exponential mechanism (an edge's score: how far the pair's 2-way marginal is from the
independent estimate), a third measures the tree's 2-way marginals; mbi's mirror descent fits
a graphical model to the noisy measurements and samples rows from it. Columns are discretised
on their public domains (numbers: ``BINS`` equal-width bins; levels as declared; missing as a
level), the same public knowledge the DP-GAN is given.
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

BINS = 16


def rho_of(epsilon: float, delta: float) -> float:
    """The zCDP rho whose (epsilon, delta) conversion ``rho + 2 sqrt(rho ln(1/delta))`` is epsilon."""
    log = math.log(1.0 / delta)
    return (math.sqrt(log + epsilon) - math.sqrt(log)) ** 2


def discretise(frame: pd.DataFrame, public: dict) -> tuple[dict[str, np.ndarray], dict[str, list]]:
    """Integer codes per column and each code's value (a bin's range for numbers, a level)."""
    codes, values = {}, {}
    for name in frame.columns:
        domain = public.get(name)
        if domain is None:  # an ID-like column: not modelled
            continue
        x = frame[name]
        if len(domain) == 2 and all(isinstance(v, (int, float)) for v in domain) and pd.api.types.is_numeric_dtype(x):
            edges = np.linspace(float(domain[0]), float(domain[1]), BINS + 1)
            c = np.clip(np.digitize(x.to_numpy(dtype=float), edges[1:-1]), 0, BINS - 1)
            codes[name] = np.where(x.isna(), BINS, c)
            values[name] = [(edges[i], edges[i + 1]) for i in range(BINS)] + [None]
        else:
            index = {v: i for i, v in enumerate(domain)}
            codes[name] = np.array([index.get(v, len(domain)) for v in x.where(x.notna(), None)])
            values[name] = list(domain) + [None]
    return codes, values


def decode(value, rng: np.random.Generator):
    """A code's value: a uniform draw in a bin, one of a merged code's levels, or the level."""
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "rare":
        return decode(value[1][rng.integers(len(value[1]))], rng)
    if isinstance(value, tuple):
        return rng.uniform(*value)
    return value


def compress(codes, values, names, ones):
    """MST's domain compression (post-processing of the 1-way measurements): a column's levels
    whose noisy count is below 3 sigma merge into one code, decoded to one of them at random
    (``decode``)."""
    from mbi import Domain, LinearMeasurement

    new_codes, new_values, new_ones = {}, {}, []
    for name, m in zip(names, ones):
        y = np.asarray(m.noisy_measurement)
        keep = y >= 3 * m.stddev
        if keep.all() or not keep.any():
            new_codes[name], new_values[name] = codes[name], values[name]
            new_ones.append(m)
            continue
        mapping = np.where(keep, np.cumsum(keep) - 1, keep.sum())
        # a missing slot lost in the noise is never generated (as the private encoders do)
        rare = [values[name][i] for i in np.flatnonzero(~keep) if values[name][i] is not None] \
            or [values[name][int(np.argmax(y))]]
        new_codes[name] = mapping[codes[name]]
        new_values[name] = [values[name][i] for i in np.flatnonzero(keep)] + [("rare", rare)]
        merged = np.append(y[keep], y[~keep].sum())
        new_ones.append(LinearMeasurement(merged, m.clique, m.stddev))
    domain = Domain(names, [len(new_values[c]) for c in names])
    return new_codes, new_values, domain, new_ones


def mst(frame: pd.DataFrame, public: dict, epsilon: float, delta: float, rows: int, seed: int) -> pd.DataFrame:
    """``rows`` synthetic rows of ``frame`` under (epsilon, delta)-DP by MST."""
    from mbi import Dataset, Domain, LinearMeasurement
    from mbi.estimation import MirrorDescent

    rng = np.random.default_rng(seed)
    codes, values = discretise(frame, public)
    names = list(codes)
    domain = Domain(names, [len(values[c]) for c in names])
    data = Dataset(codes, domain)
    rho = rho_of(epsilon, delta) / 3.0

    def measure(cliques):
        sigma = math.sqrt(len(cliques) / (2.0 * rho))  # L2 sensitivity sqrt(#cliques) for the set
        return [LinearMeasurement(data.project(c).datavector() + rng.normal(0, sigma, domain.size(c)), c, sigma)
                for c in cliques]

    ones = measure([(c,) for c in names])
    codes, values, domain, ones = compress(codes, values, names, ones)
    data = Dataset(codes, domain)
    model = MirrorDescent().estimate(domain, ones, iters=300)
    pairs = list(itertools.combinations(names, 2))
    score = {p: np.abs(data.project(p).datavector() - model.project(p).datavector()).sum() for p in pairs}
    eps_edge = math.sqrt(8.0 * rho / max(1, len(names) - 1))  # exponential mechanism, sensitivity 1
    component = {c: c for c in names}

    def root(c):
        while component[c] != c:
            c = component[c]
        return c
    tree = []
    for _ in range(len(names) - 1):
        candidates = [p for p in pairs if root(p[0]) != root(p[1])]
        s = np.array([score[p] for p in candidates])
        weights = np.exp(eps_edge * (s - s.max()) / 2.0)
        a, b = candidates[rng.choice(len(candidates), p=weights / weights.sum())]
        tree.append((a, b))
        component[root(a)] = root(b)
    model = MirrorDescent().estimate(domain, ones + measure(tree), iters=1000)
    synthetic = model.synthetic_data(rows).to_dict()
    out = {}
    for name in frame.columns:
        if name not in codes:  # an ID-like column: fresh identifiers, as the DP-GAN makes
            numeric = pd.api.types.is_numeric_dtype(frame[name])
            out[name] = np.arange(rows) if numeric else np.array([f"id-{i}" for i in range(rows)], dtype=object)
            continue
        k = np.asarray(synthetic[name])
        decoded = [values[name][int(j)] for j in k]
        out[name] = [decode(v, rng) for v in decoded]
    result = pd.DataFrame(out)
    for name in frame.columns:  # integers stay integers, of the real column's dtype
        if pd.api.types.is_integer_dtype(frame[name]) and name in codes:
            rounded = pd.to_numeric(result[name]).round()
            result[name] = rounded if rounded.isna().any() else rounded.astype(frame[name].dtype)
    return result
