"""The SMILES-only data path of latentgan (dataset option codes): same molecules and codes as the
graph path, every drop counted by reason, cached, and what `genforge train --model latentgan` uses."""
import pytest
import torch

from genforge.errors import UserInputError
from genforge_molecule import code_corpus
from genforge_molecule.autoencoder_pretraining import load_bundled_codec
from genforge_molecule.corpus import load_file
from genforge_molecule.datasets import QM9_SAMPLE
from genforge_molecule.latentgan import training_codes
from genforge_molecule.molgan import build_molgan

BAD = ["C[C@H](N)O", "[Na+].[Cl-]", "not a smiles", "C[N+](C)(C)C", "[13CH4]", "CC[Se]C",
       "C" * 90]


@pytest.fixture()
def library(tmp_path, monkeypatch):
    monkeypatch.setenv("GENFORGE_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "library.smi"
    good = [line.split()[0] for line in QM9_SAMPLE.read_text().splitlines()[:400] if line.strip()]
    path.write_text("\n".join(good + BAD) + "\n")
    return path


def test_codes_path_gives_the_graph_paths_molecules_and_codes_and_counts_every_drop(library, monkeypatch):
    graphs = load_file(library, {})
    codes = load_file(library, {"codes": True})
    codec = load_bundled_codec()
    # the graph path's molecules, less those the autoencoder cannot write (which it dropped unsaid)
    expected = [s for s in graphs.train.smiles if s not in ("CC[Se]C", "C" * 90)]
    assert codes.train.smiles == expected and codes.test_smiles == graphs.test_smiles
    assert torch.allclose(codes.train.codes, training_codes(codec, expected), atol=1e-5)
    report, lines = codes.train.report, len(library.read_text().splitlines())
    assert report.total == lines == report.used + sum(report.skipped.values())
    skipped = report.skipped
    assert skipped[code_corpus.OUT_OF_VOCABULARY] == 1 and skipped[code_corpus.too_long(codec.vocabulary)] == 1
    for reason, count in graphs.train.report.skipped.items():  # the graph path's reasons, the same counts
        if "heavy atoms" not in reason:  # C x 90: too long for the autoencoder before it is too large
            assert skipped[reason] == count, reason
    assert len(skipped) == len(graphs.train.report.skipped) + 1
    assert codes.train.schema.latent is not None and codes.train.schema.training_codes is codes.train.codes
    # a second load reads the cache: nothing is encoded
    monkeypatch.setattr(code_corpus, "encode_stream", lambda *a, **k: pytest.fail("encoded again"))
    again = load_file(library, {"codes": True})
    assert again.train.smiles == codes.train.smiles and torch.equal(again.train.codes, codes.train.codes)
    assert again.train.report.skipped == report.skipped
    with pytest.raises(UserInputError, match="model molgan needs graphs"):
        build_molgan(again.train.schema, {})


def test_latentgan_asks_for_the_codes_path_and_trains_on_its_codes(library, monkeypatch):
    from argparse import Namespace

    from genforge_molecule import latentgan
    from genforge_molecule.domain import MoleculeDomain
    from genforge_molecule.latentgan import build_latentgan

    domain = MoleculeDomain()
    asked = domain.train_overrides(Namespace(model="latentgan", option=None, dataset_option=None, objective=None))
    assert asked == {"dataset_options": {"codes": True}, **latentgan.LATENTGAN_TRAINING}
    for own in (Namespace(model="latentgan", option=["autoencoder=train"], dataset_option=None, objective=None),
                Namespace(model="latentgan", option=None, dataset_option=["codes=false"], objective=None),
                Namespace(model="molgan", option=None, dataset_option=None, objective=None)):
        assert "dataset_options" not in domain.train_overrides(own)
    assert "steps" not in domain.train_overrides(Namespace(model="molgan", option=None, dataset_option=None,
                                                           objective=None))
    data = domain.prepare(load_file(library, {"codes": True}), {"codes": True}, 0)
    monkeypatch.setattr(latentgan, "training_codes", lambda *a: pytest.fail("encoded again"))
    model = build_latentgan(data.schema, {})
    assert model.codec is data.schema.latent
    batch = data.batch(16, torch.Generator().manual_seed(0)).real
    assert batch.shape == (16, 64) and bool((batch.abs() <= 1).all())
    with pytest.raises(UserInputError, match="autoencoder=train"):
        build_latentgan(data.schema, {"autoencoder": "train"})


def test_latentgan_training_settings_fill_only_what_the_user_left_unset(tmp_path):
    from argparse import Namespace

    from genforge_molecule.domain import latentgan_training
    from genforge_molecule.latentgan import LATENTGAN_TRAINING

    assert latentgan_training(Namespace()) == LATENTGAN_TRAINING
    flags = latentgan_training(Namespace(steps=50, batch_size=32))
    assert "steps" not in flags and "batch_size" not in flags and flags["n_critic"] == LATENTGAN_TRAINING["n_critic"]
    assert "steps" not in latentgan_training(Namespace(epochs=2.0))
    config = tmp_path / "c.toml"
    config.write_text('epochs = 3\nlr_g = 0.001\nmodel = "latentgan"\n')
    from_file = latentgan_training(Namespace(config=config))
    assert "steps" not in from_file and "lr_g" not in from_file and from_file["lr_d"] == LATENTGAN_TRAINING["lr_d"]
    assert latentgan_training(Namespace(resume=True)) == {}
