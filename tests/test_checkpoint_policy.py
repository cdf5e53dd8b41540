"""Checkpoints by default, runs that know their domain, nothing lost when an evaluation fails (issue 17)."""
import json

import pytest
import torch
from torch import nn

from genforge.domain import MetricSpec
from genforge.engine import checkpoint
from genforge.engine.ema import GeneratorEMA
from genforge.errors import CheckpointError
from genforge.plugins import build_registry
from genforge.runs import Run
from genforge.training import make_config, train


def _quiet(lines):
    return lines.append


def test_every_domain_checkpoints_every_five_minutes_by_default():
    registry = build_registry()
    for name in sorted(registry.domains):
        config = make_config(name, registry=registry)
        assert config.checkpoint_minutes == 5.0 and config.keep_checkpoints >= 2, name


def test_time_based_checkpoints_keep_the_last_few(tiny_config, tmp_path):
    train(tiny_config(steps=6, checkpoint_minutes=1e-9, keep_checkpoints=2), tmp_path / "run", report=_quiet([]))
    names = sorted(p.name for p in (tmp_path / "run" / "checkpoints").iterdir())
    assert names == ["step-00000005.pt", "step-00000006.pt"]
    state = checkpoint.load_safe(tmp_path / "run" / "checkpoints" / names[-1])
    assert state["domain"] == "mixture" and state["model_name"] == "mlp" and state["version"] == checkpoint.VERSION
    assert state["schema_fingerprint"] == checkpoint.fingerprint(state["schema"])


def test_resume_says_where_it_resumed_from_or_that_there_was_nothing(tiny_config, tmp_path):
    lines: list[str] = []
    train(tiny_config(steps=4), tmp_path / "empty", resume=True, report=lines.append)
    assert any(line.startswith("no checkpoint in") and "starting at step 0" in line for line in lines)
    lines.clear()
    train(tiny_config(steps=8), tmp_path / "empty", resume=True, report=lines.append)
    assert any("resumed from" in line and "step-00000004.pt at step 4" in line for line in lines)


def test_a_checkpoint_of_other_data_or_another_domain_is_skipped(tiny_config, tmp_path):
    train(tiny_config(steps=4), tmp_path / "ring", report=_quiet([]))
    train(tiny_config(steps=9, dataset="grid-25"), tmp_path / "grid", report=_quiet([]))
    foreign = checkpoint.load_safe(tmp_path / "grid" / "checkpoints" / "step-00000009.pt")
    torch.save(foreign, tmp_path / "ring" / "checkpoints" / "step-00000009.pt")  # other data, newer
    warnings: list[str] = []
    trainer = train(tiny_config(steps=4), tmp_path / "ring", resume=True, report=warnings.append).trainer
    assert trainer.step == 4  # fell back to the run's own checkpoint
    torch.save({**foreign, "domain": "tabular"}, tmp_path / "ring" / "checkpoints" / "step-00000009.pt")
    assert Run(tmp_path / "ring").step == 4  # `genforge sample` never uses another domain's weights
    only = tmp_path / "only" / "checkpoints"
    only.mkdir(parents=True)
    (tmp_path / "only" / "config.json").write_text((tmp_path / "ring" / "config.json").read_text())
    torch.save({**foreign, "domain": "tabular"}, only / "step-00000009.pt")
    with pytest.raises(CheckpointError, match="no usable checkpoint.*domain 'tabular', this run's is 'mixture'"):
        Run(tmp_path / "only")


def test_a_failing_metric_is_reported_by_name_and_the_model_is_kept(tiny_config, tmp_path):
    registry = build_registry(include_entry_points=False)

    def boom(samples, reference):
        raise ValueError("duplicate column 'a'")

    registry.metrics[("mixture", "boom")] = MetricSpec("boom", "mixture", boom, higher_is_better=True)
    result = train(tiny_config(steps=5), tmp_path / "run", registry=registry, report=_quiet([]))
    assert "modes" in result.summary["metrics"] and "boom" not in result.summary["metrics"]
    assert any("metric 'boom' failed and was left out: ValueError: duplicate column 'a'" in w
               for w in result.summary["warnings"])
    assert checkpoint.list_checkpoints(tmp_path / "run" / "checkpoints")[0][0] == 5


def test_ema_warm_up_is_the_bias_corrected_average():
    net = nn.Linear(1, 1, bias=False)
    ema = GeneratorEMA(net, decay=0.9)
    values = [1.0, 2.0, 4.0]
    for v in values:
        net.weight.data.fill_(v)
        ema.update(net)
    weights = [0.9 ** (len(values) - 1 - k) for k in range(len(values))]
    expected = sum(w * v for w, v in zip(weights, values)) / sum(weights)
    assert ema.module.weight.item() == pytest.approx(expected, rel=1e-6)
    assert GeneratorEMA(net, 0.9).current_decay() == 0.0  # the first update copies the weights
    long = GeneratorEMA(net, 0.9)
    long.updates = 1000
    assert long.current_decay() == pytest.approx(0.9)


def test_a_run_too_short_for_its_data_or_its_ema_is_flagged(tiny_config):
    summary = train(tiny_config(steps=3, ema_decay=0.999), None, report=_quiet([])).summary
    text = " ".join(summary["warnings"])
    assert "a short run: 3 steps of 64 see 192 items, less than one pass over the 2000" in text
    assert "a short run for ema_decay 0.999" in text


def test_the_pickle_refusal_never_advises_weights_only_false(tmp_path):
    path = tmp_path / "step-00000001.pt"
    torch.save({"format": checkpoint.FORMAT, "x": nn.Linear(1, 1)}, path)
    with pytest.raises(CheckpointError, match="refused") as err:
        checkpoint.load_safe(path)
    assert "weights_only" not in str(err.value) and "False" not in str(err.value)


def test_metrics_log_has_each_step_once_after_a_resume(tiny_config, tmp_path):
    run = tmp_path / "run"
    train(tiny_config(steps=10, log_every=1, checkpoint_every=5), run, report=_quiet([]))
    (run / "checkpoints" / "step-00000010.pt").unlink()  # as if killed between steps 5 and 10
    train(tiny_config(steps=10, log_every=1, checkpoint_every=5), run, resume=True, report=_quiet([]))
    steps = [r["step"] for r in map(json.loads, (run / "metrics.jsonl").read_text().splitlines()) if "loss_d" in r]
    assert steps == list(range(1, 11))
