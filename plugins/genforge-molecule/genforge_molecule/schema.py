"""The molecule graph schema: atom vocabulary, bond types and the maximum atom count.

Graphs are kekulized heavy-atom graphs: node type 0 means "no atom" (padding),
node type ``k >= 1`` is ``atom_types[k - 1]``; edge type 0 means "no bond" and
edge types 1, 2, 3 are single, double and triple bonds. Hydrogens are implicit
(RDKit fills them from each element's default valence); atoms are neutral.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rdkit import Chem

#: bond order of edge types 1..3 (kekulized graphs: no aromatic type)
BOND_ORDERS = (1, 2, 3)
BOND_TYPES = (Chem.BondType.SINGLE, Chem.BondType.DOUBLE, Chem.BondType.TRIPLE)
_TABLE = Chem.GetPeriodicTable()


def max_valence(symbol: str) -> int:
    """The largest valence RDKit accepts for a neutral atom of ``symbol``."""
    valences = [v for v in _TABLE.GetValenceList(symbol) if v >= 0]
    return max(valences) if valences else 0


@dataclass
class MoleculeSchema:
    """What the generator's output tensors mean.

    ``atom_types`` are element symbols in a fixed order (derived from the data,
    sorted by frequency); ``max_atoms`` is the node count N of every graph.
    """

    atom_types: list[str]
    max_atoms: int
    valences: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.valences:
            self.valences = [max_valence(s) for s in self.atom_types]

    @property
    def node_types(self) -> int:
        """T: atom types plus the "no atom" type."""
        return len(self.atom_types) + 1

    @property
    def edge_types(self) -> int:
        """B + 1: bond types plus the "no bond" type."""
        return len(BOND_ORDERS) + 1

    def to_state(self) -> dict[str, Any]:
        return {"atom_types": list(self.atom_types), "max_atoms": int(self.max_atoms),
                "valences": list(self.valences)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "MoleculeSchema":
        return cls(list(state["atom_types"]), int(state["max_atoms"]), list(state.get("valences") or []))
