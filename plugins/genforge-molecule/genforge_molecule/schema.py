"""The molecule graph schema: atom vocabulary, bond types and the maximum atom count.

Node type 0 means "no atom" (padding), node type ``k >= 1`` is
``atom_types[k - 1]``; edge type 0 means "no bond", edge types 1, 2, 3 are
single, double and triple bonds and, in aromatic graphs (``aromatic=True``),
edge type 4 is an aromatic bond. Kekulized graphs (the default) have no type 4:
an aromatic ring is an alternating single/double ring. Hydrogens are implicit
(RDKit fills them from each element's default valence); in aromatic graphs an
aromatic nitrogen that carries one (pyrrole-type) is its own atom type,
``"[nH]"``, so the graph says where the hydrogen goes. Atoms are neutral.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rdkit import Chem

#: RDKit bond type -> edge type
EDGE_TYPE = {Chem.BondType.SINGLE: 1, Chem.BondType.DOUBLE: 2, Chem.BondType.TRIPLE: 3,
             Chem.BondType.AROMATIC: 4}
AROMATIC = 4
#: valence units an edge type takes from each of its atoms when decoding; an aromatic bond
#: takes at least 1 (1 or 2 once kekulized: RDKit decides that when it reads the molecule)
BOND_COST = (0, 1, 2, 3, 1)
#: aromatic nitrogen with one hydrogen: two bonds left
NH = "[nH]"
_TABLE = Chem.GetPeriodicTable()


def max_valence(symbol: str) -> int:
    """The largest valence RDKit accepts for a neutral atom of ``symbol`` (bonds left for ``[nH]``)."""
    if symbol == NH:
        return 2
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
    aromatic: bool = False
    #: the latent GAN's :class:`~genforge_molecule.latent_codec.LatentCodec` (None for MolGAN):
    #: set when the ``latentgan`` model is built, then the generator's output means codes
    latent: Any = None
    #: the training molecules' SMILES, for building a codec (not saved with the schema)
    training_smiles: list[str] | None = field(default=None, repr=False, compare=False)
    #: the codes of (a subset of) the training molecules, the real batches (not saved)
    training_codes: Any = field(default=None, repr=False, compare=False)

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
        return AROMATIC + 1 if self.aromatic else AROMATIC

    def to_state(self) -> dict[str, Any]:
        state = {"atom_types": list(self.atom_types), "max_atoms": int(self.max_atoms),
                 "valences": list(self.valences), "aromatic": bool(self.aromatic)}
        if self.latent is not None:
            state["latent"] = self.latent.to_state()
        return state

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "MoleculeSchema":
        latent = None
        if state.get("latent") is not None:
            from genforge_molecule.latent_codec import LatentCodec
            latent = LatentCodec.from_state(state["latent"])
        return cls(list(state["atom_types"]), int(state["max_atoms"]), list(state.get("valences") or []),
                   bool(state.get("aromatic", False)), latent)
