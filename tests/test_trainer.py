import pytest
import torch
from torch import nn

from genforge import Batch, GANModel, TensorTrainingData, TrainConfig, TrainingDiverged
from genforge.domain import LossSpec
from genforge.engine import losses
from genforge.engine.trainer import Trainer
from genforge.training import train

NS = LossSpec("non-saturating", losses.bce_discriminator, losses.non_saturating_generator)
WGAN = LossSpec("wgan-gp", losses.wasserstein_discriminator, losses.wasserstein_generator, 10.0)


def weights(model):
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def test_same_seed_gives_bit_identical_weights_and_samples(tiny_config):
    a = train(tiny_config(seed=3), None)
    b = train(tiny_config(seed=3), None)
    c = train(tiny_config(seed=4), None)
    assert torch.equal(weights(a.trainer.model), weights(b.trainer.model))
    assert not torch.equal(weights(a.trainer.model), weights(c.trainer.model))
    assert torch.equal(a.trainer.sample(100, seed=1), b.trainer.sample(100, seed=1))


@pytest.mark.parametrize("overrides", [
    {},
    {"loss": "wgan-gp", "n_critic": 2, "pac": 4, "ema_decay": 0.9},
    {"loss": "hinge", "r1_weight": 1.0},
    {"loss": "wgan-gp", "n_critic": 2, "reuse_fake": True},
])
def test_resume_gives_the_same_weights_as_straight_training(tiny_config, tmp_path, overrides):
    straight = train(tiny_config(steps=40, **overrides), tmp_path / "straight")
    train(tiny_config(steps=20, **overrides), tmp_path / "split")
    resumed = train(tiny_config(steps=40, **overrides), tmp_path / "split", resume=True)
    assert resumed.trainer.step == 40
    assert torch.equal(weights(straight.trainer.model), weights(resumed.trainer.model))
    if straight.trainer.ema is not None:
        assert torch.equal(weights(straight.trainer.ema.module), weights(resumed.trainer.ema.module))


def test_every_loss_trains_and_logs_diagnostics(tiny_config):
    for loss in ("minimax", "non-saturating", "least-squares", "wgan-gp", "hinge"):
        result = train(tiny_config(loss=loss, steps=10, log_every=1), None)
        logs = result.trainer.logs
        assert {"loss_d", "loss_g", "d_real_acc", "d_fake_acc", "grad_norm_g", "grad_norm_d"} <= set(logs)
        assert 0.0 <= logs["d_real_acc"] <= 1.0 and logs["grad_norm_g"] > 0
        assert ("penalty" in logs) == (loss == "wgan-gp")


def test_lazy_regularization_applies_scaled_penalties_on_every_kth_critic_update(tiny_config, monkeypatch):
    from genforge.engine import trainer as trainer_module

    calls = []
    real_gp = trainer_module.wgan_gradient_penalty
    monkeypatch.setattr(trainer_module, "wgan_gradient_penalty",
                        lambda out, x: calls.append(1) or real_gp(out, x))
    result = train(tiny_config(loss="wgan-gp", steps=9, n_critic=2, penalty_every=3, log_every=1), None)
    assert len(calls) == 6  # 18 critic updates, every third regularized
    logs = result.trainer.logs  # step 9's last update (#18) is not regularized; #16 was
    assert "penalty" not in logs
    eager = train(tiny_config(loss="wgan-gp", steps=9, n_critic=2, log_every=1), None)
    assert len(calls) == 6 + 18
    assert not torch.equal(weights(result.trainer.model), weights(eager.trainer.model))


class Conditional(nn.Module):
    def __init__(self, out_dim, classes):
        super().__init__()
        self.embed = nn.Embedding(classes, 4)
        self.net = nn.Linear(4 + 4, out_dim)

    def forward(self, x, c):
        return self.net(torch.cat([x, self.embed(c)], 1)).squeeze(-1)


class RecordingModel(GANModel):
    """A conditional model that records what the engine hands its hooks."""

    def __init__(self):
        super().__init__(Conditional(4, 3), Conditional(1, 3), latent_dim=4)
        self.aux = nn.Linear(4, 1)
        self.aux_opt = torch.optim.SGD(self.aux.parameters(), lr=0.1)
        self.seen = {"extra": 0, "aux": 0, "temperatures": []}

    def generate_with_extras(self, z, condition=None):
        fake = self.generate(z, condition)
        return fake, {"fake": fake}  # what G computed beside its samples, handed on unchanged

    def generator_extra_loss(self, fake, batch, extras):
        self.seen["extra"] += 1
        assert batch.condition is not None and batch.real is None
        assert extras["fake"] is fake  # the extras of this very fake batch, not of another pass
        return 0.1 * fake.pow(2).mean()

    def auxiliary_optimizers(self):
        return {"aux": self.aux_opt}

    def auxiliary_step(self, real, fake, step):
        self.seen["aux"] += 1
        loss = (self.aux(real.real) - 1).pow(2).mean()
        self.aux_opt.zero_grad()
        loss.backward()
        self.aux_opt.step()
        return {"aux_loss": loss.item()}

    def set_temperature(self, tau):
        super().set_temperature(tau)
        self.seen["temperatures"].append(tau)


