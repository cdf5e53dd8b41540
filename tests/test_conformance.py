"""The conformance kit passes the built-in mixture domain and catches each kind of breach."""
from __future__ import annotations

import types

import numpy as np
import pytest
import torch

from genforge import DatasetSpec, GANModel, MetricSpec, ModelSpec, hookimpl
from genforge.builtin.mixture import MixtureDomain, Mixture, build_mlp, ring_means
from genforge.plugins import PluginInfo, build_registry
from genforge.testing import ConformanceError, ConformanceKit, check_plugin, failures, plugin_checks

MIXTURE_CHECKS = ["names:mixture", "dataset:mixture/grid-25", "dataset:mixture/ring-8",
                  "model:mixture/mlp", "training:mixture/mlp", "metric:mixture/high_quality",
                  "metric:mixture/modes", "metric:mixture/reverse_kl"]


def test_mixture_passes_every_check(tmp_path):
    registry = build_registry(include_entry_points=False)
    assert check_plugin("mixture", registry=registry, work_dir=tmp_path) == MIXTURE_CHECKS
    # the same checks by plugin name
    by_plugin = check_plugin("genforge.mixture", registry=registry, work_dir=tmp_path / "b")
    assert by_plugin == ["names:genforge.mixture"] + MIXTURE_CHECKS[1:]
    # the run folder the training check wrote is a real run: checkpoint + final samples
    assert list((tmp_path / "run-mixture-mlp" / "checkpoints").glob("step-00000003.pt"))
    assert (tmp_path / "run-mixture-mlp" / "samples" / "final.csv").is_file()


def test_metric_check_reports_real_and_bad_values(tmp_path):
    kit = ConformanceKit(registry=build_registry(include_entry_points=False), work_dir=tmp_path)
    real, bad = kit.check_metric("mixture", "modes")
    assert real == 25.0 and bad < 5


def test_plugin_checks_are_parametrizable_ids():
    checks = plugin_checks("mixture", registry=build_registry(include_entry_points=False))
    assert [str(c) for c in checks] == MIXTURE_CHECKS


def test_unknown_name_is_a_clear_failure():
    with pytest.raises(ConformanceError, match="no plugin or domain of that name.*domains: mixture"):
        check_plugin("nope", registry=build_registry(include_entry_points=False))


# -- a deliberately broken plugin on top of the mixture domain --------------------------------
class NumpySchemaDomain(MixtureDomain):
    name = "badmix"
    default_dataset = "ring"
    default_model = "mlp"

    def schema_state(self, schema):
        return {"means": np.asarray(schema.means)}  # numpy arrays break weights-only checkpoints


class ShapeShiftModel(GANModel):
    """G emits 3 columns where real data has 2."""

    def generate(self, z, condition=None):
        return torch.zeros(len(z), 3)


def _load_ring(source, options):
    return Mixture(ring_means(), 0.01, "ring")


def _registry_with(**hooks):
    registry = build_registry(include_entry_points=False)
    module = types.ModuleType("badplugin")
    for name, fn in hooks.items():
        setattr(module, name, hookimpl(fn))
    assert registry.load(module, PluginInfo("badplugin")), registry.broken
    return registry


def _mixture_metric(name, fn, higher, bounds=(None, None)):
    return MetricSpec(name, "mixture", lambda samples, ref: fn(ref, samples), higher, bounds)


def test_catches_wrong_direction_and_bounds(tmp_path):
    def metrics(register):
        register(_mixture_metric("backwards", Mixture.reverse_kl, True, (0, None)))
        register(_mixture_metric("too-tight", Mixture.modes_covered, True, (0, 10)))
        register(_mixture_metric("nan", lambda ref, s: float("nan"), True))

    kit = ConformanceKit(registry=_registry_with(register_metrics=metrics), work_dir=tmp_path)
    found = failures(kit.checks("badplugin"))
    assert "higher is better, but real data scores 0.0284" in found["metric:mixture/backwards"]
    assert "is 25 on real samples, outside its declared bounds (0, 10)" in found["metric:mixture/too-tight"]
    assert "is nan on real samples; metrics must be finite" in found["metric:mixture/nan"]


