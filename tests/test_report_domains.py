"""Each bundled domain's report, from a tiny run: its plugin's sections are there and render in Chromium."""
from __future__ import annotations

import re

import pytest
import torch

from genforge.plugins import get_registry
from genforge.report import build_report
from genforge.report.browser import check_in_browser, find_chromium
from genforge.testing import ConformanceKit
from genforge.training import train

torch.set_num_threads(1)
SECTIONS = {
    "tabular": ["tabular-columns", "tabular-detection", "tabular-privacy", "tabular-augmentation"],
    "molecule": ["molecule-candidates", "molecule-properties", "molecule-breakdown"],
    "image": ["image-grid", "image-neighbours"],
    "text": ["text-samples", "text-statistics"],
}
STEPS = {"tabular": 20, "molecule": 10, "image": 10, "text": 10}


@pytest.mark.parametrize("domain", sorted(SECTIONS))
def test_domain_report_has_its_plugin_sections(domain, tmp_path):
    registry = get_registry()
    if domain not in registry.domains:
        pytest.skip(f"the {domain} plugin is not installed")
    kit = ConformanceKit(registry=registry, steps=STEPS[domain])
    config = kit.config(domain, registry.domains[domain].default_model, eval_samples=200, log_every=2)
    train(config, tmp_path / "run", registry=registry, report=lambda line: None)
    report = build_report(tmp_path / "run", tmp_path / "report.html", registry=registry)
    html = report.read_text(encoding="utf-8")
    sections = re.findall(r'data-section="([^"]+)"', html)
    assert sections == ["run", "training", "metrics", *SECTIONS[domain]], sections
    assert "failed:" not in html  # no section raised
    if find_chromium() is not None:
        found = check_in_browser(report)
        assert found["errors"] == [] and found["broken_images"] == []
        assert found["sections"] == sections and found["drawn_figures"] == found["figures"] > 0
