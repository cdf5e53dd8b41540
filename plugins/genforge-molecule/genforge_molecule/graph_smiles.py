"""Heavy-atom graph -> SMILES text -> RDKit canonical SMILES, fast enough for millions.

Writing a SMILES string from the graph in Python and letting RDKit parse and
canonicalize it is several times faster than building an ``RWMol`` atom by atom.
Hydrogens are implicit: unbracketed organic-subset atoms get RDKit's default
valence; other elements are written in brackets with the hydrogen count that
fills their smallest allowed valence. Atoms with an aromatic bond are written
in lower case and RDKit kekulizes the ring when it reads the text.
"""
from __future__ import annotations

from typing import Collection, Sequence

from rdkit import Chem, RDLogger

from genforge_molecule.schema import AROMATIC, NH

RDLogger.DisableLog("rdApp.*")

ORGANIC_SUBSET = {"B", "C", "N", "O", "P", "S", "F", "Cl", "Br", "I"}
AROMATIC_SUBSET = {"B", "C", "N", "O", "P", "S"}
#: bond symbol by edge type; a single bond between two aromatic atoms is written "-"
BOND_SYMBOL = {1: "", 2: "=", 3: "#", AROMATIC: ""}
_TABLE = Chem.GetPeriodicTable()
_CACHE: dict[str, str | None] = {}
_CACHE_LIMIT = 500_000


def _atom_token(symbol: str, bond_sum: int, aromatic: bool, hydrogen: bool) -> str:
    if symbol == NH:
        return "[nH]" if aromatic else "[NH]"
    if aromatic and symbol in AROMATIC_SUBSET:
        return f"[{symbol.lower()}H]" if hydrogen else symbol.lower()
    if symbol in ORGANIC_SUBSET:  # RDKit fills in the implicit hydrogens
        return symbol
    allowed = sorted(v for v in _TABLE.GetValenceList(symbol) if v >= bond_sum)
    h = (allowed[0] - bond_sum) if allowed else 0
    return f"[{symbol}{'H' + str(h) if h > 1 else 'H' if h == 1 else ''}]"


def _ring_label(k: int) -> str:
    return str(k) if k < 10 else f"%{k}"


def aromatic_atoms(neighbours: Sequence[Sequence[tuple[int, int]]]) -> list[int]:
    """Atoms with at least one aromatic bond."""
    return [a for a, bonds in enumerate(neighbours) if any(t == AROMATIC for _, t in bonds)]


def write_smiles(symbols: Sequence[str], neighbours: Sequence[Sequence[tuple[int, int]]], start: int,
                 hydrogens: Collection[int] = ()) -> str:
    """A (non-canonical) SMILES for the connected component that holds ``start``.

    ``neighbours[a]`` lists ``(b, edge_type)``; ``symbols[a]`` is atom a's element;
    aromatic atoms in ``hydrogens`` are written with one hydrogen (``[nH]``).
    One depth-first pass: tree edges become branches (the last branch of an atom
    loses its parentheses), back edges ring closures; an atom's ring labels are
    filled in when the text is joined.
    """
    out: list[str | int] = []  # text, or an atom index (its token and ring labels go there)
    closures: dict[int, list[str]] = {}
    visited: set[int] = set()
    closed: set[tuple[int, int]] = set()
    ring = 0
    aromatic = set(aromatic_atoms(neighbours))

    def bond(a: int, b: int, edge_type: int) -> str:
        return "-" if edge_type == 1 and a in aromatic and b in aromatic else BOND_SYMBOL[edge_type]

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
                    closures.setdefault(b, []).append(bond(a, b, order) + label)
                    closures.setdefault(a, []).append(label)
                continue
            opened = len(out)
            out.append("(" + bond(a, b, order))
            visit(b, a)
            last = (opened, len(out))
            out.append(")")
        if last is not None:
            out[last[0]] = out[last[0]][1:]
            out[last[1]] = ""

    visit(start, -1)
    return "".join(t if isinstance(t, str) else
                   _atom_token(symbols[t], sum(o for _, o in neighbours[t]), t in aromatic, t in hydrogens)
                   + "".join(closures.get(t, ())) for t in out)


def molecule_smiles(symbols: Sequence[str], neighbours: Sequence[Sequence[tuple[int, int]]],
                    start: int) -> tuple[str | None, bool]:
    """Canonical SMILES of the fragment holding ``start`` and whether the graph is valid as drawn.

    An aromatic ring RDKit cannot kekulize as written is tried with a hydrogen on one
    two-bonded aromatic nitrogen at a time (written ``[nH]`` although the graph says
    ``N``: a repair, so not valid as drawn); failing that, its aromatic bonds become
    single bonds (also a repair).
    """
    smiles = canonical(write_smiles(symbols, neighbours, start))
    if smiles is not None:
        return smiles, True
    aromatic = aromatic_atoms(neighbours)
    if not aromatic:
        return None, False
    for a in aromatic:
        if symbols[a] == "N" and len(neighbours[a]) == 2:
            smiles = canonical(write_smiles(symbols, neighbours, start, hydrogens={a}))
            if smiles is not None:
                return smiles, False
    saturated = [[(b, 1 if t == AROMATIC else t) for b, t in bonds] for bonds in neighbours]
    return canonical(write_smiles(symbols, saturated, start)), False


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
