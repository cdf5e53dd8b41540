import numpy as np
import pytest
import torch

from genforge_molecule.decoding import graphs_to_smiles, smiles_parallel, valence_aware
from genforge_molecule.domain import decode_graphs
from genforge_molecule.graph_smiles import canonical, molecule_smiles, write_smiles
from genforge_molecule.loading import parse_molecules
from genforge_molecule.schema import MoleculeSchema

SCHEMA = MoleculeSchema(["C", "O", "N", "F"], 4)  # valences 4, 2, 3, 1


def graph(atoms, bonds, confidence=None):
    """atoms: node types; bonds: {(i, j): edge type}; confidence: {(i, j): value}."""
    N = len(atoms)
    types = np.zeros((1, N, N), dtype=np.int64)
    conf = np.full((1, N, N), 0.5)
    for (i, j), t in bonds.items():
        types[0, i, j] = types[0, j, i] = t
        c = (confidence or {}).get((i, j), 0.5)
        conf[0, i, j] = conf[0, j, i] = c
    return np.array([atoms]), types, conf


def decode(atoms, bonds, confidence=None):
    g = valence_aware(*graph(atoms, bonds, confidence), SCHEMA)
    return bool(g.raw_valid[0]), graphs_to_smiles(g.atoms, g.bonds, SCHEMA.atom_types)[0]


def test_writer_ring_closures_and_branches():
    ring = [[(1, 2), (5, 1)], [(0, 2), (2, 1)], [(1, 1), (3, 2)], [(2, 2), (4, 1)], [(3, 1), (5, 2)], [(4, 2), (0, 1)]]
    assert canonical(write_smiles(["C"] * 6, ring, 0)) == "c1ccccc1"
    branched = [[(1, 1)], [(0, 1), (2, 2), (3, 1)], [(1, 2)], [(1, 1)]]
    assert canonical(write_smiles(["C", "C", "O", "N"], branched, 0)) == "CC(N)=O"
    assert canonical(write_smiles(["C", "Si"], [[(1, 1)], [(0, 1)]], 0)) == "C[SiH3]"


def _ring(n, edge_type):
    return [[((a - 1) % n, edge_type), ((a + 1) % n, edge_type)] for a in range(n)]


def test_aromatic_rings_are_kekulized_by_rdkit_or_repaired_and_flagged():
    assert molecule_smiles(["C"] * 6, _ring(6, 4), 0) == ("c1ccccc1", True)
    assert molecule_smiles(["[nH]", "C", "C", "C", "C"], _ring(5, 4), 0) == ("c1cc[nH]c1", True)
    assert molecule_smiles(["O", "C", "C", "C", "C"], _ring(5, 4), 0) == ("c1ccoc1", True)
    # a plain N where the graph needed [nH]: the hydrogen is placed, a repair
    assert molecule_smiles(["N", "C", "C", "C", "C"], _ring(5, 4), 0) == ("c1cc[nH]c1", False)
    # no kekule structure at all: aromatic bonds become single bonds
    assert molecule_smiles(["C"] * 5, _ring(5, 4), 0) == ("C1CCCC1", False)
    # a single bond between two aromatic rings is written as such (biphenyl, not a fused ring)
    rings = _ring(6, 4) + [[(b + 6, t) for b, t in nb] for nb in _ring(6, 4)]
    rings[0].append((6, 1))
    rings[6].append((0, 1))
    assert molecule_smiles(["C"] * 12, rings, 0) == ("c1ccc(-c2ccccc2)cc1", True)


def test_aromatic_bonds_take_one_valence_unit_and_are_dropped_when_none_is_left():
    schema = MoleculeSchema(["C", "O", "N", "F"], 6, aromatic=True)
    atoms = np.array([[1, 1, 1, 1, 1, 4]])
    types = np.zeros((1, 6, 6), dtype=np.int64)
    for i in range(5):
        types[0, i, i + 1] = types[0, i + 1, i] = 4
    conf = np.where(types > 0, 0.9, 0.0)
    conf[0, 4, 5] = conf[0, 5, 4] = 0.5
    g = valence_aware(atoms, types, conf, schema)
    assert g.raw_valid.tolist() == [True] and (g.bonds == 4).sum() == 5
    atoms[0, 4] = 4  # F between an aromatic bond and another: one unit, the less confident bond goes
    g = valence_aware(atoms, types, conf, schema)
    assert g.raw_valid.tolist() == [False] and (g.bonds == 4).sum() == 4


def test_valid_graph_decodes_as_is():
    assert decode([1, 1, 2, 0], {(0, 1): 1, (1, 2): 2}) == (True, "CC=O")


