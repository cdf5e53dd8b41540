"""Differentially private training (issue 23): the accountant, DP really on, the paired per-sample
gradient, bad input, cost."""
import time

import numpy as np
import pandas as pd
import pytest
import torch
from torch.nn.functional import softplus

from genforge.engine.trainer import Trainer
from genforge.errors import UserInputError
from genforge.plugins import get_registry
from genforge.training import build_model, make_config, train
from genforge_tabular.columns import infer_columns
from genforge_tabular.domain import TabularDomain
from genforge_tabular.privacy import PRIVATE_TRAINING_CONFIG
from genforge_tabular.privacy.budget import sgd_epsilon
from genforge_tabular.privacy.marginals import domains_of
from genforge_tabular.schema import TableSchema

pytest.importorskip("opacus")  # the `privacy` extra (in [test])

SMALL = {"generator_dims": [32], "critic_dims": [32], "latent_dim": 8, "pac": 1, "classifier_weight": 0.0}


def private_config(table: pd.DataFrame, steps: int = 30, privacy: dict | None = None, **overrides):
    kinds = {i.name: i.kind for i in infer_columns(table, "t")}
    privacy = {"epsilon": 3.0, "delta": 1e-5, "public": domains_of(table, kinds), "mechanism": "dpsgd",
               **(privacy or {})}
    engine = dict(PRIVATE_TRAINING_CONFIG)
    values = {**engine, "model": "ctgan-residual", "steps": steps, "batch_size": 128, "eval_samples": 200, "ema_decay": 0.0,
              "model_options": dict(SMALL), "dataset_options": {"target": "label", "holdout": 0.2,
                                                                 "privacy": privacy}, **overrides}
    return make_config("tabular", values)


def prepare(table, config):
    return TabularDomain().prepare(table, dict(config.dataset_options), config.seed)


@pytest.fixture(scope="module")
def private_run(mixed_table):
    config = private_config(mixed_table)
    data = prepare(mixed_table, config)
    return train(config, data=data, report=lambda *_: None)


def test_accountant_matches_opacus_own_for_the_same_noise_rate_and_steps():
    from opacus.accountants import RDPAccountant

    acc = RDPAccountant()
    for _ in range(300):
        acc.step(noise_multiplier=1.1, sample_rate=0.05)
    assert sgd_epsilon(1.1, 0.05, 300, 1e-6) == pytest.approx(acc.get_epsilon(1e-6), rel=1e-9)
    assert sgd_epsilon(1.1, 0.05, 600, 1e-6) > sgd_epsilon(1.1, 0.05, 300, 1e-6)
    # and inverts Opacus's calibration: the noise get_noise_multiplier picks for epsilon 3 spends <= 3
    from opacus.accountants.utils import get_noise_multiplier
    sigma = get_noise_multiplier(target_epsilon=3.0, target_delta=1e-6, sample_rate=0.05, steps=300)
    assert 2.95 <= sgd_epsilon(sigma, 0.05, 300, 1e-6) <= 3.0


def test_a_private_run_uses_dp_sgd_and_spends_at_most_the_budget(private_run):
    from opacus.optimizers import DPOptimizer

    trainer, ledger = private_run.trainer, private_run.data.schema.privacy
    assert isinstance(trainer.opt_d, DPOptimizer)
    assert trainer.opt_d.noise_multiplier > 0.5 and trainer.opt_d.max_grad_norm == 1.0
    assert ledger.sgd["steps"] == trainer.step == 30
    assert 0 < ledger.sgd["sample_rate"] < 128 / 320  # Poisson rate leaves room in the physical batch
    spent = ledger.spent_epsilon()
    assert 2.5 < spent <= 3.0 and ledger.spent_delta() <= 1e-5 * (1 + 1e-9)
    # the critic's epsilon is Opacus's for its (noise, rate, steps)
    assert ledger.sgd_epsilon() == pytest.approx(
        sgd_epsilon(trainer.opt_d.noise_multiplier, ledger.sgd["sample_rate"], 30, ledger.sgd["delta"]))
    assert private_run.summary["privacy"]["spent_epsilon"] == pytest.approx(spent)


