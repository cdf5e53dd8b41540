"""SELFIES token ids -> SMILES without the ``selfies`` package's per-symbol parsing: the
same derivation rules (``selfies`` 2.x ``decoder``), compiled once per vocabulary.

``selfies.decoder`` parses every symbol with a regular expression, builds an attributable
graph and writes the SMILES with a general traversal; for the latent GAN's sampling
that was a third of the CPU per molecule. :func:`compiled_writer` turns a vocabulary into
per-token tables (atom / branch / ring, bond order, bonding capacity, index code) and
derives each string with the rules of ``selfies.decoder`` - atom states, branches that
read their length from the following symbols, rings formed bilocally at the end (a ring
bond onto an existing bond raises its order, at most 3) - then writes a SMILES of the
same graph. Canonical SMILES of the result equal those of ``selfies.decoder``'s output
(tested on MOSES molecules and on random token strings).

Vocabularies with symbols outside what is compiled here (charges, isotopes, stereo,
aromatic or ``[nop]``/``[epsilon]`` symbols) get ``None`` and keep ``selfies.decoder``.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Sequence

ATOM, BRANCH, RING, SPECIAL = 0, 1, 2, 3
_BOND = {"": 1, "=": 2, "#": 3}
_BOND_TEXT = {1: "", 2: "=", 3: "#"}
_ATOM = re.compile(r"^\[([=#]?)([A-Z][a-z]?)((?:H\d)?)\]$")
_BRANCH = re.compile(r"^\[([=#]?)Branch([123])\]$")
_RING = re.compile(r"^\[([=#]?)Ring([123])\]$")

#: a writer: token ids of one string's body (no start/end/padding) -> SMILES ("" if no atom)
Writer = Callable[[Sequence[int]], str]


def _compile_token(token: str) -> tuple | None:
    """``(kind, ...)`` for one symbol, or ``None`` when this module does not handle it."""
    from selfies.bond_constraints import get_bonding_capacity
    from selfies.constants import ELEMENTS, ORGANIC_SUBSET

    if (m := _BRANCH.match(token)) is not None:
        return BRANCH, _BOND[m.group(1)], int(m.group(2))
    if (m := _RING.match(token)) is not None:
        return RING, _BOND[m.group(1)], int(m.group(2))
    if (m := _ATOM.match(token)) is not None:
        bond, element, h = m.groups()
        if element not in ELEMENTS:
            return None
        organic = not h and element in ORGANIC_SUBSET
        hydrogens = int(h[1:]) if h else 0
        capacity = get_bonding_capacity(element, 0) - hydrogens
        if capacity < 1:
            return None
        text = element if organic else f"[{element}{'H' + (str(hydrogens) if hydrogens > 1 else '') if hydrogens else ''}]"
        return ATOM, _BOND[bond], capacity, text
    return None


@lru_cache(maxsize=16)
def compiled_writer(tokens: tuple[str, ...], specials: int = 3) -> Writer | None:
    """The SMILES writer of a vocabulary (ids ``< specials`` are padding/start/end and
    never appear in a body), or ``None`` if a symbol is not compiled here."""
    from selfies.constants import INDEX_CODE

    table = [(SPECIAL,)] * specials
    for token in tokens[specials:]:
        compiled = _compile_token(token)
        if compiled is None:
            return None
        table.append(compiled)
    codes = [INDEX_CODE.get(t, 0) for t in tokens]
    base = len(INDEX_CODE)
    return lambda ids: _write(_derive(ids, table, codes, base))


def _derive(ids: Sequence[int], table: list[tuple], codes: list[int], base: int) -> tuple:
    """Atoms (their SMILES text), tree parents with bond orders, and ring bonds of one string."""
    text: list[str] = []
    capacity: list[int] = []
    parent: list[int] = []
    order: list[int] = []  # order of the bond to the parent
    rings: list[tuple[int, int, int]] = []
    length = len(ids)

    def read_index(pos: int, symbols: int) -> tuple[int, int]:
        value = 0
        for _ in range(symbols):
            value *= base
            if pos < length:
                value += codes[ids[pos]]
                pos += 1
        return value, pos

    def derive(pos: int, limit: float, state: int, prev: int) -> tuple[int, int]:
        derived = 0
        while derived < limit and pos < length:
            entry = table[ids[pos]]
            pos += 1
            derived += 1
            kind = entry[0]
            if kind == ATOM:
                _, bond, cap, symbol = entry
                bond = 0 if state == 0 else min(bond, state, cap)
                text.append(symbol)
                capacity.append(cap)
                parent.append(prev)
                order.append(bond)
                prev = len(text) - 1
                if cap == bond:  # no bond left: the string ends here
                    break
                state = cap - bond
            elif kind == BRANCH:
                if state > 1:
                    start = min(state - 1, entry[1])
                    state -= start
                    q, pos = read_index(pos, entry[2])
                    pos, inner = derive(pos, q + 1, start, prev)
                    derived += entry[2] + inner
            elif kind == RING:
                if state > 0:
                    bond = min(entry[1], state)
                    state -= bond
                    q, pos = read_index(pos, entry[2])
                    derived += entry[2]
                    rings.append((max(0, prev - (q + 1)), prev, bond))
                    if state == 0:
                        break
            else:  # a special id inside a body: selfies would reject the symbol
                raise ValueError(f"token id {ids[pos - 1]} is not a SELFIES symbol")
        while derived < limit and pos < length:  # a branch consumes the rest of its length
            pos += 1
            derived += 1
        return pos, derived

    derive(0, float("inf"), 0, -1)
    return text, capacity, parent, order, rings


def _write(graph: tuple) -> str:
    """A SMILES of the derived graph (rings formed as ``selfies`` does, then written)."""
    text, capacity, parent, order, rings = graph
    n = len(text)
    if n == 0:
        return ""
    used = list(order)
    for child in range(1, n):
        used[parent[child]] += order[child]
    closures: dict[tuple[int, int], int] = {}
    for a, b, bond in rings:
        if a == b:
            continue
        free_a, free_b = capacity[a] - used[a], capacity[b] - used[b]
        if free_a <= 0 or free_b <= 0:
            continue
        bond = min(bond, free_a, free_b)
        if parent[b] == a:  # the ring bond is the tree bond: its order rises
            new = min(bond + order[b], 3)
            used[a] += new - order[b]
            used[b] += new - order[b]
            order[b] = new
        elif (a, b) in closures:
            new = min(bond + closures[a, b], 3)
            used[a] += new - closures[a, b]
            used[b] += new - closures[a, b]
            closures[a, b] = new
        else:
            closures[a, b] = bond
            used[a] += bond
            used[b] += bond
    opens: list[list[tuple[int, int]]] = [[] for _ in range(n)]  # (partner, order) opened here
    closes: list[list[int]] = [[] for _ in range(n)]
    for (a, b), bond in closures.items():
        opens[a].append((b, bond))
        closes[b].append(a)
    children: list[list[int]] = [[] for _ in range(n)]
    for child in range(1, n):
        children[parent[child]].append(child)
    out: list[str] = []
    digit_of: dict[tuple[int, int], int] = {}
    free_digits: list[int] = []
    next_digit = 1

    def ring_label(d: int) -> str:
        return str(d) if d < 10 else f"%{d}"

    stack = [0]  # atoms, and -1 / -2 for an opening / closing parenthesis
    while stack:
        atom = stack.pop()
        if atom < 0:
            out.append("(" if atom == -1 else ")")
            continue
        if atom > 0:
            out.append(_BOND_TEXT[order[atom]])
        out.append(text[atom])
        for a in closes[atom]:
            d = digit_of.pop((a, atom))
            out.append(ring_label(d))
            free_digits.append(d)
        for b, bond in opens[atom]:
            if free_digits:
                d = min(free_digits)
                free_digits.remove(d)
            else:
                d, next_digit = next_digit, next_digit + 1
            digit_of[atom, b] = d
            out.append(_BOND_TEXT[bond] + ring_label(d))
        kids = children[atom]
        if kids:  # the last child continues the chain, earlier ones are branches in parentheses
            stack.append(kids[-1])
            for kid in reversed(kids[:-1]):
                stack += (-2, kid, -1)
    return "".join(out)