def test_over_valence_keeps_confident_bonds_and_downgrades():
    # O (valence 2) with a double bond to C0 (confident) and a single bond to C2: raw invalid
    raw, smiles = decode([1, 2, 1, 0], {(0, 1): 2, (1, 2): 1}, {(0, 1): 0.9, (1, 2): 0.6})
    assert (raw, smiles) == (False, "C=O")  # the less confident bond cannot fit; CH4 fragment dropped
    # F (valence 1) with a confident double bond: downgraded to single
    assert decode([1, 4, 0, 0], {(0, 1): 2}, {(0, 1): 0.9}) == (False, "CF")


def test_fragments_dangling_bonds_and_empty_graphs():
    assert decode([1, 1, 1, 1], {(0, 1): 1, (1, 2): 1}) == (False, "CCC")  # largest fragment
    assert decode([1, 1, 0, 0], {(0, 1): 1, (1, 2): 1}) == (False, "CC")   # bond to an absent atom
    assert decode([0, 0, 0, 0], {}) == (False, None)


def test_decoded_graphs_hold_only_the_largest_fragment():
    # C0-O3 and N1-C2: a tie, kept: the fragment of the lowest-numbered atom; the other is cleared
    g = valence_aware(*graph([1, 3, 1, 2], {(0, 3): 1, (1, 2): 1}), SCHEMA)
    assert g.atoms.tolist() == [[1, 0, 0, 2]]
    iu, ju = np.triu_indices(4, 1)
    assert {(int(iu[p]), int(ju[p])) for p in np.nonzero(g.bonds[0])[0]} == {(0, 3)}
    assert graphs_to_smiles(g.atoms, g.bonds, SCHEMA.atom_types) == ["CO"]
    g = valence_aware(*graph([1, 1, 3, 1], {(0, 1): 1, (2, 3): 1, (1, 3): 1}), SCHEMA)
    assert g.atoms.tolist() == [[1, 1, 3, 1]] and g.raw_valid.tolist() == [True]


@pytest.mark.parametrize("aromatic", [False, True])
def test_real_graphs_round_trip_through_the_decoder_in_parallel(aromatic):
    lines = [line.split()[0] for line in open(_sample()).read().splitlines()[:1200]]
    mols = parse_molecules([(str(k), s) for k, s in enumerate(lines)], aromatic=aromatic)
    assert mols.report.used == 1194  # 6 charged molecules
    nodes, edges = mols.dense()
    one_hot = (torch.nn.functional.one_hot(nodes.long(), mols.schema.node_types).float(),
               torch.nn.functional.one_hot(edges.long(), mols.schema.edge_types).float())
    samples = decode_graphs(one_hot, mols.schema)
    assert samples.raw_valid.all() and samples.smiles == mols.smiles
    g = valence_aware(nodes.numpy().astype(int), edges.numpy().astype(int), np.ones(edges.shape), mols.schema)
    assert smiles_parallel(g, mols.schema.atom_types, workers=2) == mols.smiles  # min_parallel not reached
    from genforge_molecule import decoding
    old, decoding.PARALLEL_MIN = decoding.PARALLEL_MIN, 100
    try:
        assert smiles_parallel(g, mols.schema.atom_types, workers=2) == mols.smiles  # pool of 2 processes
    finally:
        decoding.PARALLEL_MIN = old
    order = np.random.default_rng(0).integers(0, len(g.atoms), 3000)  # repeated graphs: written once
    repeated = decoding.DecodedGraphs(g.atoms[order], g.bonds[order], g.raw_valid[order])
    assert smiles_parallel(repeated, mols.schema.atom_types) == [mols.smiles[k] for k in order]


def _sample():
    from genforge_molecule.datasets import QM9_SAMPLE
    return QM9_SAMPLE


def test_pipelined_sampling_gives_the_chunks_decoding_one_by_one_gives():
    from genforge_molecule.domain import MoleculeDomain, decode_graphs
    from genforge_molecule.schema import MoleculeSchema

    schema = MoleculeSchema(["C", "O", "N", "F"], 9)
    outputs = []

    def generate(k, condition):
        g = torch.Generator().manual_seed(len(outputs))
        outputs.append((torch.rand(k, 9, 5, generator=g), torch.rand(k, 9, 9, 4, generator=g)))
        nodes, edges = outputs[-1]
        return nodes, (edges + edges.transpose(1, 2)) / 2

    chunks = list(MoleculeDomain().sample_chunks(generate, schema, 2500, {}, torch.Generator(), chunk_size=1000))
    assert [len(c.smiles) for c in chunks] == [1000, 1000, 500]
    for chunk, (nodes, edges) in zip(chunks, outputs):
        expected = decode_graphs((nodes, (edges + edges.transpose(1, 2)) / 2), schema)
        assert chunk.smiles == expected.smiles and (chunk.raw_valid == expected.raw_valid).all()
