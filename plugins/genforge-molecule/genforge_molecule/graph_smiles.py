"""Heavy-atom graph -> SMILES text -> RDKit canonical SMILES, fast enough for millions.

Writing a SMILES string from the graph in Python and letting RDKit parse and
canonicalize it is several times faster than building an ``RWMol`` atom by atom.
Hydrogens are implicit: unbracketed organic-subset atoms get RDKit's default
valence; other elements are written in brackets with the hydrogen count that
fills their smallest allowed valence.
"""
from __future__ import annotations

from typing import Sequence

from rdkit import Chem, RDLogger

RDLogger.DisableLog("rdApp.*")

ORGANIC_SUBSET = {"B", "C", "N", "O", "P", "S", "F", "Cl", "Br", "I"}
BOND_SYMBOL = {1: "", 2: "=", 3: "#"}
_TABLE = Chem.GetPeriodicTable()
_CACHE: dict[str, str | None] = {}
_CACHE_LIMIT = 500_000


def _atom_token(symbol: str, bond_sum: int) -> str:
    if symbol in ORGANIC_SUBSET:
        return symbol
    allowed = sorted(v for v in _TABLE.GetValenceList(symbol) if v >= bond_sum)
    h = (allowed[0] - bond_sum) if allowed else 0
    return f"[{symbol}{'H' + str(h) if h > 1 else 'H' if h == 1 else ''}]"


def _ring_label(k: int) -> str:
    return str(k) if k < 10 else f"%{k}"


def components(n: int, neighbours: Sequence[Sequence[tuple[int, int]]], atoms: Sequence[int]) -> list[list[int]]:
    """Connected components (lists of atom indices) among the ``atoms`` given."""
    seen, out = set(), []
    for start in atoms:
        if start in seen:
            continue
        seen.add(start)
        comp, stack = [start], [start]
        while stack:
            a = stack.pop()
            for b, _ in neighbours[a]:
                if b not in seen:
                    seen.add(b)
                    comp.append(b)
                    stack.append(b)
        out.append(comp)
    return out


def write_smiles(symbols: Sequence[str], neighbours: Sequence[Sequence[tuple[int, int]]], start: int) -> str:
    """A (non-canonical) SMILES for the connected component that holds ``start``.

    ``neighbours[a]`` lists ``(b, bond_order)``; ``symbols[a]`` is atom a's element.
    """
    children: dict[int, list[tuple[int, int]]] = {}
    closures: dict[int, list[str]] = {}
    seen_edges: set[tuple[int, int]] = set()
    visited: set[int] = set()
    ring = 0

    def visit(a: int) -> None:  # DFS: tree edges become branches, back edges ring closures
        nonlocal ring
        visited.add(a)
        kids = children.setdefault(a, [])
        for b, order in neighbours[a]:
            key = (a, b) if a < b else (b, a)
            if key in seen_edges:
                continue
            seen_edges.add(key)
            if b in visited:
                ring += 1
                label = _ring_label(ring)
                closures.setdefault(b, []).append(BOND_SYMBOL[order] + label)
                closures.setdefault(a, []).append(label)
            else:
                kids.append((b, order))
                visit(b)

    visit(start)

    def emit(a: int) -> str:
        bond_sum = sum(o for _, o in neighbours[a])
        text = _atom_token(symbols[a], bond_sum) + "".join(closures.get(a, ()))
        kids = children[a]
        for b, order in kids[:-1]:
            text += "(" + BOND_SYMBOL[order] + emit(b) + ")"
        if kids:
            b, order = kids[-1]
            text += BOND_SYMBOL[order] + emit(b)
        return text

    return emit(start)


def canonical(smiles: str) -> str | None:
    """RDKit's canonical SMILES of ``smiles`` (``None`` when it does not sanitize); cached."""
    hit = _CACHE.get(smiles, False)
    if hit is not False:
        return hit
    mol = Chem.MolFromSmiles(smiles)
    out = None if mol is None else Chem.MolToSmiles(mol)
    if len(_CACHE) >= _CACHE_LIMIT:
        _CACHE.clear()
    _CACHE[smiles] = out
    return out