def test_ties_ok_lets_a_metric_tie_but_not_lose(tmp_path):
    def metrics(register):
        register(_mixture_metric("constant", lambda ref, s: 1.0, True))

    registry = _registry_with(register_metrics=metrics)
    with pytest.raises(ConformanceError, match="real data scores 1 and bad samples"):
        ConformanceKit(registry=registry, work_dir=tmp_path).check_metric("mixture", "constant")
    ConformanceKit(registry=registry, ties_ok=("constant",)).check_metric("mixture", "constant")


def test_no_direction_still_checks_bounds(tmp_path):
    def metrics(register):
        register(_mixture_metric("copies", Mixture.modes_covered, False, (0, 10)))

    registry = _registry_with(register_metrics=metrics)
    with pytest.raises(ConformanceError, match="is 25 on real samples, outside its declared bounds"):
        ConformanceKit(registry=registry, no_direction=("copies",)).check_metric("mixture", "copies")


def test_catches_shape_mismatch_and_unsafe_schema(tmp_path):
    def domains(register):
        register(NumpySchemaDomain())

    def datasets(register):
        register(DatasetSpec("ring", "badmix", _load_ring))

    def models(register):
        register(ModelSpec("mlp", "badmix", lambda schema, opts: ShapeShiftModel(
            *build_mlp(schema, {**opts, "pac": 1}).children(), 4),
            defaults={"latent_dim": 4, "hidden": 8, "layers": 1, "d_hidden": 8, "d_layers": 1}))

    kit = ConformanceKit(registry=_registry_with(register_domains=domains, register_datasets=datasets,
                                                 register_models=models), work_dir=tmp_path)
    found = failures(kit.checks("badplugin"))
    assert "does not survive a weights-only checkpoint" in found["dataset:badmix/ring"]
    assert "generator output shapes [(16, 3)] differ from real batch shapes [(16, 2)]" \
        in found["model:badmix/mlp"]


def test_catches_a_name_clash_and_a_missing_default(tmp_path):
    class Orphan(MixtureDomain):
        name = "orphan"
        default_dataset = "missing"

    def domains(register):
        register(Orphan())

    def datasets(register):
        register(DatasetSpec("ring-8", "mixture", _load_ring))  # the mixture plugin owns it

    registry = _registry_with(register_domains=domains, register_datasets=datasets)
    with pytest.raises(ConformanceError, match="dataset 'mixture/ring-8' registered by both "
                                               "genforge.mixture and badplugin"):
        ConformanceKit(registry=registry).check_names("badplugin")
    registry.clashes.clear()
    with pytest.raises(ConformanceError, match="default_dataset 'missing' is not registered"):
        ConformanceKit(registry=registry).check_names("badplugin")


def test_catches_sampling_that_ignores_the_seed(tmp_path):
    class GlobalRandomDomain(MixtureDomain):
        name = "noisy"
        default_dataset = "ring"
        default_model = "mlp"

        def decode(self, output, schema):
            return output.float() + torch.rand(len(output), 2)  # global RNG, not the engine's

    def domains(register):
        register(GlobalRandomDomain())

    def datasets(register):
        register(DatasetSpec("ring", "noisy", _load_ring, sample_options={"points": 500}))

    def models(register):
        register(ModelSpec("mlp", "noisy", build_mlp, defaults={
            "latent_dim": 4, "hidden": 8, "layers": 1, "d_hidden": 8, "d_layers": 1, "pac": 1}))

    kit = ConformanceKit(registry=_registry_with(register_domains=domains, register_datasets=datasets,
                                                 register_models=models), work_dir=tmp_path)
    assert kit.load("noisy").size == 500  # sample_options reached the loader
    with pytest.raises(ConformanceError, match="Run.sample twice with the same seed gave different samples"):
        kit.check_training("noisy", "mlp")
