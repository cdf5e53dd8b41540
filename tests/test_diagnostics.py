from genforge.engine.diagnostics import Diagnostics


def test_vanishing_gradients_are_flagged_once_with_remedies():
    diag = Diagnostics(window=10)
    messages = [diag.observe_step(1.0, 1.0, 1e-6) for _ in range(30)]
    flagged = [m for m in messages if m]
    assert len(flagged) == 1
    assert "vanishing generator gradients" in flagged[0] and "non-saturating" in flagged[0]


def test_healthy_training_is_not_flagged():
    diag = Diagnostics(window=10)
    assert not any(diag.observe_step(0.6, 0.55, 0.5) for _ in range(100))
    assert not any(diag.observe_diversity(v, 25.0) for v in (20, 24, 25, 23))


def test_mode_collapse_against_real_and_against_its_own_past():
    diag = Diagnostics()
    assert diag.observe_diversity(5.0, 25.0).startswith("possible mode collapse")
    diag = Diagnostics()
    assert diag.observe_diversity(20.0, None) is None
    assert diag.observe_diversity(19.0, None) is None
    message = diag.observe_diversity(6.0, None)
    assert message and "pac" in message


def test_collapse_is_reported_during_training(tiny_config):
    from genforge.training import train
    # a generator that cannot learn (zero learning rate) stays collapsed around its init
    result = train(tiny_config(steps=20, eval_every=10, lr_g=1e-12), None)
    assert any("mode collapse" in w for w in result.summary["warnings"])
