import math
import re
import sys

import numpy as np
import pytest

from genforge.errors import UserInputError
from genforge_molecule.objectives import make_component, parse_objective
from genforge_molecule.objectives.desirability import Window
from genforge_molecule.objectives.scoring import ScoringFunction

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"
IBUPROFEN = "CC(C)Cc1ccc(cc1)C(C)C(=O)O"
OBJECTIVE = """max_calls = 5
aggregate = "geometric"

[[components]]
kind = "qed"
weight = 2

[[components]]
kind = "logp"
low = 1
high = 3
width = 1

[[components]]
kind = "smarts"
required = ["c1ccccc1"]
forbidden = ["[N+](=O)[O-]"]
"""


def test_window_is_one_inside_and_falls_linearly_outside():
    w = Window(1.0, 3.0, 1.0)
    assert w(np.array([2.0, 0.5, 3.5, -1.0, 4.0, math.nan])).tolist() == [1.0, 0.5, 0.5, 0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="impossible window"):
        Window(3.0, 1.0)


def test_objective_file_scores_components_and_combines_by_weighted_geometric_mean():
    objective = parse_objective(OBJECTIVE)
    scores = objective.score([ASPIRIN, "CCCC", "not a smiles", None, ASPIRIN])
    qed, logp, smarts = (scores.components[n][0] for n in ("qed", "logp", "smarts"))
    assert smarts == 1.0 and 0.5 < qed < 0.6 and logp == pytest.approx(1.0 - (1.0 - 1.31) * 0)  # logP 1.31
    assert scores.total[0] == pytest.approx(qed ** (2 / 4) * logp ** (1 / 4) * smarts ** (1 / 4))
    assert scores.components["smarts"][1] == 0.0 and scores.total[1] == 0.0  # no benzene ring
    assert scores.total[2] == 0.0 and scores.total[3] == 0.0  # invalid molecules score 0
    assert scores.total[4] == scores.total[0]
    assert objective.calls == 2  # distinct valid molecules only; the repeat came from the cache


def test_max_calls_bounds_the_molecules_scored():
    objective = parse_objective(OBJECTIVE)
    scores = objective.score(["C" * k for k in range(1, 9)])
    assert objective.calls == 5 and objective.exhausted
    assert np.isnan(scores.total[5:]).all() and not np.isnan(scores.total[:5]).any()


def test_arithmetic_mean_and_python_similarity_alerts_components(tmp_path, monkeypatch):
    (tmp_path / "my_scores.py").write_text("def half(smiles):\n    return [0.5 for _ in smiles]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    sim = make_component({"kind": "similarity", "queries": [ASPIRIN, "CCO"]})
    alerts = make_component({"kind": "alerts", "catalogs": ["PAINS", "BRENK"]})
    fn = make_component({"kind": "python", "function": "my_scores:half", "weight": 3})
    objective = ScoringFunction([sim, alerts, fn], aggregate="arithmetic")
    scores = objective.score([IBUPROFEN, ASPIRIN, "O=C1C=CC(=O)C=C1"])  # phenol ester, quinone: alerts
    assert scores.components["similarity"][1] == 1.0 and scores.components["similarity"][0] < 0.3
    assert scores.components["alerts"].tolist() == [1.0, 0.0, 0.0]
    assert scores.total[1] == pytest.approx((1.0 + 0.0 + 3 * 0.5) / 5)


@pytest.mark.parametrize("table, line, message", [
    ('[[components]]\nkind = "qedd"\n', 2, "unknown component kind 'qedd'"),
    ('[[components]]\nkind = "qed"\n\n[[components]]\nkind = "smarts"\nrequired = ["c1ccccc1"]\nforbidden = ["[Xx"]\n',
     7, re.escape("bad SMARTS '[Xx'")),
    ('[[components]]\nkind = "mw"\nlow = 500\nhigh = 200\n', 3, "impossible window: low 500 > high 200"),
    ('[[components]]\nkind = "qed"\nlow = 1.5\n', 3, "impossible window"),
    ('[[components]]\nkind = "tpsa"\n', 2, "needs a window"),
    ('[[components]]\nkind = "python"\nfunction = "no_such_module_xyz:f"\n', 3, "cannot be loaded"),
])
def test_objective_file_errors_name_the_line(table, line, message):
    with pytest.raises(UserInputError, match=rf"obj.toml line {line} .*{message}"):
        parse_objective(table, "obj.toml")


def test_objective_file_without_components_or_with_unknown_keys_is_refused():
    with pytest.raises(UserInputError, match="no \\[\\[components\\]\\] table"):
        parse_objective("max_calls = 3\n", "obj.toml")
    with pytest.raises(UserInputError, match="line 1: unknown key 'maxcalls'"):
        parse_objective('maxcalls = 3\n[[components]]\nkind = "qed"\n', "obj.toml")


def test_latent_optimizer_improves_within_its_call_budget():
    import torch
    from genforge_molecule.objectives.latent_optimizer import noise_space, optimize_latent

    def generate(z):  # a stand-in generator: noise -> a chain of 1 to 40 atoms, O at one end
        k = (z[:, 0] * 2 + 4).round().clamp(1, 40).int().tolist()
        j = (z[:, 1] * 3 + 10).round().clamp(0, 30).int().tolist()
        return ["C" * a + "O" + "C" * b for a, b in zip(k, j)]

    objective = parse_objective('[[components]]\nkind = "mw"\nlow = 440\nhigh = 460\nwidth = 300\n')
    first = objective.score(generate(torch.randn(200, 2, generator=torch.Generator().manual_seed(1)))).total.max()
    objective = parse_objective('[[components]]\nkind = "mw"\nlow = 440\nhigh = 460\nwidth = 300\n')
    result = optimize_latent(noise_space(lambda z: z, 2, generate), objective, budget=300, seed=0,
                             population=100, elites=20)
    assert result.calls <= 300 and objective.calls == result.calls
    assert result.scores[0] == 1.0 > first  # found a chain of 440-460 Da; random draws did not
    assert result.scores == sorted(result.scores, reverse=True) and len(set(result.smiles)) == len(result.smiles)


def test_code_space_search_stays_in_the_generators_range_and_reaches_far_codes():
    import torch
    from genforge_molecule.objectives.latent_optimizer import code_space, optimize_latent

    seen = []

    def decode(codes):  # a stand-in decoder: code in [-1, 1]^2 -> a chain of 1 to 41 atoms, O in it
        seen.append(codes)
        k = ((codes[:, 0] + 1) * 20 + 1).round().int().tolist()
        j = ((codes[:, 1] + 1) * 15).round().int().tolist()
        return ["C" * a + "O" + "C" * b for a, b in zip(k, j)]

    text = '[[components]]\nkind = "mw"\nlow = 840\nhigh = 860\nwidth = 400\n'
    space = code_space(lambda z: torch.tanh(z * 0.3), 2, decode)  # the generator's samples sit near 0
    first = parse_objective(text).score(decode(space.start(50, torch.Generator().manual_seed(0)))).total.max()
    objective = parse_objective(text)
    result = optimize_latent(space, objective, budget=400, seed=0, population=50, elites=20, sigma=0.2,
                             rank_bias=3.0)
    assert result.calls <= 400 and objective.calls == result.calls
    assert all(float(c.abs().max()) <= 1.0 for c in seen)  # mutation never leaves [-1, 1]
    assert result.scores[0] == 1.0 > first  # 840-860 Da: only codes far from the start write it
