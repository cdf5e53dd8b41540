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
from genforge_tabular.privacy.marginal_synthesis import mst_noise, rdp_epsilon, rho_for
from genforge_tabular.privacy.marginals import domains_of
from genforge_tabular.privacy.private_model import PrivateTabularGANModel

pytest.importorskip("opacus")
pytest.importorskip("mbi")
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

    saved = marginal_synthesis.FIRST_ITERS, marginal_synthesis.FINAL_ITERS
    marginal_synthesis.FIRST_ITERS, marginal_synthesis.FINAL_ITERS = 30, 60  # a test-sized fit
    kinds = {i.name: i.kind for i in infer_columns(mixed_table, "t")}
    public = {k: v for k, v in domains_of(mixed_table, kinds).items() if k != "colour"}  # colour's levels: found privately
    big = mixed_table.sample(4000, replace=True, random_state=0).reset_index(drop=True)  # the stability threshold passes
    model = TabularGAN(privacy={"epsilon": EPSILON, "public": public}, steps=20, generator_dims=(32,),
                       critic_dims=(32,), latent_dim=8, batch_size=200, resample=False, target="label")
    try:
        model.fit(big)
    finally:
        marginal_synthesis.FIRST_ITERS, marginal_synthesis.FINAL_ITERS = saved
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
