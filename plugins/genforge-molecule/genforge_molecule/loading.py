"""Molecules in: SMILES / CSV / SDF files -> sanitized RDKit molecules -> graphs.

Every input goes through RDKit sanitization. A molecule is unusable, and
counted in the :class:`~genforge.domain.DataReport` by reason with examples,
when it does not parse, has several fragments (salts, mixtures), carries a
formal charge or radical electrons, has an element outside the atom vocabulary,
has more heavy atoms than the maximum, carries isotope labels or stereochemistry
(the graphs hold neither; dataset option ``drop_stereo`` keeps stereo molecules
with their stereo removed), or its heavy-atom graph does not give the same
molecule back (unusual hydrogen counts). Graphs are kekulized unless ``aromatic``
is asked for (see :mod:`genforge_molecule.schema`).
"""
from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

import numpy as np
import torch
from rdkit import Chem

from genforge import track
from genforge.domain import DataReport
from genforge.errors import UserInputError
from genforge_molecule.datasets import option_bool, option_int
from genforge_molecule.graph_smiles import molecule_smiles
from genforge_molecule.schema import EDGE_TYPE, NH, MoleculeSchema
from genforge_molecule.worker_pool import map_slices

if TYPE_CHECKING:
    from torch_geometric.data import Data

SMILES_SUFFIXES = (".smi", ".txt")
#: without dataset option max_atoms, molecules larger than SIZE_SLACK x this percentile of the
#: heavy-atom counts are outliers (counted by reason), so a few huge molecules do not set every
#: graph's size (a percentile alone keeps them when they are more than 1 - p of the data)
SIZE_PERCENTILE, SIZE_SLACK = 99, 1.5
#: molecules parsed per progress update (each chunk still fans out to the worker pool)
PARSE_CHUNK = 40_000
STEREO = ("stereochemistry (chiral centre or double-bond geometry): the graphs carry none; "
          "dataset option drop_stereo = true keeps such molecules without it")
ISOTOPE = "isotope label (e.g. [13C], [2H]): the graphs carry none"


def size_limit(sizes: Sequence[int]) -> int:
    """The heavy-atom limit: the largest size that occurs within :data:`SIZE_SLACK` times the
    :data:`SIZE_PERCENTILE` th percentile."""
    sizes = np.asarray(sizes)
    cap = SIZE_SLACK * np.percentile(sizes, SIZE_PERCENTILE, method="higher")
    return int(sizes[sizes <= cap].max())


@dataclass
class ParsedMolecule:
    """A usable molecule: canonical SMILES, heavy-atom elements, bonds (i, j, edge type)."""

    smiles: str
    elements: list[str]
    bonds: list[tuple[int, int, int]]


