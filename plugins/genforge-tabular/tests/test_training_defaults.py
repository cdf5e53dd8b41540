"""What ``TabularGAN``'s opt-in "auto" settings choose: batch size, EMA decay; precision."""
import pytest
import torch

from genforge.errors import UserInputError
from genforge_tabular import TabularGAN
from genforge_tabular.columns import infer_columns
from genforge_tabular.metrics import TabularReference, quality


@pytest.mark.parametrize("rows, pac, batch", [(275, 5, 125), (1446, 5, 360), (1711, 5, 425), (50_000, 5, 500),
                                              (1446, 4, 360), (275, 10, 120)])
def test_auto_batch_is_a_quarter_of_the_table_between_128_and_500_rows(rows, pac, batch):
    assert TabularGAN(pac=pac, batch_size="auto")._batch_size(rows) == batch


def test_auto_ema_averages_about_the_last_sixth_of_training():
    auto = TabularGAN(ema_decay="auto")
    assert auto._ema_decay(1200) == pytest.approx(0.995)
    assert auto._ema_decay(600) == pytest.approx(0.99)
    assert auto._ema_decay(10) == 0.9 and auto._ema_decay(10**6) == 0.999
    assert TabularGAN(ema_decay=0.97)._ema_decay(1200) == 0.97
    config = TabularGAN(epochs=300, batch_size="auto", ema_decay="auto")._config(275)  # penguins' training split: 125-row batches
    assert config.batch_size == 125 and config.ema_decay == pytest.approx(1 - 6 / 660)
    with pytest.raises(UserInputError, match="ema_decay.*'slow'"):
        TabularGAN(ema_decay="slow")._config(275)


def test_bf16_training_reaches_the_quality_of_fp32(mixed_table):
    kinds = {i.name: i.kind for i in infer_columns(mixed_table, "t", ["label"])}
    ref = TabularReference(mixed_table, kinds, None, "label", 0)
    scores = {}
    for precision in ("fp32", "bf16"):
        gan = TabularGAN(steps=300, target="label", precision=precision, generator_dims=(64,), critic_dims=(64,),
                         latent_dim=16, pac=2, batch_size=64).fit(mixed_table)
        assert gan.config_.precision == precision
        assert all(p.dtype == torch.float32 for p in gan.model_.parameters())
        rows = gan.sample(400, seed=1)
        assert (gan.sample(50, conditions={"label": "rare"}, seed=2)["label"] == "rare").all()
        scores[precision] = quality(rows, ref)
    # 300 steps: 0.902 (fp32) and 0.907 (bf16); 30 steps: 0.68 for both
    assert min(scores.values()) > 0.87 and abs(scores["bf16"] - scores["fp32"]) < 0.03


def test_estimator_and_cli_default_to_auto_precision():
    from genforge.training import make_config

    assert TabularGAN()._config(1000).precision == "auto"
    assert make_config("tabular").precision == "auto"


def test_cli_and_estimator_train_on_the_same_rows():
    from genforge.training import make_config

    cli = make_config("tabular").dataset_options.get("holdout", 0.0)
    assert cli == TabularGAN()._dataset_options()["holdout"] == 0.0  # all the user's rows, both ways