def test_per_sample_gradients_are_clipped_and_padding_rows_contribute_nothing(private_run):
    trainer, data = private_run.trainer, private_run.data
    model, opt = trainer.model, trainer.opt_d
    batch = data.batch(128, torch.Generator().manual_seed(1))
    k = int(batch.condition[:, -1].sum())
    assert 0 < k < 128
    z = model.noise(128, torch.Generator().manual_seed(2))
    with torch.no_grad():
        fake = model.generate(z, batch.condition)
    opt.zero_grad(set_to_none=True)  # the engine's joint [real; fake] pass: one per-sample gradient per row
    out = model.discriminate(torch.cat([batch.real, fake]), torch.cat([batch.condition] * 2)).reshape(2, -1)
    loss = trainer.loss.discriminator(out[0], out[1])
    loss.backward()
    samples = [p.grad_sample.reshape(128, -1) for p in model.discriminator.parameters()]
    norms = torch.cat(samples, 1).norm(dim=1)
    assert norms[k:].max() == 0  # padding rows (and their fake partners): exactly zero
    assert norms[:k].max() > opt.max_grad_norm  # so clipping has work to do
    opt.clip_and_accumulate()
    summed = torch.cat([p.summed_grad.reshape(-1) for p in model.discriminator.parameters()]).norm()
    assert summed <= k * opt.max_grad_norm * (1 + 1e-5)
    opt.zero_grad(set_to_none=True)


def test_no_figure_computed_on_real_rows_is_logged(private_run):
    """The critic's loss, its accuracy on real rows and the penalty are not covered by epsilon."""
    logs = private_run.trainer.logs
    assert "loss_g" in logs and "d_fake_acc" in logs
    assert not {"loss_d", "d_real_acc", "penalty"} & set(logs)


def test_the_ledger_is_saved_with_the_model(private_run):
    schema = private_run.data.schema
    loaded = TableSchema.from_state(schema.to_state())
    assert loaded.privacy.spent_epsilon() == pytest.approx(schema.privacy.spent_epsilon())
    assert loaded.privacy.sgd["steps"] == 30
    assert "critic DP-SGD" in "\n".join(loaded.privacy.lines())


@pytest.mark.parametrize("privacy, message", [
    ({"epsilon": 0}, "epsilon must be a positive"),
    ({"epsilon": -1}, "epsilon must be a positive"),
    ({"delta": 0.01}, "not below 1/n"),
    ({"epsilon": 3, "color": 1}, "unknown key 'color'"),
])
def test_bad_privacy_requests_are_clear_errors(mixed_table, privacy, message):
    with pytest.raises(UserInputError, match=message):
        prepare(mixed_table, private_config(mixed_table, privacy=privacy))


def test_an_option_that_would_leak_is_refused_before_training(mixed_table):
    config = private_config(mixed_table)
    with pytest.raises(UserInputError, match="calibrate=True uses the real rows"):
        TabularDomain().prepare(mixed_table, {**config.dataset_options, "calibrate": True}, 0)
    data = prepare(mixed_table, config)
    for bad in ({"loss": "wgan-gp"}, {"reuse_fake": True}, {"early_stop_metric": "quality"}):
        with pytest.raises(UserInputError, match="do not work with differentially private"):
            train(private_config(mixed_table, **bad), data=data, report=lambda *_: None)
    with pytest.raises(UserInputError, match="classifier_weight=0.7"):
        build_model(private_config(mixed_table, model_options={**SMALL, "classifier_weight": 0.7}), data.schema,
                    get_registry())


def test_a_budget_too_small_to_train_is_refused(mixed_table):
    config = private_config(mixed_table, steps=5000, privacy={"epsilon": 0.05})
    with pytest.raises(UserInputError, match="too small to train|no noise level"):
        train(config, data=prepare(mixed_table, config), report=lambda *_: None)


