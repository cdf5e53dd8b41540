"""MST's graphical model on its spanning tree, in numpy: the least-squares fit of the noisy 1- and
2-way counts over the tree's marginal polytope, and row sampling from it.

The same estimate as ``mbi``'s ``MirrorDescent().estimate`` (entropic mirror descent on the
potentials, an Armijo step; the optimum is unique: every edge is measured), specialised to a
tree: exact belief propagation in log space, no JAX. The profile of the hybrid showed JAX
compiling mbi's small programs (one per shape) as most of MST's time on tables of 275-1,711
rows; the tree needs no junction tree, and its sampling is ancestral.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Measurement(NamedTuple):
    """Noisy counts of one column (``clique`` of one name) or a pair (a 2-d table), and their noise."""
    clique: tuple[str, ...]
    noisy: np.ndarray
    sigma: float


def counts(codes: dict[str, np.ndarray], clique: tuple[str, ...], sizes: dict[str, int]) -> np.ndarray:
    """The contingency table of ``clique`` (one or two columns) of integer ``codes``."""
    if len(clique) == 1:
        return np.bincount(codes[clique[0]], minlength=sizes[clique[0]]).astype(float)
    a, b = clique
    flat = np.bincount(codes[a] * sizes[b] + codes[b], minlength=sizes[a] * sizes[b])
    return flat.reshape(sizes[a], sizes[b]).astype(float)


def estimated_total(ones: list[Measurement]) -> float:
    """The minimum-variance unbiased row count from the 1-way measurements (mbi's estimate)."""
    sums = np.array([m.noisy.sum() for m in ones])
    weights = np.array([1.0 / (m.sigma ** 2 * m.noisy.size) for m in ones])
    return max(1.0, float(np.average(sums, weights=weights)))


def _logsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    top = x.max(axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    return np.squeeze(top, axis) + np.log(np.exp(x - top).sum(axis=axis))


class TreeModel:
    """A tree-structured distribution over ``sizes``' columns (scaled to ``total`` rows), its
    potentials on nodes and on the ``edges`` (each stored as a (parent, child) table)."""

    def __init__(self, sizes: dict[str, int], edges: list[tuple[str, str]], total: float):
        self.sizes, self.total = sizes, total
        names = list(sizes)
        neighbours = {c: [] for c in names}
        for a, b in edges:
            neighbours[a].append(b)
            neighbours[b].append(a)
        self.order, self.parent, self.children = [names[0]], {names[0]: None}, {c: [] for c in names}
        for v in self.order:  # breadth first: every parent before its children
            for c in neighbours[v]:
                if c not in self.parent:
                    self.parent[c] = v
                    self.children[v].append(c)
                    self.order.append(c)
        if len(self.order) != len(names):
            raise ValueError("the edges do not span the columns")
        self.node = {c: np.zeros(sizes[c]) for c in names}
        self.edge = {c: np.zeros((sizes[p], sizes[c])) for c, p in self.parent.items() if p is not None}

    def marginals(self, node=None, edge=None) -> tuple[dict, dict]:
        """Node and edge counts of the potentials (default: the model's), by belief propagation."""
        node, edge = node or self.node, edge or self.edge
        up, message = {}, {}
        for v in reversed(self.order):
            up[v] = node[v] + sum((message[c] for c in self.children[v]), np.zeros(self.sizes[v]))
            if self.parent[v] is not None:
                message[v] = _logsumexp(edge[v] + up[v][None, :], axis=1)
        root = self.order[0]
        full, log_z = {root: up[root]}, _logsumexp(up[root], axis=0)
        nodes, edges = {}, {}
        for v in self.order:
            p = self.parent[v]
            if p is not None:
                outside = (full[p] - message[v])[:, None]
                full[v] = up[v] + _logsumexp(edge[v] + outside, axis=0)
                edges[v] = self.total * np.exp(edge[v] + outside + up[v][None, :] - log_z)
            nodes[v] = self.total * np.exp(full[v] - log_z)
        return nodes, edges

    def _targets(self, measurements: list[Measurement]):
        """The measurements keyed as the potentials are (node name; child name, table as (parent, child))."""
        nodes, edges = {}, {}
        for m in measurements:
            if len(m.clique) == 1:
                nodes[m.clique[0]] = m
                continue
            a, b = m.clique
            child, table = (b, m.noisy) if self.parent.get(b) == a else (a, m.noisy.T)
            edges[child] = Measurement((self.parent[child], child), table, m.sigma)
        return nodes, edges

    def fit(self, measurements: list[Measurement], iters: int, tol: float = 1e-6) -> TreeModel:
        """Minimise ``sum ||(mu - y) / sigma||^2 / 2`` over the measured cliques by mirror descent
        (an Armijo step, started from the independent model of the 1-way counts); stops after
        ``iters`` steps or when a step lowers the loss by under ``tol`` of it five times running."""
        targets = self._targets(measurements)

        def loss_and_gradient(nodes, edges):
            grads, loss = ({}, {}), 0.0
            for mu, target, grad in zip((nodes, edges), targets, grads):
                for key, m in target.items():
                    diff = (mu[key] - m.noisy) / m.sigma
                    loss += 0.5 * float(np.vdot(diff, diff))
                    grad[key] = diff / m.sigma
            return loss, grads

        for name, m in targets[0].items():
            self.node[name] = np.log(np.maximum(m.noisy, 0.0) + 1.0)
        sigma2 = min(m.sigma for t in targets for m in t.values()) ** 2
        alpha, stalls = sigma2 / self.total, 0
        mu = self.marginals()
        loss, (g_node, g_edge) = loss_and_gradient(*mu)
        for self.steps in range(1, iters + 1):
            node = {k: v - alpha * g_node.get(k, 0.0) for k, v in self.node.items()}
            edge = {k: v - alpha * g_edge.get(k, 0.0) for k, v in self.edge.items()}
            new_mu = self.marginals(node, edge)
            new_loss, new_grads = loss_and_gradient(*new_mu)
            predicted = sum(float(np.vdot(g, mu[i][k] - new_mu[i][k]))
                            for i, grads in enumerate((g_node, g_edge)) for k, g in grads.items())
            if loss - new_loss < 0.5 * predicted or not np.isfinite(new_loss):
                alpha *= 0.5
                continue
            stalls = stalls + 1 if loss - new_loss <= tol * loss else 0
            self.node, self.edge, mu, loss, (g_node, g_edge) = node, edge, new_mu, new_loss, new_grads
            alpha *= 1.25
            if stalls >= 5:
                break
        self.fitted = mu
        return self

    def sample(self, rows: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """``rows`` codes per column, ancestrally: the root, then each child given its parent;
        stratified uniforms, so each group's counts follow the model to within two rows."""
        nodes, edges = self.fitted

        def draw(weights: np.ndarray, k: int) -> np.ndarray:
            cdf = np.cumsum(weights) / weights.sum()
            u = (rng.permutation(k) + rng.random(k)) / k
            return np.minimum(np.searchsorted(cdf, u, side="right"), len(weights) - 1)

        root = self.order[0]
        out = {root: draw(nodes[root], rows)}
        for v in self.order[1:]:
            parent, codes = out[self.parent[v]], np.empty(rows, dtype=int)
            for value in np.unique(parent):
                where = np.flatnonzero(parent == value)
                row = edges[v][value]
                codes[where] = draw(row if row.sum() > 0 else nodes[v], len(where))
            out[v] = codes
        return out
