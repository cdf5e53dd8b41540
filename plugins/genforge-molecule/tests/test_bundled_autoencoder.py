"""The MOSES autoencoder shipped in data/: it loads, round-trips real molecules at its
measured rate, and latentgan falls back to training one when it does not cover the data."""
from __future__ import annotations

import numpy as np

from genforge_molecule.autoencoder_pretraining import (BUNDLED_AUTOENCODER, coverage_problem, fit_codec,
                                                       load_bundled_codec, selfies_tokens)
from genforge_molecule.datasets import read_moses


def test_bundled_autoencoder_round_trips_moses_test_molecules_at_its_measured_rate():
    assert BUNDLED_AUTOENCODER.stat().st_size < 8e6
    codec = load_bundled_codec()  # torch.load(weights_only=True)
    smiles = [s for _, s in read_moses("test", 300)]
    tokens = selfies_tokens(smiles)
    assert coverage_problem(codec, tokens) == ""
    codec.sample = False
    decoded = codec.vocabulary.decode(codec.decode_ids(codec.encode_ids(codec.vocabulary.encode(tokens))))
    from rdkit import Chem

    exact = np.mean([d == Chem.MolToSmiles(Chem.MolFromSmiles(s)) for (d, _), s in zip(decoded, smiles)])
    measured = codec.summary["reconstruction"]  # held out of its training, at the end of it
    assert abs(exact - measured) <= 0.08, (exact, measured)
    assert all(reason == "" for _, reason in decoded)  # valid by construction


def test_latentgan_trains_its_own_autoencoder_when_the_bundled_one_lacks_a_token(tmp_path, monkeypatch):
    monkeypatch.setenv("GENFORGE_CACHE", str(tmp_path))
    lines: list[str] = []
    smiles = ["CCC(I)CC", "CCO", "c1ccccc1O", "CC(=O)N"] * 10  # iodine: absent from MOSES
    codec = fit_codec(smiles, dict(load_bundled_codec().options), {"ae_steps": 2, "ae_molecules": 40}, 0,
                      lines.append, bundled=True)
    assert any("not in its vocabulary: [I]" in line for line in lines), lines
    assert "[I]" in codec.vocabulary.tokens


def test_latentgan_uses_the_bundled_autoencoder_when_it_covers_the_molecules(tmp_path, monkeypatch):
    monkeypatch.setenv("GENFORGE_CACHE", str(tmp_path))
    bundled = load_bundled_codec()
    lines: list[str] = []
    smiles = [s for _, s in read_moses("train", 50)]
    codec = fit_codec(smiles, dict(bundled.options), {"ae_steps": 3, "ae_molecules": 50}, 0, lines.append,
                      bundled=True)
    assert any("the bundled MOSES autoencoder" in line for line in lines), lines
    assert codec.vocabulary.tokens == bundled.vocabulary.tokens and codec.summary == bundled.summary
    assert not list(tmp_path.iterdir())  # nothing pretrained, nothing cached


def test_a_file_that_is_not_the_bundled_autoencoder_is_refused_by_name(tmp_path):
    import pytest
    import torch

    from genforge.errors import UserInputError

    other = tmp_path / "other.pt"
    torch.save({"format": "genforge-checkpoint", "weights": {}}, other)
    with pytest.raises(UserInputError, match="other.pt is not a genforge molecule autoencoder"):
        load_bundled_codec(other)
