import os

import pytest

os.environ.setdefault("GENFORGE_PROGRESS", "0")


@pytest.fixture
def cache(tmp_path_factory, monkeypatch):
    folder = tmp_path_factory.mktemp("classifier-cache")
    monkeypatch.setenv("GENFORGE_CACHE", str(folder))
    return folder


TINY_TOML = """
steps = 30
batch_size = 16
eval_samples = 200
log_every = 10
[model]
g_width = 8
d_width = 8
latent_dim = 16
[dataset]
classifier_steps = 60
"""


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """A 30-step digits run through the CLI, shared by the sampling tests."""
    from genforge.cli import main

    root = tmp_path_factory.mktemp("run")
    env = pytest.MonkeyPatch()
    env.setenv("GENFORGE_CACHE", str(root / "cache"))  # for this module's tests, then restored
    config = root / "tiny.toml"
    config.write_text(TINY_TOML)
    assert main(["train", "image", "--config", str(config), "--out", str(root / "run")]) == 0
    yield root / "run"
    env.undo()
