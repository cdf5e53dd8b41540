import pytest
import torch

from genforge import TrainConfig, UserInputError
from genforge.engine import trainer as trainer_module
from genforge.engine.precision import bf16_is_native, resolve_precision
from genforge.training import train


def test_precision_is_checked_and_auto_follows_the_hardware():
    with pytest.raises(UserInputError, match="precision.*fp32, bf16, auto.*'fp16'"):
        TrainConfig(precision="fp16")
    cpu = torch.device("cpu")
    assert resolve_precision("fp32", cpu) == "fp32" and resolve_precision("bf16", cpu) == "bf16"
    assert resolve_precision("auto", cpu) == ("bf16" if bf16_is_native(cpu) else "fp32")
    assert resolve_precision("auto", torch.device("meta")) == "fp32"


def _train_recording_dtypes(config, monkeypatch):
    """Train; return the result and the dtypes the first linear layer of G and D computed in."""
    seen: list[torch.dtype] = []
    original = trainer_module.Trainer.__init__

    def init(self, model, *args, **kwargs):
        for net in (model.generator, model.discriminator):
            first = next(m for m in net.modules() if isinstance(m, torch.nn.Linear))
            first.register_forward_hook(lambda m, a, out: seen.append(out.dtype) if torch.is_grad_enabled() else None)
        original(self, model, *args, **kwargs)

    monkeypatch.setattr(trainer_module.Trainer, "__init__", init)
    return train(config, None), set(seen)


@pytest.mark.parametrize("precision, dtype", [("fp32", torch.float32), ("bf16", torch.bfloat16)])
def test_bf16_runs_forward_passes_in_bf16_with_fp32_weights(tiny_config, monkeypatch, precision, dtype):
    config = tiny_config(loss="wgan-gp", steps=20, precision=precision, ema_decay=0.9)
    result, dtypes = _train_recording_dtypes(config, monkeypatch)
    assert dtypes == {dtype}
    trainer = result.trainer
    assert all(p.dtype == torch.float32 for p in trainer.model.parameters())
    assert all(p.dtype == torch.float32 for p in trainer.ema.module.parameters())
    samples = trainer.sample(200, seed=1)
    assert samples.dtype == torch.float32 and torch.isfinite(samples).all()