def test_column_statistics_without_public_domains_are_private(mixed_table):
    big = pd.concat([mixed_table] * 10, ignore_index=True)  # 4,000 rows: the stability threshold passes
    config = private_config(big, privacy={"public": {}, "epsilon": 8.0})
    data = prepare(big, config)
    x = next(e for e in data.schema.transformer.encoders if e.state["name"] == "x")
    assert -16 <= x.state["lo"] and x.state["hi"] <= 16  # the private range, to a power of two
    colours = next(e for e in data.schema.transformer.encoders if e.state["name"] == "colour")
    assert set(colours.categories) == {"red", "blue", "green"}
    assert data.schema.privacy.parts["column statistics"]["epsilon"] == pytest.approx(0.8)


def test_private_training_costs_at_most_three_times_non_private(mixed_table):
    def seconds(private: bool) -> float:
        config = private_config(mixed_table, steps=60)
        if not private:
            options = {k: v for k, v in config.dataset_options.items() if k != "privacy"}
            config = make_config("tabular", {**config.to_dict(), "dataset_options": options,
                                             "model_options": dict(SMALL)})
        data = prepare(mixed_table, config)
        trainer = Trainer(build_model(config, data.schema, get_registry()), data, config,
                          loss=get_registry().loss(config.loss))
        start = time.perf_counter()
        trainer.fit()
        return time.perf_counter() - start
    seconds(True)  # warm-up (imports)
    ratio = min(seconds(True) for _ in range(2)) / min(seconds(False) for _ in range(2))
    print(f"DP / non-private training time: {ratio:.2f}x")
    assert ratio <= 3.0


def test_the_request_reads_as_a_cli_string_with_public_domains_from_a_json_file(tmp_path):
    from genforge_tabular.privacy.budget import PrivacySpec

    (tmp_path / "domains.json").write_text('{"age": [18, 90], "colour": ["red", "blue"]}')
    spec = PrivacySpec.parse(f"epsilon=3,delta=1e-6,public={tmp_path / 'domains.json'}")
    assert (spec.epsilon, spec.delta, spec.public["age"]) == (3.0, 1e-6, [18, 90])
    with pytest.raises(UserInputError, match="not a readable JSON file"):
        PrivacySpec.parse("epsilon=3,public=missing.json")


def test_a_rows_per_sample_gradient_is_its_real_plus_its_fake_part(mixed_table):
    """Opacus's per-sample gradient of row i, from the engine's joint [real; fake] pass, equals
    plain autograd's gradient of row i's own loss (its real and its fake term)."""
    config = private_config(mixed_table, steps=1, model_options={**SMALL, "dropout": 0.0})  # same net twice
    run = train(config, data=prepare(mixed_table, config), report=lambda *_: None)
    model, data = run.trainer.model, run.data
    batch = data.batch(128, torch.Generator().manual_seed(3))
    with torch.no_grad():
        fake = model.generate(model.noise(128, torch.Generator().manual_seed(4)), batch.condition)
    params = list(model.discriminator.parameters())
    for p in params:
        p.grad_sample = None
    out = model.discriminate(torch.cat([batch.real, fake]), torch.cat([batch.condition] * 2)).reshape(2, -1)
    (softplus(-out[0]) + softplus(out[1])).mean().backward()
    per_sample = [p.grad_sample[0].clone() for p in params]
    for p in params:
        p.grad, p.grad_sample = None, None
    model._grad_sample_hooks.disable_hooks()
    model._grad_sample_hooks, hooks = None, model._grad_sample_hooks  # the plain path: no pairing
    try:
        row = slice(0, 1)
        loss = softplus(-model.discriminate(batch.real[row], batch.condition[row])) \
            + softplus(model.discriminate(fake[row], batch.condition[row]))
        grads = torch.autograd.grad(loss.sum(), params)
    finally:
        model._grad_sample_hooks = hooks
    assert batch.condition[0, -1] == 1  # row 0 is a sampled (not padding) row
    for got, want in zip(per_sample, grads):
        assert torch.allclose(got, want, atol=1e-6), (got - want).abs().max()


