"""Level combinations real rows never show (``level_combinations.py``): found on a planted
role/department table, the determined column redrawn, never the target; no rule for independent
columns; no sampled row in an empty cell, also after a reload."""
import numpy as np
import pandas as pd
import pytest

from genforge_tabular import TabularGAN
from genforge_tabular.level_combinations import LevelCombinations, find_combinations

DEPARTMENT = {"seller": "sales", "account": "sales", "chemist": "research", "lab": "research",
              "recruiter": "people"}


@pytest.fixture(scope="module")
def staff() -> pd.DataFrame:
    """Roles in one department each (managers anywhere); a site and a target independent of them."""
    rng = np.random.default_rng(0)
    n = 1500
    role = rng.choice(list(DEPARTMENT) + ["manager"], n, p=[0.25, 0.15, 0.2, 0.15, 0.1, 0.15])
    department = np.array([DEPARTMENT.get(r) or rng.choice(["sales", "research", "people"]) for r in role])
    return pd.DataFrame({"role": role, "department": department, "site": rng.choice(["a", "b", "c"], n),
                         "left": rng.choice(["yes", "no"], n, p=[0.2, 0.8]), "pay": rng.gamma(3.0, 1000.0, n)})


def _forbidden(rows: pd.DataFrame) -> int:
    return int(sum(((rows.role == r) & (rows.department != d)).sum() for r, d in DEPARTMENT.items()))


def test_finds_the_determined_column_and_nothing_for_independent_ones(staff):
    rules = find_combinations(staff, ["role", "department", "site", "left"], target="left")
    assert len(rules) == 1
    rule = rules[0]
    assert (rule.child, rule.parents) == ("department", ["role"])  # the role determines the department
    assert sorted(rule.state["forbidden"]["seller"]) == ["people", "research"] and "manager" not in rule.state["forbidden"]
    assert rule.state["draws"]["chemist"][0] == ["research"]
    assert "column 'department' never takes 10 of its levels with some levels of 'role'" in rule.describe()
    as_target = find_combinations(staff, ["role", "department"], target="department")
    assert [(r.child, r.parents) for r in as_target] == [("role", ["department"])]  # the target is never redrawn


def test_no_sampled_row_falls_in_an_empty_cell_also_after_a_reload(staff, tmp_path):
    from genforge import TrainedGAN

    gan = TabularGAN(epochs=3, target="left", seed=0, resample=False).fit(staff)
    assert any(isinstance(r, LevelCombinations) for r in gan.schema_.transformer.rules)
    rows = gan.sample(3000, seed=1)
    assert _forbidden(rows) == 0 and set(rows.department) == {"sales", "research", "people"}
    again = TrainedGAN.load(gan.save(tmp_path / "model.pt"), domain="tabular").sample(3000, seed=1)
    pd.testing.assert_frame_equal(again, rows)
    conditioned = gan.sample(300, {"role": "chemist"}, seed=2)
    assert (conditioned.department == "research").all()
    by_child = gan.sample(300, {"department": "people"}, seed=3)  # the child fixed: the role is redrawn
    assert (by_child.department == "people").all() and _forbidden(by_child) == 0
    plain = TabularGAN(epochs=3, target="left", seed=0, resample=False, dependencies=False).fit(staff)
    assert _forbidden(plain.sample(3000, seed=1)) > 300  # what the rule prevents
