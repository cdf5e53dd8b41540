"""The hybrid (privacy key ``mechanism=mst``, the default): the whole budget is spent on MST's
noisy 1- and 2-way marginals (``marginal_synthesis.py``), and the GAN is trained, as an ordinary
non-private run, on rows drawn from the graphical model fitted to them. No network, encoder or
calibration step sees a real row, so everything after the marginals is post-processing:
calibration, the resampling step, the target classifier and the engine's features (packing,
WGAN-GP) work as without privacy; the real rows stay only in the evaluation reference.

Budget: column domains not declared in ``public`` are found privately first with
``marginal_share`` of epsilon (the DP range search and stability histograms of
``marginals.py``); the rest, by basic composition, goes to MST at the largest rho whose RDP
conversion fits it. The ledger is printed when the data is prepared and when training ends.
"""
from __future__ import annotations

import sys
from typing import Any

import pandas as pd

from genforge.errors import UserInputError
from genforge_tabular.columns import MODELLED_AS_CONTINUOUS, ColumnInfo
from genforge_tabular.encoders import to_numbers
from genforge_tabular.metrics import TabularReference
from genforge_tabular.privacy.budget import PrivacyLedger, PrivacySpec
from genforge_tabular.privacy.marginal_synthesis import mst_rows, rdp_epsilon, rho_for
from genforge_tabular.privacy.marginals import private_proxy

#: dataset options that change what rows the GAN is prepared from (refused under the hybrid)
ROW_OPTIONS = ("constraints", "pii_locales")


def private_domains(train: pd.DataFrame, infos: list[ColumnInfo], spec: PrivacySpec, delta: float,
                    ledger: PrivacyLedger, seed: int) -> dict[str, list[Any]]:
    """Every modelled column's domain: declared (free), else found with ``marginal_share`` of the budget."""
    modelled = [i for i in infos if i.kind != "id"]
    found = [i for i in modelled if i.name not in spec.public]
    domains = {i.name: list(spec.public[i.name]) for i in modelled if i.name in spec.public}
    if not found:
        return domains
    eps, share_delta = spec.epsilon * spec.marginal_share, delta * spec.marginal_share
    proxy, ranges, _ = private_proxy(train, found, {}, eps, share_delta, len(train), seed)
    for info in found:
        domains[info.name] = list(ranges[info.name]) if info.kind in MODELLED_AS_CONTINUOUS \
            else sorted(proxy[info.name].dropna().unique().tolist(), key=str)
    categorical = any(i.kind not in MODELLED_AS_CONTINUOUS for i in found)
    ledger.spend("column domains", eps, share_delta if categorical else 0.0,
                 f"DP range search / stability histograms of {len(found)} undeclared columns")
    return domains


def marginal_rows(train: pd.DataFrame, infos: list[ColumnInfo], spec: PrivacySpec, delta: float,
                  ledger: PrivacyLedger, seed: int) -> pd.DataFrame:
    """``len(train)`` rows of the MST model, the budget left by the domains spent on its marginals."""
    domains = private_domains(train, infos, spec, delta, ledger, seed)
    numeric = {i.name for i in infos if i.kind in MODELLED_AS_CONTINUOUS}
    frame = train.copy()
    for info in infos:
        if info.kind in MODELLED_AS_CONTINUOUS:
            frame[info.name] = to_numbers(train[info.name], info.kind)
    epsilon, delta_left = ledger.remaining()
    rho = rho_for(epsilon, delta_left)
    integers = {i.name for i in infos if i.kind == "integer"}
    rows = mst_rows(frame, domains, rho, len(train), seed, numeric, integers)
    ledger.spec.update(mst_rho=rho, mst_columns=len(domains))
    ledger.spend("MST marginals", rdp_epsilon(rho, delta_left), delta_left,
                 f"zCDP rho {rho:.4g}: Gaussian 1-way marginals of {len(domains)} columns, a spanning tree of "
                 f"pairs by the exponential mechanism, its 2-way marginals (Opacus RDP conversion)")
    for info in infos:
        if info.kind == "datetime":
            rows[info.name] = pd.to_datetime(rows[info.name], unit="s")
    return rows


def prepare_hybrid(train: pd.DataFrame, holdout: pd.DataFrame | None, infos: list[ColumnInfo], target: str | None,
                   options: dict[str, Any], seed: int, spec: PrivacySpec, delta: float):
    """Non-private training data prepared from the MST rows; the real rows only in the reference."""
    from genforge_tabular.domain import TabularDomain
    from genforge_tabular.privacy.preparation import fit_to_private_domain

    given = [k for k in ROW_OPTIONS if options.get(k)]
    if given:
        raise UserInputError(f"dataset option {given[0]} cannot be combined with privacy mechanism=mst yet "
                             f"(use privacy mechanism=dpsgd, or leave {given[0]} out)")
    ledger = PrivacyLedger(spec.epsilon, delta, len(train), spec={"mechanism": "mst",
                                                                  "public_columns": sorted(spec.public)})
    synthetic = marginal_rows(train, infos, spec, delta, ledger, seed)
    print("\n".join(ledger.lines()), file=sys.stderr)
    kinds = {i.name: i.kind for i in infos}
    plain = {k: v for k, v in options.items() if k not in ("privacy", "discrete_columns")}
    data = TabularDomain().prepare(synthetic, {**plain, "holdout": 0.0, "metadata": kinds}, seed)
    data.schema.privacy = ledger
    data.table_source = "MST-drawn (not real)"
    data.reference = TabularReference(train, kinds, holdout, target, seed)
    real = train if len(train) <= 2000 else train.sample(2000, random_state=seed % 2**31)
    # for the figures only; values the MST rows never had (a missing slot lost in the noise) as the encoders can read them
    data.real_samples = fit_to_private_domain(real, data.schema.transformer, {})[0].reset_index(drop=True)
    return data