def test_conditions_extra_loss_auxiliary_network_and_temperature_schedule():
    torch.manual_seed(0)
    data = TensorTrainingData(torch.randn(200, 4), torch.randint(0, 3, (200,)), num_classes=3)
    model = RecordingModel()
    config = TrainConfig(steps=12, batch_size=16, temperature_start=1.0, temperature_end=0.1, log_every=1)
    trainer = Trainer(model, data, config, loss=NS)
    before = model.aux.weight.detach().clone()
    trainer.fit()
    assert model.seen["extra"] == 12 and model.seen["aux"] == 12
    taus = model.seen["temperatures"]
    assert taus[0] < 1.0 and taus[-1] == pytest.approx(0.1) and taus == sorted(taus, reverse=True)
    assert not torch.equal(before, model.aux.weight)
    assert "aux_loss" in trainer.logs and "loss_g_extra" in trainer.logs


def test_reuse_fake_saves_a_generator_forward_and_trains_g_on_the_critic_batch_conditions():
    torch.manual_seed(0)
    data = TensorTrainingData(torch.randn(200, 4), torch.randint(0, 3, (200,)), num_classes=3)
    original_batch, drawn = data.batch, []
    data.batch = lambda n, rng: drawn.append(original_batch(n, rng)) or drawn[-1]
    calls, seen = [], []
    for reuse in (False, True):
        model = RecordingModel()
        model.generator.register_forward_hook(lambda m, args, out: calls.append(reuse))
        extra = model.generator_extra_loss
        model.generator_extra_loss = lambda fake, batch, extras: seen.append((fake.requires_grad, batch.condition)) \
            or extra(fake, batch, extras)
        before = weights(model.generator)
        Trainer(model, data, TrainConfig(steps=5, batch_size=16, n_critic=2, reuse_fake=reuse), loss=NS).fit()
        assert not torch.equal(before, weights(model.generator))
    # without reuse the G step draws its own conditions (a third batch per step); with reuse it
    # sees those of its step's last critic batch
    assert len(drawn) == 15 + 10
    assert all(torch.equal(c, b.condition) for (_, c), b in zip(seen[:5], drawn[:15][2::3]))
    assert all(torch.equal(c, b.condition) for (_, c), b in zip(seen[5:], drawn[15:][1::2]))
    assert calls.count(False) == 15 and calls.count(True) == 10  # 3 vs 2 generator passes per step
    assert all(requires_grad for requires_grad, _ in seen)


def test_nan_loss_stops_the_step_and_keeps_the_last_checkpoint(tiny_config, tmp_path):
    result = train(tiny_config(steps=20, checkpoint_every=10), tmp_path / "run")
    ckpt = tmp_path / "run" / "checkpoints" / "step-00000020.pt"
    before = ckpt.read_bytes()
    trainer = result.trainer
    w_before = weights(trainer.model)
    trainer.data.data[:] = float("nan")
    with pytest.raises(TrainingDiverged) as err:
        trainer.fit(steps=30)
    assert err.value.step == 21 and "discriminator" in str(err.value)
    assert torch.equal(w_before, weights(trainer.model))
    assert ckpt.read_bytes() == before


def test_early_stopping_on_a_metric(tiny_config):
    result = train(tiny_config(steps=400, eval_every=10, early_stop_metric="reverse_kl",
                               early_stop_patience=1, lr_g=1e-9, lr_d=1e-9), None)
    assert result.summary["stopped_early"]
    assert result.trainer.step < 400


def test_epochs_set_the_number_of_steps(tiny_config):
    result = train(tiny_config(steps=None, epochs=0.5), None)
    assert result.trainer.step == 16  # ceil(0.5 * 2000 / 64)


def test_the_generator_step_computes_no_critic_gradients():
    torch.manual_seed(0)
    data = TensorTrainingData(torch.randn(200, 4), torch.randint(0, 3, (200,)), num_classes=3)
    model = RecordingModel()
    trainer = Trainer(model, data, TrainConfig(steps=3, batch_size=16), loss=NS)
    after_d_step = []
    step_d = trainer.opt_d.step
    trainer.opt_d.step = lambda: after_d_step.append([p.grad.clone() for p in model.discriminator.parameters()]) \
        or step_d()
    before = weights(model.generator)
    trainer.fit()
    assert not torch.equal(before, weights(model.generator))  # G was trained through D ...
    final = [p.grad for p in model.discriminator.parameters()]  # ... without adding to D's gradients
    assert all(torch.equal(a, b) for a, b in zip(after_d_step[-1], final))
    assert all(p.requires_grad for p in model.discriminator.parameters())


def test_the_domain_finishes_training_once_with_the_sampling_generator(tiny_config):
    seen = []
    result = train(tiny_config(steps=10, ema_decay=0.9), None)
    trainer = result.trainer
    trainer.domain.finish_training = lambda model, data, device: seen.append((model.generator, data, device))
    live = trainer.model.generator
    trainer.fit(steps=15)
    assert len(seen) == 1 and seen[0][0] is trainer.ema.module and seen[0][1] is trainer.data
    assert trainer.model.generator is live and trainer.step == 15