# -- reading files -----------------------------------------------------------------------------
def read_records(path: Path, smiles_column: str | None = None) -> Iterator[tuple[str, str]]:
    """``(where, smiles)`` for every record of a .smi/.txt/.csv/.sdf file (SDF records as SMILES)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".sdf":
        yield from _sdf_records(path)
        return
    text = _read_text(path)
    if suffix == ".csv":
        yield from _csv_records(path, text, smiles_column)
    else:
        for number, line in enumerate(text.splitlines(), 1):
            yield f"line {number}", line.strip().split()[0] if line.strip() else ""


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserInputError(f"{path}: cannot read file ({exc.strerror})") from None
    if b"\0" in data[:4096]:
        raise UserInputError(f"{path}: binary data, not a molecule file; give SMILES (.smi/.txt, one "
                             "per line), a CSV with a SMILES column, or an SDF file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserInputError(f"{path}: not UTF-8 text (byte {exc.start}); is it a molecule file?") from None


def _csv_records(path: Path, text: str, column: str | None) -> Iterator[tuple[str, str]]:
    reader = csv.reader(io.StringIO(text, newline=""))  # "" : a lone \r ends a line (found by fuzzing)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise UserInputError(f"{path}: malformed CSV ({exc})") from None
    if not header:
        raise UserInputError(f"{path}: empty CSV file")
    names = [h.strip() for h in header]
    wanted = column or next((h for h in names if h.lower() in ("smiles", "canonical_smiles", "smi")), None)
    if wanted not in names:
        raise UserInputError(f"{path}: no SMILES column (columns: {', '.join(names)}); name it 'smiles' "
                             "or pass dataset option smiles_column")
    index = names.index(wanted)
    for number, row in enumerate(reader, 2):
        yield f"row {number}", row[index].strip() if index < len(row) else ""


def _sdf_records(path: Path) -> Iterator[tuple[str, str]]:
    data = path.read_bytes()
    if b"\0" in data[:4096]:
        raise UserInputError(f"{path}: binary data, not an SDF file")
    supplier = Chem.ForwardSDMolSupplier(io.BytesIO(data), sanitize=True, removeHs=True)
    count = 0
    for number, mol in enumerate(supplier, 1):
        count += 1
        yield f"record {number}", "" if mol is None else Chem.MolToSmiles(mol)
    if count == 0:
        raise UserInputError(f"{path}: no SDF records (no '$$$$' separators); is it an SDF file?")


# -- parsing ---------------------------------------------------------------------------------
def rings_first_order(mol: Chem.Mol) -> list[int]:
    """Atom order with ring atoms first, ring by ring in cycle order (aromatic rings, then
    larger rings first), then the other atoms breadth-first from them.

    Rings then sit at the same node indices in every graph, so their bonds are the same
    few entries of the edge tensor, which a generator that samples each bond on its own
    can fill consistently.
    """
    def key(ring: tuple[int, ...]) -> tuple[bool, int]:
        return (not all(mol.GetAtomWithIdx(a).GetIsAromatic() for a in ring), -len(ring))

    order: list[int] = []
    for ring in sorted(mol.GetRingInfo().AtomRings(), key=key):
        order += [a for a in ring if a not in order]
    order = order or [0]
    seen = set(order)
    for a in order:  # grows while iterated: breadth-first
        for b in sorted(n.GetIdx() for n in mol.GetAtomWithIdx(a).GetNeighbors()):
            if b not in seen:
                seen.add(b)
                order.append(b)
    return order


def atoms_of(mol: Chem.Mol) -> list[Chem.Atom]:
    """``list(mol.GetAtoms())`` by index: RDKit's Python sequence wrapper costs several times more."""
    return [mol.GetAtomWithIdx(k) for k in range(mol.GetNumAtoms())]


def bonds_of(mol: Chem.Mol) -> list[Chem.Bond]:
    return [mol.GetBondWithIdx(k) for k in range(mol.GetNumBonds())]


def has_stereo(mol: Chem.Mol) -> bool:
    return (any(a.GetChiralTag() != Chem.ChiralType.CHI_UNSPECIFIED for a in atoms_of(mol))
            or any(b.GetStereo() != Chem.BondStereo.STEREONONE for b in bonds_of(mol)))


def checked_molecule(smiles: str, drop_stereo: bool = False) -> Chem.Mol | str:
    """The sanitized molecule of ``smiles``, or the reason it is unusable before its atoms are
    looked at (empty, several fragments, unparsable, no atoms, isotopes, stereo)."""
    if not smiles:
        return "empty line or cell"
    if "." in smiles:
        return "several fragments (salt or mixture)"
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return "invalid SMILES (RDKit cannot parse or sanitize it)"
    if mol.GetNumAtoms() == 0:
        return "no heavy atoms"
    if any(a.GetIsotope() for a in atoms_of(mol)):
        return ISOTOPE
    if not drop_stereo and has_stereo(mol):
        return STEREO
    return mol


def atom_problem(atom: Chem.Atom) -> str:
    """Why an atom makes its molecule unusable ("" when it does not)."""
    if atom.GetFormalCharge():
        return "charged atom (the graphs hold neutral atoms)"
    if atom.GetNumRadicalElectrons():
        return "radical electrons"
    return ""


