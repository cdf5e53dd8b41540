"""MST (McKenna, Miklau & Sheldon 2021, "Winning the NIST Contest"): the mechanism of the hybrid
(privacy key ``mechanism=mst``), whose GAN trains on rows drawn from a graphical model fitted to
noisy marginals, so no network sees a real row.

The algorithm as published, in zCDP: a third of rho measures every 1-way marginal (Gaussian
noise), a third selects a maximum spanning tree of column pairs by the exponential mechanism (an
edge's score: how far the pair's 2-way marginal is from the independent estimate), a third
measures the tree's 2-way marginals; the tree model (``tree_model.py``: the estimate of the
authors' ``mbi`` package, in numpy) is fitted to the noisy measurements and rows are drawn from
it. Columns are discretised on their domains (numbers: ``BINS`` equal-width bins; levels;
missing as a level).

Accounting: rho-zCDP is RDP ``alpha * rho`` at every order (the Gaussian measurements exactly,
as Opacus computes a Gaussian of multiplier ``1 / sqrt(2 rho)`` at sample rate 1; the exponential
mechanism by its bounded-range bound ``eps**2 / 8``); (epsilon, delta) comes from Opacus's RDP
conversion, so the ledger's figure is Opacus's accountant's for the same noise, and rho is the
largest whose conversion stays within the requested epsilon.
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from genforge.errors import UserInputError
from genforge_tabular.privacy.tree_model import Measurement, TreeModel, counts, estimated_total

BINS = 16
#: most mirror-descent steps of the tree model's fit (it stops earlier once the loss settles)
ITERS = 1000


def rdp_epsilon(rho: float, delta: float) -> float:
    """Epsilon of a rho-zCDP mechanism at ``delta`` by Opacus's RDP conversion (its default orders)."""
    from opacus.accountants import RDPAccountant
    from opacus.accountants.analysis.rdp import get_privacy_spent

    orders = RDPAccountant.DEFAULT_ALPHAS
    return float(get_privacy_spent(orders=orders, rdp=[a * rho for a in orders], delta=delta)[0])


def rho_for(epsilon: float, delta: float) -> float:
    """The largest rho (to 1e-9 relative) whose :func:`rdp_epsilon` is at most ``epsilon``."""
    lo, hi = 0.0, max(1.0, epsilon)
    while rdp_epsilon(hi, delta) <= epsilon:
        hi *= 2
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if rdp_epsilon(mid, delta) <= epsilon else (lo, mid)
        if hi - lo <= 1e-9 * hi:
            break
    return lo


def mst_noise(rho: float, columns: int) -> tuple[float, float, float]:
    """MST's noise for ``columns`` columns at rho-zCDP, a third per step: the Gaussian noise
    multipliers (noise over L2 sensitivity) of the 1-way and of the tree's 2-way measurements, and
    the exponential mechanism's epsilon per edge (``columns - 1`` edges of ``eps**2 / 8`` each)."""
    third = rho / 3.0
    return 1.0 / math.sqrt(2.0 * third), 1.0 / math.sqrt(2.0 * third), math.sqrt(8.0 * third / (columns - 1))


def discretise(frame: pd.DataFrame, domains: dict, numeric: set) -> tuple[dict[str, np.ndarray], dict[str, list]]:
    """Integer codes per column and each code's value (a bin's range for numbers, a level);
    columns without a domain (ID-like) are left out."""
    codes, values = {}, {}
    for name in frame.columns:
        domain = domains.get(name)
        if domain is None:
            continue
        x = frame[name]
        if name in numeric:
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


def compress(codes, values, names, ones: list[Measurement]):
    """MST's domain compression (post-processing of the 1-way measurements): a column's levels
    whose noisy count is below 3 sigma merge into one code (all of them, if none reaches it),
    decoded to one of them at random. The merged count is fitted at the noise of one count: the
    published ``sigma * sqrt(k)`` lowered the hybrid's quality on penguins (3 seeds, README)."""
    new_codes, new_values, new_ones = {}, {}, []
    for name, m in zip(names, ones):
        y = m.noisy
        keep = y >= 3 * m.sigma
        if keep.all():
            new_codes[name], new_values[name] = codes[name], values[name]
            new_ones.append(m)
            continue
        mapping = np.where(keep, np.cumsum(keep) - 1, keep.sum())
        # a missing slot lost in the noise is never generated (as the private encoders do)
        rare = [values[name][i] for i in np.flatnonzero(~keep) if values[name][i] is not None] \
            or [values[name][int(np.argmax(y))]]
        new_codes[name] = mapping[codes[name]]
        new_values[name] = [values[name][i] for i in np.flatnonzero(keep)] + [("rare", rare)]
        new_ones.append(Measurement(m.clique, np.append(y[keep], y[~keep].sum()), m.sigma))
    return new_codes, new_values, {c: len(new_values[c]) for c in names}, new_ones


