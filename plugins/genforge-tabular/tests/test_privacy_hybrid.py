"""The hybrid private synthesizer (privacy mechanism=mst, issue 23): MST's noisy marginals, the GAN
trained on the graphical model's rows only; its ledger against Opacus's accountant, the budget,
refusals, the attack figure."""
import math

import numpy as np
import pytest

from genforge.errors import UserInputError
from genforge_tabular.columns import infer_columns
from genforge_tabular.estimator import TabularGAN
from genforge_tabular.networks import TabularGANModel
from genforge_tabular.privacy.attacks import domias_auc
from genforge_tabular.privacy.budget import PrivacyLedger
from genforge_tabular.privacy.marginal_synthesis import compress, independent_marginals, mst_noise, rdp_epsilon, rho_for
from genforge_tabular.privacy.tree_model import Measurement, TreeModel, counts, estimated_total
from genforge_tabular.privacy.marginals import domains_of
from genforge_tabular.privacy.private_model import PrivateTabularGANModel

pytest.importorskip("opacus")
from opacus.accountants import RDPAccountant  # noqa: E402

EPSILON = 1.0


def opacus_epsilon(rho: float, columns: int, delta: float) -> float:
    """Opacus's RDP accountant over MST's three steps at their own noise: two Gaussian measurements
    (sample rate 1, one step each) and the exponential mechanism as the Gaussian of equal zCDP."""
    one_way, two_way, eps_edge = mst_noise(rho, columns)
    selection_rho = (columns - 1) * eps_edge ** 2 / 8
    accountant = RDPAccountant()
    accountant.history = [(one_way, 1.0, 1), (two_way, 1.0, 1), (1 / math.sqrt(2 * selection_rho), 1.0, 1)]
    return accountant.get_epsilon(delta)


@pytest.fixture(scope="module")
def hybrid(mixed_table):
    from genforge_tabular.privacy import marginal_synthesis

    saved = marginal_synthesis.ITERS
    marginal_synthesis.ITERS = 60  # a test-sized fit
    kinds = {i.name: i.kind for i in infer_columns(mixed_table, "t")}
    public = {k: v for k, v in domains_of(mixed_table, kinds).items() if k != "colour"}  # colour's levels: found privately
    big = mixed_table.sample(4000, replace=True, random_state=0).reset_index(drop=True)  # the stability threshold passes
    model = TabularGAN(privacy={"epsilon": EPSILON, "public": public}, steps=20, generator_dims=(32,),
                       critic_dims=(32,), latent_dim=8, batch_size=200, resample=False, target="label")
    try:
        model.fit(big)
    finally:
        marginal_synthesis.ITERS = saved
    return model, big


def test_the_mst_ledger_is_opacus_accountant_for_the_same_noise():
    for epsilon, delta, columns in ((3.0, 1e-5, 6), (0.5, 1e-6, 12), (10.0, 2e-3, 3)):
        rho = rho_for(epsilon, delta)
        assert rdp_epsilon(rho, delta) == pytest.approx(opacus_epsilon(rho, columns, delta), rel=1e-9)
        assert rdp_epsilon(rho, delta) <= epsilon and rdp_epsilon(rho, delta) == pytest.approx(epsilon, rel=1e-6)


def test_the_hybrid_trains_a_plain_gan_within_the_budget_and_the_ledger_matches_opacus(hybrid):
    model, _ = hybrid
    ledger = model.schema_.privacy
    assert isinstance(model.trained_.model, TabularGANModel)
    assert not isinstance(model.trained_.model, PrivateTabularGANModel)  # no network sees a real row: no DP-SGD
    assert not ledger.sgd and set(ledger.parts) == {"column domains", "MST marginals"}
    mst_part = ledger.parts["MST marginals"]
    assert mst_part["epsilon"] == pytest.approx(opacus_epsilon(ledger.spec["mst_rho"], ledger.spec["mst_columns"],
                                                               mst_part["delta"]), rel=1e-9)
    assert ledger.parts["column domains"]["epsilon"] == pytest.approx(0.1 * EPSILON)
    assert ledger.spent_epsilon() <= EPSILON * (1 + 1e-9) and ledger.spent_delta() <= ledger.delta * (1 + 1e-9)
    assert "MST marginals" in "\n".join(ledger.lines())
    colours = next(e for e in model.schema_.transformer.encoders if e.state["name"] == "colour")
    assert set(colours.categories) <= {"red", "blue", "green"}  # levels found privately