def parse_smiles(smiles: str, aromatic: bool = False, rings_first: bool = False,
                 drop_stereo: bool = False) -> ParsedMolecule | str:
    """A :class:`ParsedMolecule` (kekulized bonds unless ``aromatic``; atoms in SMILES order
    or :func:`rings_first_order`), or the reason the molecule is unusable."""
    mol = checked_molecule(smiles, drop_stereo)
    if isinstance(mol, str):
        return mol
    if rings_first:
        mol = Chem.RenumberAtoms(mol, rings_first_order(mol))
    elements, plain = [], True
    for atom in atoms_of(mol):
        problem = atom_problem(atom)
        if problem:
            return problem
        pyrrole_type = aromatic and atom.GetIsAromatic() and atom.GetSymbol() == "N" and atom.GetTotalNumHs() == 1
        elements.append(NH if pyrrole_type else atom.GetSymbol())
        plain = plain and not (atom.GetNumExplicitHs() or atom.GetNoImplicit())
    Chem.RemoveStereochemistry(mol)
    expected = Chem.MolToSmiles(mol)
    if not aromatic:
        Chem.Kekulize(mol, clearAromaticFlags=True)
    bonds = [(b.GetBeginAtomIdx(), b.GetEndAtomIdx(), EDGE_TYPE.get(b.GetBondType(), 0)) for b in bonds_of(mol)]
    if any(t == 0 for _, _, t in bonds):
        return "bond type other than single/double/triple/aromatic"
    if not plain:  # explicit H counts: check the graph gives the molecule back
        neighbours: list[list[tuple[int, int]]] = [[] for _ in elements]
        for i, j, t in bonds:
            neighbours[i].append((j, t))
            neighbours[j].append((i, t))
        if molecule_smiles(elements, neighbours, 0) != (expected, True):
            return "hydrogens not implied by the heavy-atom graph"
    return ParsedMolecule(expected, elements, bonds)


def _parse_many(smiles: Sequence[str], aromatic: bool, rings_first: bool,
                drop_stereo: bool) -> list[ParsedMolecule | str]:
    return [parse_smiles(s, aromatic, rings_first, drop_stereo) for s in smiles]


