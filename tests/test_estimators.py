"""Every estimator: scikit-learn's clone() + refit, save -> load in a fresh process -> the same samples."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.base import clone

from genforge import GANEstimator, TrainedGAN, UserInputError

ROOT = Path(__file__).resolve().parents[1]
NAMES = ["Anna", "Bruno", "Carla", "Dario", "Elena", "Fabio", "Gina", "Hugo", "Ines", "Jonas"] * 12


def _table():
    import pandas as pd

    rng = np.random.default_rng(0)
    return pd.DataFrame({"x": rng.normal(size=120).round(3), "c": rng.choice(["a", "b"], 120),
                         "y": rng.choice(["u", "v"], 120)})


def _tabular():
    from genforge_tabular import TabularGAN
    return TabularGAN(steps=3, generator_dims=(16,), critic_dims=(16,), latent_dim=4, pac=2, batch_size=32), (_table(),)


def _image():
    from genforge_image import ImageGAN
    images = np.random.default_rng(0).integers(0, 256, (24, 8, 8)).astype(np.uint8)
    return ImageGAN(steps=2, batch_size=8, g_width=8, d_width=8, latent_dim=8), (images,)


def _molecule():
    from genforge_molecule import MoleculeGAN
    smiles = ["CCO", "CCN", "CCC", "CC(=O)O", "C1CC1", "CO", "CN", "OCCO", "CC#N", "NCCO"] * 4
    return MoleculeGAN(steps=2, batch_size=16, model_options={"hidden": [16], "conv": [8], "aggregate": 8,
                                                              "mlp": [8]}), (smiles,)


def _text():
    from genforge_text import TextGAN
    return TextGAN(steps=2, batch_size=16, model_options={"hidden": 16, "filters": 8}), (NAMES,)


ESTIMATORS = {"tabular": _tabular, "image": _image, "molecule": _molecule, "text": _text}
SAMPLE = {  # a stable text form of a few samples, per domain
    "tabular": "est.sample(20, seed=7).to_csv(index=False)",
    "image": "est.generate(3, seed=7).tobytes().hex()",
    "molecule": "repr(est.sample(20, seed=7).smiles)",
    "text": "repr(est.sample(20, seed=7))",
}


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


@pytest.mark.parametrize("domain", sorted(ESTIMATORS))
def test_clone_refit_save_and_reload_in_a_fresh_process(domain, tmp_path):
    est, data = ESTIMATORS[domain]()
    assert isinstance(est, GANEstimator)
    params = est.get_params()
    est.fit(*data)
    assert est.get_params() == params  # fit never rewrites a parameter
    twin = clone(est)
    assert twin.get_params() == params and not hasattr(twin, "trained_")
    with pytest.raises(UserInputError, match="not fitted yet"):
        twin.sample(2)
    twin.fit(*data)  # refit of the clone: same parameters, same seed -> same samples
    est_text = eval(SAMPLE[domain], {"est": est})
    assert eval(SAMPLE[domain], {"est": twin}) == est_text
    path = est.save(tmp_path / "model.pt")
    module, cls = type(est).__module__, type(est).__name__
    code = (f"import torch; torch.set_num_threads(1); from {module} import {cls} as C; "
            f"est = C.load({str(path)!r}); print({SAMPLE[domain]}, end='')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout == est_text
    assert type(est).load(path).get_params() == params


def test_a_file_of_another_domain_version_or_a_truncated_one_is_refused(tmp_path):
    from genforge_text import TextGAN
    from genforge_tabular import TabularGAN

    est, data = _text()
    path = est.fit(*data).save(tmp_path / "text.pt")
    with pytest.raises(UserInputError, match="a model of domain 'text', expected 'tabular'"):
        TabularGAN.load(path)
    state = torch.load(path, weights_only=True)
    torch.save({**state, "version": 99}, tmp_path / "future.pt")
    with pytest.raises(UserInputError, match="format version 99 is newer than this genforge reads"):
        TextGAN.load(tmp_path / "future.pt")
    torch.save({**state, "schema_fingerprint": "0" * 16}, tmp_path / "edited.pt")
    with pytest.raises(UserInputError, match="does not match its fingerprint"):
        TrainedGAN.load(tmp_path / "edited.pt")
    (tmp_path / "cut.pt").write_bytes(path.read_bytes()[:2000])
    with pytest.raises(UserInputError, match="truncated or corrupted"):
        TextGAN.load(tmp_path / "cut.pt")
    assert json.loads(json.dumps(state["extra"]["params"]))["steps"] == 2  # parameters are plain data


def test_a_saved_model_evaluates_against_its_saved_reference(tmp_path):
    est, data = _text()
    est.fit(*data)
    saved = TrainedGAN.load(est.save(tmp_path / "m.pt"))
    assert saved.reference is not None and saved.reference.train == est.trained_.reference.train
    metrics = saved.evaluate(n=50, seed=1)
    assert metrics == est.evaluate_metrics(n=50, seed=1)
    assert {"novelty", "diversity"} <= set(metrics)


def test_oversampler_clone_refits_to_the_same_rows():
    from genforge_tabular import GANOverSampler

    table = _table()
    sampler = GANOverSampler(random_state=0, gan_params={"steps": 2, "generator_dims": (16,),
                                                         "critic_dims": (16,), "latent_dim": 4, "pac": 2})
    X, y = table.drop(columns="y"), table["y"].where(np.arange(120) % 4 > 0, "rare")
    X1, y1 = sampler.fit_resample(X, y)
    X2, y2 = clone(sampler).fit_resample(X, y)
    assert len(X1) > len(X) and X1.equals(X2) and (y1 == y2).all()
    assert clone(sampler).get_params() == sampler.get_params()


def test_a_domain_declares_its_own_train_options():
    import argparse

    from genforge.plugins import get_registry

    tabular = get_registry().domain("tabular")
    parser = argparse.ArgumentParser()
    tabular.add_train_arguments(parser)
    assert tabular.train_overrides(parser.parse_args(["--target", "species"])) == {
        "dataset_options": {"target": "species"}}
    assert tabular.train_overrides(parser.parse_args([])) == {}
    plain = argparse.ArgumentParser()
    get_registry().domain("mixture").add_train_arguments(plain)
    assert plain.parse_args([]) == argparse.Namespace()


SKLEARN_CHECKS = ("check_no_attributes_set_in_init", "check_get_params_invariance", "check_set_params",
                  "check_parameters_default_constructible", "check_estimator_cloneable",
                  "check_estimator_repr", "check_do_not_raise_errors_in_init_or_set_params")


def _oversampler():
    from genforge_tabular import GANOverSampler
    return GANOverSampler(), ()


@pytest.mark.parametrize("check", SKLEARN_CHECKS)
@pytest.mark.parametrize("domain", sorted(ESTIMATORS) + ["oversampler"])
def test_scikit_learn_s_own_estimator_checks_that_apply_to_a_generator(domain, check):
    """The checks of sklearn.utils.estimator_checks that do not need predict/transform (a GAN
    samples): parameters only set in __init__, get/set_params, clone, repr."""
    from sklearn.utils import estimator_checks

    est, _ = (ESTIMATORS.get(domain) or _oversampler)()
    getattr(estimator_checks, check)(type(est).__name__, est)