def test_the_hybrid_refuses_a_part_over_the_budget_and_bad_requests(mixed_table):
    ledger = PrivacyLedger(1.0, 1e-5, 400)
    ledger.spend("column domains", 0.1)
    with pytest.raises(UserInputError, match="over the requested"):
        ledger.spend("MST marginals", rdp_epsilon(rho_for(1.0, 1e-5), 1e-5))  # the whole epsilon, not what is left
    with pytest.raises(UserInputError, match="mechanism must be one of"):
        TabularGAN(privacy={"epsilon": 1, "mechanism": "laplace"}, steps=2).fit(mixed_table)
    with pytest.raises(UserInputError, match="constraints cannot be combined with privacy mechanism=mst"):
        TabularGAN(privacy={"epsilon": 1}, steps=2, constraints=[{"kind": "positive", "column": "age"}]).fit(mixed_table)


def test_the_membership_attack_figure_is_produced_for_the_hybrid(hybrid):
    model, big = hybrid
    reference = model.reference_
    auc = domias_auc(model.sample(len(reference.real), seed=0), reference)
    assert np.isfinite(auc) and 0.0 <= auc <= 1.0



def noisy_tree_measurements():
    """A four-column table with a tree of dependencies and its noisy 1- and 2-way counts."""
    rng = np.random.default_rng(1)
    sizes, tree = {"a": 4, "b": 3, "c": 5, "d": 2}, [("b", "a"), ("b", "c"), ("c", "d")]
    a = rng.integers(0, 4, 300)
    b = (a + rng.integers(0, 2, 300)) % 3
    c = (b * 2 + rng.integers(0, 2, 300)) % 5
    codes = {"a": a, "b": b, "c": c, "d": (c > 2).astype(int)}
    ones = [Measurement((k,), counts(codes, (k,), sizes) + rng.normal(0, 4, n), 4.0) for k, n in sizes.items()]
    ones[0] = Measurement(("a",), np.array([150.0, 90, 70, -9]), 4.0)  # a negative count
    twos = [Measurement(e, counts(codes, e, sizes) + rng.normal(0, 5, (sizes[e[0]], sizes[e[1]])), 5.0) for e in tree]
    return sizes, tree, ones, twos


def mbi_fit(sizes, measurements, total):
    """mbi's own estimate (the authors' package), the reference of the numpy fits."""
    pytest.importorskip("mbi")
    from mbi import Domain, LinearMeasurement
    from mbi.estimation import MirrorDescent

    linear = [LinearMeasurement(m.noisy.ravel(), m.clique, m.sigma) for m in measurements]
    return MirrorDescent().estimate(Domain(list(sizes), list(sizes.values())), linear, known_total=total, iters=4000)


def test_the_closed_form_independent_model_is_the_least_squares_fit_of_the_one_way_measurements():
    from scipy.optimize import minimize

    _, _, ones, _ = noisy_tree_measurements()
    closed, total = independent_marginals(ones), estimated_total(ones)
    for m in ones:
        y = m.noisy
        best = minimize(lambda x: ((x - y) ** 2).sum(), np.full(len(y), total / len(y)), method="SLSQP",
                        bounds=[(0, None)] * len(y), constraints={"type": "eq", "fun": lambda x: x.sum() - total})
        assert closed[m.clique[0]] == pytest.approx(best.x, abs=1e-3)
    assert closed["a"][-1] == 0.0 and closed["a"].sum() == pytest.approx(total)  # the negative count: clipped


def test_compression_merges_the_levels_under_three_sigma_even_when_none_reaches_it():
    codes = {"x": np.array([0, 0, 1, 2, 3]), "y": np.array([0, 1, 2, 0, 1])}
    values = {"x": ["a", "b", "c", None], "y": ["p", "q", "r"]}
    ones = [Measurement(("x",), np.array([40.0, 2.0, 1.0, 0.5]), 4.0), Measurement(("y",), np.array([5.0, 3, 1]), 4.0)]
    new_codes, new_values, sizes, new_ones = compress(codes, values, ["x", "y"], ones)
    assert sizes == {"x": 2, "y": 1}  # y: no level reaches 3 sigma, so all of them merge
    assert new_codes["x"].tolist() == [0, 0, 1, 1, 1] and new_values["x"] == ["a", ("rare", ["b", "c"])]
    assert new_ones[0].noisy == pytest.approx([40.0, 3.5]) and new_ones[1].noisy == pytest.approx([9.0])
    assert new_codes["y"].tolist() == [0] * 5 and new_values["y"] == [("rare", ["p", "q", "r"])]


