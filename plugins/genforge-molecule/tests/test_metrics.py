import math

import numpy as np
import pytest
from rdkit import Chem, DataStructs
from rdkit.Chem import QED, rdFingerprintGenerator

from genforge_molecule import metrics as M
from genforge_molecule.samples import MoleculeSamples


def samples(smiles, raw=None):
    return MoleculeSamples(smiles, raw)


def test_validity_uniqueness_novelty_by_hand():
    s = samples(["CCO", "CCO", "CCN", None, "c1ccccc1"], [True, False, True, False, False])
    assert M.validity(s) == 0.8
    assert M.raw_validity(s) == 0.4
    assert M.uniqueness(s) == 3 / 4
    assert M.novelty(s, {"CCO", "CCC"}) == 2 / 3
    empty = samples([None, None])
    assert (M.validity(empty), M.uniqueness(empty), M.novelty(empty, set())) == (0.0, 0.0, 0.0)


def test_internal_diversity_matches_the_moses_formula():
    a, b = "CCO", "c1ccccc1O"
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=1024)
    t = DataStructs.TanimotoSimilarity(gen.GetFingerprint(Chem.MolFromSmiles(a)),
                                       gen.GetFingerprint(Chem.MolFromSmiles(b)))
    assert 0 < t < 1
    s = samples([a, b])
    assert M.internal_diversity(s, 1) == pytest.approx((1 - t) / 2)
    assert M.internal_diversity(s, 2) == pytest.approx(1 - math.sqrt((1 + t * t) / 2))
    assert M.internal_diversity(samples(["CCO"] * 5), 1) == pytest.approx(0.0)


def test_filters_follow_moses():
    ok, charged, ring8, phosphorus = "CCOc1ccccc1", "CC[NH3+]", "C1CCCCCCC1", "CCP(C)C"
    assert [M.passes_filters(Chem.MolFromSmiles(x)) for x in (ok, charged, ring8, phosphorus)] == [
        True, False, False, False]
    pains = "Oc1ccc(cc1)N=Nc1ccccc1"  # azo: a PAINS / MCF alert
    assert not M.passes_filters(Chem.MolFromSmiles(pains))
    assert M.filters(samples([ok, ok, ring8, None])) == pytest.approx(2 / 3)


def test_property_means_over_unique_valid():
    s = samples(["CCO", "CCO", "c1ccccc1", None])
    expected = np.mean([QED.qed(Chem.MolFromSmiles(x)) for x in ("CCO", "c1ccccc1")])
    assert M.mean_property(s, "qed") == pytest.approx(expected)
    assert 1 <= M.mean_property(s, "sa") <= 10


def test_fcd_is_zero_for_the_same_set_and_larger_for_another():
    assert M.fcd_available(), M.fcd_status()
    qm9_like = ["CCO", "CC(C)O", "CCN", "C1CC1", "CC#N", "OC=O", "CC(=O)C", "COC", "C1CO1", "NC=O"] * 3
    drug_like = ["CC(=O)Oc1ccccc1C(=O)O", "CN1CCC[C@H]1c1cccnc1", "c1ccc2ccccc2c1", "CCN(CC)CCOC(=O)c1ccc(N)cc1",
                 "O=C(O)c1ccccc1O", "Clc1ccc(cc1)C(c1ccccc1)N1CCNCC1", "CC(C)Cc1ccc(cc1)C(C)C(=O)O"] * 4
    ref = M.MoleculeReference(set(), qm9_like)
    same = M.frechet_chemnet_distance(samples(qm9_like), ref)
    other = M.frechet_chemnet_distance(samples(drug_like), ref)
    assert abs(same) < 1e-3 and other > 10 * max(same, 0.1)
