"""Our metric definitions against MOSES's own code (molsets, imported through the shims)."""
import pytest
from rdkit import Chem

from genforge_molecule import metrics as ours
from genforge_molecule.moses_metrics import import_moses_metrics
from genforge_molecule.samples import MoleculeSamples

SMILES = ["CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1", "O=C1C=CC(=O)C=C1", "CCN(CC)CC", "c1ccc2ccccc2c1",
          "CCO", "C1CCCCCCC1", "CC[N+](C)(C)C"]


def test_validity_uniqueness_intdiv_and_filters_match_moses():
    moses = import_moses_metrics()
    samples = MoleculeSamples(SMILES + [None])
    assert moses.fraction_valid(SMILES + ["INVALID"]) == pytest.approx(ours.validity(samples))
    assert moses.fraction_unique(SMILES, check_validity=False) == pytest.approx(ours.uniqueness(samples))
    mols = [Chem.MolFromSmiles(s) for s in SMILES]
    assert moses.internal_diversity(mols) == pytest.approx(ours.internal_diversity(samples), abs=1e-6)
    assert moses.fraction_passes_filters(mols) == pytest.approx(ours.filters(samples))