def test_the_numpy_tree_model_is_mbis_estimate_and_its_rows_follow_it():
    sizes, tree, ones, twos = noisy_tree_measurements()
    total = estimated_total(ones)
    model = TreeModel(sizes, tree, total).fit(ones + twos, iters=1000)
    reference = mbi_fit(sizes, ones + twos, total)
    nodes, edges = model.fitted
    assert model.steps < 1000  # stopped when the loss settled
    for c in sizes:
        assert nodes[c] == pytest.approx(np.asarray(reference.project((c,)).datavector()), abs=0.1)
    for a, b in tree:
        table = edges[b] if model.parent[b] == a else edges[a].T
        assert table == pytest.approx(np.asarray(reference.project((a, b)).datavector(flatten=False)), abs=0.15)
    rows = model.sample(3000, np.random.default_rng(0))
    root = model.order[0]
    assert np.abs(np.bincount(rows[root], minlength=sizes[root]) - nodes[root] * 3000 / total).max() < 2
    pair = counts(rows, ("b", "c"), sizes) / 3000
    expected = (edges["c"] if model.parent["c"] == "b" else edges["b"].T) / total
    assert np.abs(pair - expected).max() < 0.02


def test_mst_writes_integer_columns_as_whole_numbers_even_when_handed_floats(mixed_table):
    from genforge_tabular.privacy.marginal_synthesis import mst_rows

    frame = mixed_table.assign(age=mixed_table["age"].astype(float))  # as the hybrid hands it (to_numbers)
    domains = {"x": [-9.0, 9.0], "age": [18, 90], "colour": ["blue", "green", "red"], "label": ["common", "rare"]}
    numeric = {"x", "age"}
    rows = mst_rows(frame, domains, rho=1.0, rows=300, seed=0, numeric=numeric, integers={"age"})
    age = rows["age"].to_numpy(dtype=float)
    assert np.all(age == np.round(age)) and 18 <= age.min() and age.max() <= 90
    x = rows["x"].dropna().to_numpy(dtype=float)
    assert np.mean(x != np.round(x)) > 0.9  # a continuous column is not rounded
    unflagged = mst_rows(frame, domains, rho=1.0, rows=300, seed=0, numeric=numeric)["age"].to_numpy(dtype=float)
    assert np.mean(unflagged != np.round(unflagged)) > 0.9  # floats without the flag: bins' uniform draws


def test_the_cli_and_the_estimator_train_the_same_unpacked_hybrid(mixed_table, tmp_path, monkeypatch):
    """``genforge train tabular --privacy`` and ``TabularGAN(privacy=...)``: one model (the hybrid's
    critic unpacked both ways, the batch settled for it), the same rows from the same seed."""
    import json

    import pandas as pd

    from genforge.cli import main
    from genforge.engine.packing import PackedDiscriminator
    from genforge_tabular.privacy import marginal_synthesis

    monkeypatch.setattr(marginal_synthesis, "ITERS", 60)
    kinds = {i.name: i.kind for i in infer_columns(mixed_table, "t")}
    public = domains_of(mixed_table, kinds)
    (tmp_path / "public.json").write_text(json.dumps(public, default=str))
    big = mixed_table.sample(1200, replace=True, random_state=0).reset_index(drop=True)
    big.to_csv(tmp_path / "data.csv", index=False)
    tiny = ["--option", "latent_dim=8", "--option", "generator_dims=[32]", "--option", "critic_dims=[32]"]
    assert main(["train", "tabular", "--dataset", str(tmp_path / "data.csv"), "--target", "label", "--steps", "6",
                 "--threads", "1", "--privacy", f"epsilon=2,public={tmp_path / 'public.json'}", *tiny,
                 "--out", str(tmp_path / "run")]) == 0
    assert main(["sample", str(tmp_path / "run"), "-n", "200", "--seed", "3", "--out", str(tmp_path / "cli.csv")]) == 0
    gan = TabularGAN(steps=6, target="label", threads=1, latent_dim=8, generator_dims=(32,), critic_dims=(32,),
                     privacy={"epsilon": 2, "public": str(tmp_path / "public.json")}).fit(tmp_path / "data.csv")
    assert not isinstance(gan.trained_.model.discriminator, PackedDiscriminator)
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert gan.config_.batch_size == config["batch_size"] == 300 and gan.config_.loss == config["loss"]
    gan.sample(200, seed=3).to_csv(tmp_path / "api.csv", index=False)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "cli.csv"), pd.read_csv(tmp_path / "api.csv"))
