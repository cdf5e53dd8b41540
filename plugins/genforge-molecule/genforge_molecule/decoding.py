"""Generator output -> molecules: raw graphs, valence-aware decoding, canonical SMILES.

*Raw* decoding takes the most likely atom and bond type of every node and pair
as they are; the raw graph is valid when RDKit would sanitize it as one
molecule: at least one atom, no bond to an absent atom, no atom above its
largest allowed valence, one connected fragment. For neutral atoms with
implicit hydrogens and kekulized bonds this is exactly RDKit's valence check;
in aromatic graphs an aromatic bond counts 1 here and the graph must also
kekulize (RDKit decides, see :func:`~genforge_molecule.graph_smiles.molecule_smiles`).

*Valence-aware* decoding adds the sampled bonds in order of the generator's
confidence while both atoms' valences allow (downgrading a bond's order to what
still fits), drops bonds to absent atoms and keeps the largest connected
fragment; RDKit then parses and canonicalizes the result (aromatic rings it
cannot kekulize are saturated).

Both steps run on whole batches: the valence bookkeeping is vectorized NumPy,
the SMILES work runs in a pool of worker processes over the CPU cores.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from genforge_molecule.graph_smiles import molecule_smiles
from genforge_molecule.worker_pool import submit_slices
from genforge_molecule.schema import BOND_COST, MoleculeSchema

#: batches smaller than this are decoded in-process (a pool round trip costs more)
PARALLEL_MIN = 4096


@dataclass
class DecodedGraphs:
    """Valence-fixed graphs of one batch: atom types ``[n, N]`` (0 outside the largest
    fragment) and edge types of the upper-triangle pairs ``[n, P]``
    (``np.triu_indices(N, 1)`` order; bonds only within the largest fragment)."""

    atoms: np.ndarray
    bonds: np.ndarray
    raw_valid: np.ndarray


def _reach(adjacency: np.ndarray) -> np.ndarray:
    """``[n, N, N]`` bool: atom j is reachable from atom i (transitive closure by squaring)."""
    N = adjacency.shape[1]
    reach = adjacency | np.eye(N, dtype=bool)[None]
    for _ in range(int(np.ceil(np.log2(max(N, 2))))):
        reach = np.matmul(reach.astype(np.float32), reach.astype(np.float32)) > 0
    return reach


def _connected(adjacency: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Whether the present atoms of each graph form one fragment ([n, N, N] bool adjacency)."""
    n = present.shape[0]
    from_first = _reach(adjacency)[np.arange(n), present.argmax(1)]  # reachable from the first present atom
    return ~(present & ~from_first).any(1)