def simplex_projection(y: np.ndarray, total: float) -> np.ndarray:
    """The nearest point (Euclidean) to ``y`` with non-negative entries summing to ``total``."""
    u = np.sort(y)[::-1]
    excess = (np.cumsum(u) - total) / np.arange(1, len(u) + 1)
    return np.maximum(y - excess[np.flatnonzero(u > excess)[-1]], 0.0)


def independent_marginals(ones: list[Measurement]) -> dict[str, np.ndarray]:
    """The model of the 1-way measurements alone, in closed form: the columns are independent, so
    the least-squares fit is each noisy marginal projected onto the counts of the estimated total
    (what mbi's ``MirrorDescent().estimate(domain, ones)`` converges to)."""
    total = estimated_total(ones)
    return {m.clique[0]: simplex_projection(m.noisy, total) for m in ones}


def spanning_tree(names, score: dict, eps_edge: float, rng: np.random.Generator) -> list[tuple[str, str]]:
    """A spanning tree of the columns, each edge picked by the exponential mechanism (sensitivity 1)."""
    component = {c: c for c in names}

    def root(c):
        while component[c] != c:
            c = component[c]
        return c
    tree = []
    for _ in range(len(names) - 1):
        candidates = [p for p in score if root(p[0]) != root(p[1])]
        s = np.array([score[p] for p in candidates])
        weights = np.exp(eps_edge * (s - s.max()) / 2.0)
        a, b = candidates[rng.choice(len(candidates), p=weights / weights.sum())]
        tree.append((a, b))
        component[root(a)] = root(b)
    return tree


def mst_rows(frame: pd.DataFrame, domains: dict, rho: float, rows: int, seed: int,
             numeric: set | None = None, integers: set | None = None) -> pd.DataFrame:
    """``rows`` synthetic rows of ``frame`` under rho-zCDP by MST; ``numeric``: the columns binned
    on ``[lo, hi]`` (default: those whose domain is two numbers and whose values are numeric);
    ``integers``: those written as whole numbers (default: those of an integer dtype)."""
    if numeric is None:
        numeric = {c for c, d in domains.items() if c in frame and len(d) == 2 and pd.api.types.is_numeric_dtype(frame[c])
                   and not pd.api.types.is_bool_dtype(frame[c]) and all(isinstance(v, (int, float)) for v in d)}
    rng = np.random.default_rng(seed)
    codes, values = discretise(frame, domains, numeric)
    names = list(codes)
    if len(names) < 2:
        raise UserInputError("privacy mechanism=mst: fewer than two modelled columns; use mechanism=dpsgd")
    sizes = {c: len(values[c]) for c in names}
    one_way, two_way, eps_edge = mst_noise(rho, len(names))

    def measure(cliques, multiplier):
        sigma = multiplier * math.sqrt(len(cliques))  # L2 sensitivity sqrt(#cliques) for the set
        tables = [counts(codes, c, sizes) for c in cliques]
        return [Measurement(c, t + rng.normal(0, sigma, t.shape), sigma) for c, t in zip(cliques, tables)]

    ones = measure([(c,) for c in names], one_way)
    codes, values, sizes, ones = compress(codes, values, names, ones)
    independent = independent_marginals(ones)
    score = {p: np.abs(counts(codes, p, sizes) - np.outer(independent[p[0]], independent[p[1]])
                       / independent[p[0]].sum()).sum() for p in itertools.combinations(names, 2)}
    tree = spanning_tree(names, score, eps_edge, rng)
    model = TreeModel(sizes, tree, estimated_total(ones)).fit(ones + measure(tree, two_way), ITERS)
    synthetic = model.sample(rows, rng)
    out = {}
    for name in frame.columns:
        if name not in codes:  # an ID-like column: fresh identifiers
            out[name] = np.arange(rows) if pd.api.types.is_numeric_dtype(frame[name]) \
                else np.array([f"id-{i}" for i in range(rows)], dtype=object)
            continue
        out[name] = [decode(values[name][int(j)], rng) for j in np.asarray(synthetic[name])]
    result = pd.DataFrame(out)
    if integers is None:
        integers = {c for c in frame.columns if pd.api.types.is_integer_dtype(frame[c])}
    for name in frame.columns:  # integers stay integers, of the real column's dtype
        if name in integers and name in codes:
            rounded = pd.to_numeric(result[name]).round()
            whole = pd.api.types.is_integer_dtype(frame[name]) and not rounded.isna().any()
            result[name] = rounded.astype(frame[name].dtype) if whole else rounded
    return result

