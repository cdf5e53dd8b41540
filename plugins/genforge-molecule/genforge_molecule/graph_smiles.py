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
    if symbol in ORGANIC_SUBSET:  # RDKit fills in the implicit hydrogens
        return symbol
    allowed = sorted(v for v in _TABLE.GetValenceList(symbol) if v >= bond_sum)
    h = (allowed[0] - bond_sum) if allowed else 0
    return f"[{symbol}{'H' + str(h) if h > 1 else 'H' if h == 1 else ''}]"


def _ring_label(k: int) -> str:
    return str(k) if k < 10 else f"%{k}"


def write_smiles(symbols: Sequence[str], neighbours: Sequence[Sequence[tuple[int, int]]], start: int) -> str:
    """A (non-canonical) SMILES for the connected component that holds ``start``.

    ``neighbours[a]`` lists ``(b, bond_order)``; ``symbols[a]`` is atom a's element.
    One depth-first pass: tree edges become branches (the last branch of an atom
    loses its parentheses), back edges ring closures; an atom's ring labels are
    filled in when the text is joined.
    """
    out: list[str | int] = []  # text, or an atom index (its token and ring labels go there)
    closures: dict[int, list[str]] = {}
    visited: set[int] = set()
    closed: set[tuple[int, int]] = set()
    ring = 0

    def visit(a: int, parent: int) -> None:
        nonlocal ring
        visited.add(a)
        out.append(a)
        last = None
        for b, order in neighbours[a]:
            if b == parent:
                continue
            if b in visited:  # a ring: seen once from each end
                key = (a, b) if a < b else (b, a)
                if key not in closed:
                    closed.add(key)
                    ring += 1
                    label = _ring_label(ring)
                    closures.setdefault(b, []).append(BOND_SYMBOL[order] + label)
                    closures.setdefault(a, []).append(label)
                continue
            opened = len(out)
            out.append("(" + BOND_SYMBOL[order])
            visit(b, a)
            last = (opened, len(out))
            out.append(")")
        if last is not None:
            out[last[0]] = out[last[0]][1:]
            out[last[1]] = ""

    visit(start, -1)
    return "".join(t if isinstance(t, str) else
                   _atom_token(symbols[t], sum(o for _, o in neighbours[t])) + "".join(closures.get(t, ()))
                   for t in out)


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