@dataclass
class MoleculeSet:
    """Usable molecules of one source, their schema, and the report of what was not usable."""

    molecules: list[ParsedMolecule]
    schema: MoleculeSchema
    report: DataReport

    @property
    def smiles(self) -> list[str]:
        return [m.smiles for m in self.molecules]

    def graphs(self) -> list[Data]:
        """Each molecule as a ``torch_geometric.data.Data``: ``x`` atom type (1..T-1),
        ``edge_index`` both directions, ``edge_attr`` edge type (1..3, 4 aromatic), ``smiles``."""
        return [to_data(m, self.schema) for m in self.molecules]

    def dense(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Node types ``[M, N]`` and edge types ``[M, N, N]`` as int8 (0 = none)."""
        return dense_graphs(self.molecules, self.schema)


def to_data(molecule: ParsedMolecule, schema: MoleculeSchema) -> Data:
    index = {s: k + 1 for k, s in enumerate(schema.atom_types)}
    x = torch.tensor([index[e] for e in molecule.elements], dtype=torch.long)
    if molecule.bonds:
        b = torch.tensor(molecule.bonds, dtype=torch.long)
        edge_index = torch.cat([b[:, :2].T, b[:, [1, 0]].T], 1)
        edge_attr = torch.cat([b[:, 2], b[:, 2]])
    else:
        edge_index, edge_attr = torch.zeros(2, 0, dtype=torch.long), torch.zeros(0, dtype=torch.long)
    from torch_geometric.data import Data  # lazy: importing torch_geometric costs seconds

    return Data(x=x, edge_index=edge_index, edge_attr=edge_attr, smiles=molecule.smiles)


def dense_graphs(molecules: Sequence[ParsedMolecule], schema: MoleculeSchema) -> tuple[torch.Tensor, torch.Tensor]:
    """The dense form the GAN sees; equal to ``to_dense_batch``/``to_dense_adj`` of :func:`to_data`."""
    index = {s: k + 1 for k, s in enumerate(schema.atom_types)}
    M, N = len(molecules), schema.max_atoms
    nodes = np.zeros((M, N), dtype=np.int8)
    edges = np.zeros((M, N, N), dtype=np.int8)
    for k, m in enumerate(molecules):
        nodes[k, :len(m.elements)] = [index[e] for e in m.elements]
        for i, j, t in m.bonds:
            edges[k, i, j] = edges[k, j, i] = t
    return torch.from_numpy(nodes), torch.from_numpy(edges)


def parse_molecules(records: Iterable[tuple[str, str]], *, atom_types: Sequence[str] | None = None,
                    max_atoms: int | None = None, aromatic: bool = False, rings_first: bool = False,
                    drop_stereo: bool = False, source: str = "input",
                    report: DataReport | None = None) -> MoleculeSet:
    """Parse ``(where, smiles)`` records; derive the atom vocabulary and max atoms unless given.
    ``aromatic``: graphs keep aromatic bonds (edge type 4) instead of kekulizing them;
    ``rings_first``: atoms in :func:`rings_first_order`; ``drop_stereo``: keep stereo molecules
    without their stereo (else they are unusable, counted with examples).

    Raises :class:`UserInputError` when no molecule is usable.
    """
    report = report or DataReport()
    records = list(records)
    report.total += len(records)
    texts = [s for _, s in records]
    chunks = [texts[lo:lo + PARSE_CHUNK] for lo in range(0, len(texts), PARSE_CHUNK)]
    parsed = [m for chunk in track(chunks, len(texts), f"featurising {source}", "molecule", size=len)
              for m in map_slices(_parse_many, len(chunk), (chunk,), (aromatic, rings_first, drop_stereo),
                                  min_parallel=20_000)]
    good: list[ParsedMolecule] = []
    for (where, text), result in zip(records, parsed):
        if isinstance(result, str):
            report.skip(result, f"{where}: {text[:40]!r}" if text else where)
        else:
            good.append(result)
    if atom_types is not None:
        allowed = set(atom_types) | ({NH} if aromatic and "N" in atom_types else set())
        kept = []
        for m in good:
            bad = next((e for e in m.elements if e not in allowed), None)
            if bad is None:
                kept.append(m)
            else:
                report.skip(f"element outside the atom vocabulary {sorted(allowed)}", f"{bad} in {m.smiles}")
        good = kept
    reason = f"more than {max_atoms} heavy atoms"
    if max_atoms is None and good:
        max_atoms = size_limit([len(m.elements) for m in good])
        reason = (f"more than {max_atoms} heavy atoms (outlier: over {SIZE_SLACK}x the {SIZE_PERCENTILE}th "
                  "percentile of the data; dataset option max_atoms sets the limit)")
    if max_atoms is not None:
        kept = [m for m in good if len(m.elements) <= max_atoms]
        for m in good:
            if len(m.elements) > max_atoms:
                report.skip(reason, m.smiles)
        good = kept
    report.used = len(good)
    if not good:
        raise UserInputError(f"{source}: no usable molecule among {report.total} records: "
                             + "; ".join(line.strip() for line in report.lines()[1:]))
    if atom_types is None:
        counts = Counter(e for m in good for e in m.elements)
        atom_types = [e for e, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    schema = MoleculeSchema(list(atom_types), max_atoms, aromatic=aromatic)
    return MoleculeSet(good, schema, report)


def graph_options(options: dict[str, Any]) -> dict[str, Any]:
    """The dataset options that shape the graphs, checked, as :func:`parse_molecules` keywords:
    ``atom_types``, ``max_atoms``, ``aromatic``, ``rings_first``, ``drop_stereo``."""
    return {"atom_types": options.get("atom_types"), "max_atoms": option_int(options, "max_atoms"),
            "aromatic": option_bool(options, "aromatic"), "rings_first": option_bool(options, "rings_first"),
            "drop_stereo": option_bool(options, "drop_stereo")}


def load_molecule_file(path: Path, options: dict[str, Any]) -> MoleculeSet:
    """A molecule file as one set (no split): options ``smiles_column`` and :func:`graph_options`."""
    path = Path(path)
    records = read_records(path, options.get("smiles_column"))
    return parse_molecules(records, source=str(path), **graph_options(options))