def test_the_private_critic_reads_the_row_without_its_condition_unless_asked(mixed_table):
    def first_layer(privacy):
        config = private_config(mixed_table, privacy=privacy)
        data = prepare(mixed_table, config)
        net = build_model(config, data.schema, get_registry()).discriminator.net
        return net[0].in_features, data.schema.transformer.width, data.schema.cond_dim
    inputs, width, cond_dim = first_layer({})
    assert cond_dim > 0 and inputs == width
    assert first_layer({"critic_condition": "true"})[0] == width + cond_dim
    with pytest.raises(UserInputError, match="critic_condition='maybe'"):
        first_layer({"critic_condition": "maybe"})


def test_private_calibration_maps_to_the_dp_marginals_and_spends_only_their_share(mixed_table):
    from genforge_tabular.encoders import FIT_ROWS, ContinuousEncoder
    from genforge_tabular.encoders.continuous import CALIBRATION_LEVELS
    from genforge_tabular.privacy.marginals import private_proxy

    plain = prepare(mixed_table, private_config(mixed_table))
    calibrated = prepare(mixed_table, private_config(mixed_table, privacy={"calibrate": "true"}))
    assert not plain.schema.transformer.calibrated_columns()
    numeric = calibrated.schema.transformer.calibrated_columns()
    assert numeric
    ledger = calibrated.schema.privacy
    assert ledger.parts["column statistics"]["epsilon"] == pytest.approx(0.1 * 3.0)  # the stated share, no more
    assert ledger.spent_epsilon() == pytest.approx(plain.schema.privacy.spent_epsilon())
    # the quantiles are the DP proxy's (post-processing), not the real training rows'
    train_rows, public = calibrated.reference.real, private_config(mixed_table).dataset_options["privacy"]["public"]
    proxy, _, _ = private_proxy(train_rows, calibrated.schema.infos, public, 0.3, ledger.delta * 0.1,
                                max(FIT_ROWS, len(train_rows)), 0)
    enc = next(e for e, *_ in numeric if isinstance(e, ContinuousEncoder))
    column = enc.state["name"]
    assert enc.state["quantiles"] == pytest.approx(np.quantile(proxy[column].dropna().astype(float), CALIBRATION_LEVELS))
    assert enc.state["quantiles"] != pytest.approx(np.quantile(train_rows[column].dropna().astype(float),
                                                               CALIBRATION_LEVELS), rel=1e-3)
    with pytest.raises(UserInputError, match="calibrate='maybe'"):
        prepare(mixed_table, private_config(mixed_table, privacy={"calibrate": "maybe"}))