def _largest_fragment(atoms: np.ndarray, bonds: np.ndarray, iu: np.ndarray,
                      ju: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Atoms and bonds with everything outside each graph's largest fragment set to 0
    (ties: the fragment holding the lowest-numbered atom)."""
    n, N = atoms.shape
    adjacency = np.zeros((n, N, N), dtype=bool)
    adjacency[:, iu, ju] = bonds > 0
    adjacency |= adjacency.transpose(0, 2, 1)
    present = atoms > 0
    reach = _reach(adjacency) & present[:, None, :]
    root = np.where(present, reach.sum(2), -1).argmax(1)
    keep = reach[np.arange(n), root]
    return np.where(keep, atoms, 0), np.where(keep[:, iu] & keep[:, ju], bonds, 0)


def valence_aware(atoms: np.ndarray, edge_types: np.ndarray, edge_confidence: np.ndarray,
                  schema: MoleculeSchema) -> DecodedGraphs:
    """Raw validity and valence-fixed bonds for a batch.

    ``atoms`` ``[n, N]`` node types (0 = none); ``edge_types`` and
    ``edge_confidence`` ``[n, N, N]`` (symmetric; only the upper triangle is read).
    """
    n, N = atoms.shape
    iu, ju = np.triu_indices(N, 1)
    cost = np.array(BOND_COST[:schema.edge_types], dtype=np.int16)
    capacity = np.array([0] + list(schema.valences), dtype=np.int16)[atoms]
    present = atoms > 0
    types = edge_types[:, iu, ju]
    want = cost[types]
    both = present[:, iu] & present[:, ju]
    # raw: as sampled
    sym = np.zeros((n, N, N), dtype=np.int16)
    sym[:, iu, ju] = want
    sym[:, ju, iu] = want
    over = (sym.sum(2) > capacity).any(1)
    dangling = ((want > 0) & ~both).any(1)
    raw_valid = present.any(1) & ~over & ~dangling & _connected(sym > 0, present)
    # valence-aware: most confident bonds first, each bond at most what both atoms still take
    # (a bond that does not fit becomes the bond order that does; types 1-3 are orders)
    want = np.where(both, want, 0)
    score = np.where(want > 0, edge_confidence[:, iu, ju], -1.0)
    order = np.argsort(-score, axis=1, kind="stable")
    remaining = capacity.copy()
    bonds = np.zeros_like(want)
    rows = np.arange(n)
    for k in range(len(iu)):
        p = order[:, k]
        i, j = iu[p], ju[p]
        got = np.minimum(want[rows, p], np.minimum(remaining[rows, i], remaining[rows, j]))
        got = np.maximum(got, 0)
        bonds[rows, p] = np.where(got == want[rows, p], types[rows, p], got)
        remaining[rows, i] -= got
        remaining[rows, j] -= got
    atoms, bonds = _largest_fragment(atoms, bonds, iu, ju)
    return DecodedGraphs(atoms.astype(np.int8), bonds.astype(np.int8), raw_valid)


def fix_valences(output: tuple[Any, Any], schema: MoleculeSchema) -> DecodedGraphs:
    """:func:`valence_aware` on generator output (soft or one-hot ``nodes [n, N, T]``,
    ``edges [n, N, N, B+1]`` tensors): most likely types, bonds ordered by confidence."""
    nodes, edges = (t.detach().cpu() for t in output)
    confidence, types = edges.max(-1)
    return valence_aware(nodes.argmax(-1).numpy(), types.numpy(), confidence.float().numpy(), schema)


def graphs_to_smiles(atoms: np.ndarray, bonds: np.ndarray, symbols: Sequence[str]) -> list[str | None]:
    """Canonical SMILES of each one-fragment graph (:class:`DecodedGraphs`; ``None`` if no
    atom or invalid)."""
    return [smiles for smiles, _ in graphs_to_molecules(atoms, bonds, symbols)]


def graphs_to_molecules(atoms: np.ndarray, bonds: np.ndarray,
                        symbols: Sequence[str]) -> list[tuple[str | None, bool]]:
    """:func:`graphs_to_smiles` with, for each graph, whether RDKit read it as drawn
    (:func:`~genforge_molecule.graph_smiles.molecule_smiles`)."""
    n, N = atoms.shape
    iu, ju = np.triu_indices(N, 1)
    names = [""] + list(symbols)
    rows, pairs = np.nonzero(bonds)
    starts = np.searchsorted(rows, np.arange(n + 1)).tolist()
    ends_a, ends_b = iu[pairs].tolist(), ju[pairs].tolist()
    orders = bonds[rows, pairs].tolist()
    out: list[tuple[str | None, bool]] = []
    for g, types in enumerate(atoms.tolist()):
        start = next((k for k, t in enumerate(types) if t), None)
        if start is None:
            out.append((None, False))
            continue
        neighbours: list[list[tuple[int, int]]] = [[] for _ in range(N)]
        for k in range(starts[g], starts[g + 1]):
            a, b, o = ends_a[k], ends_b[k], orders[k]
            neighbours[a].append((b, o))
            neighbours[b].append((a, o))
        out.append(molecule_smiles([names[t] for t in types], neighbours, start))
    return out


def smiles_parallel(graphs: DecodedGraphs, symbols: Sequence[str], workers: int | None = None) -> list[str | None]:
    """:func:`graphs_to_smiles` over ``workers`` processes (in-process for small batches)."""
    return submit_smiles(graphs, symbols, workers)()[0]


def submit_smiles(graphs: DecodedGraphs, symbols: Sequence[str],
                  workers: int | None = None) -> Callable[[], tuple[list[str | None], np.ndarray]]:
    """:func:`graphs_to_molecules` over ``workers`` processes without waiting for them; call
    the result for the SMILES and the raw validity (``graphs.raw_valid`` and read as drawn).

    Each distinct graph is written once: a generator repeats graphs, and finding the
    repeats (one sort of the packed rows) costs far less than writing them again.
    """
    packed = np.ascontiguousarray(np.concatenate([graphs.atoms, graphs.bonds], axis=1))
    rows = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
    pending = submit_slices(graphs_to_molecules, len(first), (graphs.atoms[first], graphs.bonds[first]),
                            (list(symbols),), workers, PARALLEL_MIN)

    def result() -> tuple[list[str | None], np.ndarray]:
        distinct = pending()
        smiles = [distinct[k][0] for k in inverse.ravel().tolist()]
        drawn = np.array([d for _, d in distinct], dtype=bool)[inverse.ravel()]
        return smiles, graphs.raw_valid & drawn
    return result
