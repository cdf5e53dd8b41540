import types

import pytest

from genforge import DatasetSpec, UserInputError, hookimpl
from genforge import plugins as plugin_module
from genforge.plugins import PluginInfo, Registry, build_registry


def module(name, **functions):
    mod = types.ModuleType(name)
    for key, fn in functions.items():
        setattr(mod, key, fn)
    return mod


def dataset_plugin(name, dataset_name):
    @hookimpl
    def register_datasets(register):
        register(DatasetSpec(dataset_name, "mixture", lambda source, options: None, "test"))
    return module(name, register_datasets=register_datasets)


def test_builtins_register_through_the_hooks(registry):
    assert "mixture" in registry.domains
    assert {"minimax", "non-saturating", "least-squares", "wgan-gp", "hinge"} <= set(registry.losses)
    assert registry.plugins["genforge.mixture"].registered["datasets"] == ["mixture/ring-8", "mixture/grid-25"]


def test_a_plugin_that_raises_is_isolated(registry):
    @hookimpl
    def register_datasets(register):
        register(DatasetSpec("half", "mixture", lambda s, o: None))
        raise RuntimeError("boom")

    assert not registry.load(module("bad", register_datasets=register_datasets), PluginInfo("bad", "1.0"))
    assert registry.load(dataset_plugin("good", "fine"), PluginInfo("good", "2.0"))
    assert ("mixture", "half") not in registry.datasets  # nothing of a broken plugin is kept
    assert ("mixture", "fine") in registry.datasets
    [broken] = registry.broken
    assert broken.name == "bad" and broken.version == "1.0" and "boom" in broken.error


def test_a_hook_name_typo_is_an_error_at_load(registry):
    @hookimpl
    def register_dataset(register):  # missing "s"
        pass

    assert not registry.load(module("typo", register_dataset=register_dataset), PluginInfo("typo"))
    assert "register_dataset" in registry.broken[0].error
    assert "spelling" in registry.broken[0].hint


def test_name_clashes_are_reported_not_overwritten(registry):
    registry.load(dataset_plugin("first", "shared"), PluginInfo("first"))
    registry.load(dataset_plugin("second", "shared"), PluginInfo("second"))
    assert any("registered by both first and second" in c for c in registry.clashes)
    assert registry.owner("datasets", ("mixture", "shared")) == "first"


def test_malformed_names_are_refused(registry):
    registry.load(dataset_plugin("odd", "Bad Name"), PluginInfo("odd"))
    assert ("mixture", "Bad Name") not in registry.datasets
    assert any("not well-formed" in c for c in registry.clashes)


class FakeEntryPoint:
    def __init__(self, name, target, version="0.1"):
        self.name, self.value, self._target = name, f"{name}.plugin", target
        self.dist = types.SimpleNamespace(version=version)

    def load(self):
        if isinstance(self._target, Exception):
            raise self._target
        return self._target


def test_entry_points_import_errors_and_selection(monkeypatch):
    eps = [FakeEntryPoint("alpha", dataset_plugin("alpha", "a")),
           FakeEntryPoint("broken", ImportError("No module named 'missing'")),
           FakeEntryPoint("gamma", dataset_plugin("gamma", "g"))]
    monkeypatch.setattr(plugin_module, "entry_points", lambda group: eps)
    registry = build_registry()
    assert {"alpha", "gamma"} <= set(registry.plugins)
    assert registry.broken[0].name == "broken" and "missing" in registry.broken[0].error
    monkeypatch.setenv("GENFORGE_LOAD_PLUGINS", "gamma")
    registry = build_registry()
    assert "gamma" in registry.plugins and "alpha" not in registry.plugins and not registry.broken


def test_lookups_explain_what_exists(registry):
    with pytest.raises(UserInputError, match="installed domains: mixture"):
        registry.domain("nope")
    with pytest.raises(UserInputError, match="available: mlp"):
        registry.model("mixture", "transformer")
    with pytest.raises(UserInputError, match="datasets: grid-25, ring-8"):
        registry.dataset("mixture", "no-such-thing")
    with pytest.raises(UserInputError, match="available: .*wgan-gp"):
        registry.loss("wgan")


def test_registration_goes_through_pluggy_so_specname_implementations_are_called():
    import types

    from genforge.domain import LossSpec
    from genforge.engine import losses
    from genforge.hookspecs import hookimpl
    from genforge.plugins import PluginInfo, build_registry

    module = types.ModuleType("renamed_plugin")

    @hookimpl(specname="register_losses")
    def add_my_loss(register):
        register(LossSpec("my-loss", losses.hinge_discriminator, losses.hinge_generator))

    module.add_my_loss = add_my_loss
    registry = build_registry(include_entry_points=False)
    assert registry.load(module, PluginInfo("renamed"))
    assert registry.owner("losses", "my-loss") == "renamed"
    assert registry.plugins["renamed"].registered == {"losses": ["my-loss"]}