def test_the_dp_target_classifier_is_clipped_noised_and_charged_once_per_batch_with_the_critic(mixed_table):
    from opacus.optimizers import DPOptimizer

    config = private_config(mixed_table, steps=6, privacy={"classifier": "true"})
    data = prepare(mixed_table, config)
    run = train(config, data=data, report=lambda *_: None)
    model, ledger, opt_d = run.trainer.model, data.schema.privacy, run.trainer.opt_d
    assert model.classifier is not None and model.classifier_weight > 0
    opt_c = model.classifier_optimizer
    assert isinstance(opt_c, DPOptimizer) and opt_c.max_grad_norm == opt_d.max_grad_norm
    # each network at sigma * sqrt(2): together one Gaussian mechanism of sigma, which the accountant charges
    sigma = ledger.sgd["noise_multiplier"]
    assert opt_c.noise_multiplier == pytest.approx(sigma * 2 ** 0.5) == opt_d.noise_multiplier
    assert ledger.sgd_epsilon() == pytest.approx(sgd_epsilon(sigma, ledger.sgd["sample_rate"], 6, ledger.sgd["delta"]))
    assert 2.5 < ledger.spent_epsilon() <= 3.0
    assert "target classifier DP-SGD" in "\n".join(ledger.lines())
    # padding rows of the classifier's Poisson batch contribute exactly zero per-sample gradient
    batch = data.batch(128, torch.Generator().manual_seed(3))
    k = int(batch.condition[:, -1].sum())
    before = [p.detach().clone() for p in model.classifier.parameters()]
    model.train()
    model._classifier_hooks.enable_hooks()
    opt_c.step = lambda *a, **kw: None  # keep the per-sample gradients to look at them
    model.auxiliary_step(batch, None, 1)
    norms = torch.cat([p.grad_sample.reshape(128, -1) for p in model.classifier.parameters()], 1).norm(dim=1)
    assert norms[k:].max() == 0 and norms[:k].max() > 0
    assert all(torch.equal(a, b) for a, b in zip(before, model.classifier.parameters()))
    # without the key the private model has no classifier at all
    plain = private_config(mixed_table)
    assert build_model(plain, prepare(mixed_table, plain).schema, get_registry()).classifier is None


def test_the_marginal_loss_pulls_generated_frequencies_to_the_dp_statistics_at_no_extra_budget(mixed_table):
    config = private_config(mixed_table, privacy={"marginal_weight": 2.0})
    data = prepare(mixed_table, config)
    model = build_model(config, data.schema, get_registry())
    spans = [(a, b) for a, b, act in data.schema.transformer.spans() if act == "softmax"]
    target = data.proxy_means
    for a, b in spans:  # every generated block's target: the DP proxy's frequencies
        assert target[a:b].sum().item() == pytest.approx(1.0, abs=1e-5)
    transformer, start = data.schema.transformer, 0
    for i, encoder in enumerate(transformer.encoders):  # colour's block is its DP histogram
        if encoder.state["name"] == "colour":
            counts = torch.tensor(data.schema.slot_counts[transformer.discrete.index(i)], dtype=torch.float)
            assert torch.allclose(target[start:start + encoder.width], counts / counts.sum(), atol=1e-6)
        start += encoder.width
    batch = data.conditions(64, torch.Generator().manual_seed(0))
    fake, extras = model.generate_with_extras(model.noise(64, torch.Generator().manual_seed(1)), batch.condition)
    with_marginals = model.generator_extra_loss(fake, batch, extras)
    slots, goal = model._marginal_slots, model._marginal_target
    model._marginal_target = None
    without = model.generator_extra_loss(fake, batch, extras)
    freq = extras["log_probs"][:, slots].exp().mean(0)
    assert (with_marginals - without).item() == pytest.approx(2.0 * (goal * (goal / freq).log()).sum().item(), rel=1e-4)
    assert (with_marginals - without).item() > 0
    # post-processing of the column statistics: the ledger's parts are those of a run without the loss
    assert set(data.schema.privacy.parts) == {"column statistics"}
    with pytest.raises(UserInputError, match="marginal_weight must be >= 0"):
        prepare(mixed_table, private_config(mixed_table, privacy={"marginal_weight": -1}))


def test_tstr_scores_a_synthetic_table_whose_target_has_missing_values(mixed_table):
    """The DP histograms can give a column a missing slot the real one lacks (noise over 1/epsilon):
    a synthetic target with missing values is scored (missing as its own level), not a crash."""
    from genforge_tabular import metrics

    kinds = {i.name: i.kind for i in infer_columns(mixed_table, "t")}
    ref = metrics.TabularReference(mixed_table.iloc[:300], kinds, mixed_table.iloc[300:], "label", 0)
    synth = mixed_table.iloc[:300].copy()
    synth.loc[synth.index[:20], "label"] = np.nan
    score = metrics.tstr_macro_f1(synth, ref)
    assert 0.0 < score <= 1.0
