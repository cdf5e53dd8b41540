"""The ``privacy`` dataset option: prepare a table for differentially private training.

Called by ``TabularDomain.prepare`` after the hold-out split, instead of the non-private
preparation. What touches real rows, and how it is made private:

==============================  ==============================================================
column kinds, names, dtypes     public knowledge (the table's schema; declare them with
                                ``metadata=`` rather than relying on inference)
encoder statistics              fitted on a proxy table drawn from DP histograms
                                (``marginals.py``): ``marginal_share`` of the budget
condition frequencies           the proxy's, i.e. the same DP histograms (no extra cost)
the critic                      DP-SGD through Opacus (``private_model.py``), the rest
functional dependencies,        off (they are found on the real rows' joint values;
target pairs                    ``dependencies`` / ``target_pairs`` = true is an error)
marginal calibration            to the proxy's quantiles (privacy key ``calibrate``, default off:
                                post-processing of the DP histograms); the dataset option
                                ``calibrate = true`` (real quantiles) errors
target classifier               off (``classifier_weight`` > 0 errors)
early stopping on real data     refused (``early_stop_metric``)
final metrics, hold-out         computed on real rows for the analyst; they do not change the
                                model and are not part of what is released
==============================  ==============================================================
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd
import torch

from genforge.errors import UserInputError
from genforge_tabular.columns import MODELLED_AS_CONTINUOUS, ColumnInfo, infer_columns
from genforge_tabular.metrics import TabularReference
from genforge_tabular.privacy.budget import PrivacyLedger, PrivacySpec
from genforge_tabular.privacy.marginals import private_proxy
from genforge_tabular.privacy.poisson_batches import PoissonTrainingData
from genforge_tabular.encoders import FIT_ROWS, MAX_CATEGORIES, ContinuousEncoder, DiscreteEncoder, to_numbers
from genforge_tabular.encoders import plain as _plain
from genforge_tabular.transformer import TableTransformer

#: dataset options that would use real rows without privacy, and the value that is safe
LEAKING_OPTIONS = {"calibrate": False, "dependencies": False, "target_pairs": False, "log_frequency": 0.0,
                   "resample": False}  # resample: a real-vs-synthetic classifier fitted on real rows


def check_private_options(options: dict[str, Any]) -> None:
    for name, safe in LEAKING_OPTIONS.items():
        if name in options and options[name] != safe and options[name] is not None:
            raise UserInputError(f"dataset option {name}={options[name]!r} uses the real rows without privacy; "
                                 f"it cannot be combined with privacy (leave it out or set {name}={safe!r})")


def fit_to_private_domain(train: pd.DataFrame, transformer: TableTransformer,
                          ranges: dict[str, tuple[float, float]]) -> tuple[pd.DataFrame, int]:
    """The real rows as the private encoders can represent them: numbers clipped into their
    private range; a value outside the released levels, or missing where the private
    statistics have no missing slot, replaced by the column's most frequent private level or
    mode. Returns the rows and how many values were replaced (not clipped)."""
    out, replaced = train.copy(), 0
    for enc in transformer.encoders:
        name, kind = enc.state["name"], enc.state["kind"]
        if isinstance(enc, ContinuousEncoder):
            x = to_numbers(train[name], kind)
            if name in ranges:
                x = np.clip(x, *ranges[name])
            if not enc.state["missing"] and np.isnan(x).any():
                replaced += int(np.isnan(x).sum())
                x = np.where(np.isnan(x), enc.means[int(np.argmax(enc.log_weights))], x)
            out[name] = pd.to_datetime(x, unit="s") if kind == "datetime" else x
        elif isinstance(enc, DiscreteEncoder):
            known = set(enc.categories) | set(enc.state["rare_values"])
            plain = train[name].map(_plain)
            bad = plain.isna() & (enc.missing_slot < 0) | plain.notna() & ~plain.isin(known)
            replaced += int(bad.sum())
            out[name] = train[name].astype(object).where(~bad, enc.categories[0])
    return out, replaced


def prepare_private(train: pd.DataFrame, holdout: pd.DataFrame | None, infos: list[ColumnInfo],
                    target: str | None, options: dict[str, Any], seed: int, where: str,
                    report: Callable[[Any], Any], target_share: float) -> PoissonTrainingData:
    """Encoders from DP statistics, Poisson batches for DP-SGD, and the run's privacy ledger."""
    from genforge_tabular.schema import TableSchema

    spec = PrivacySpec.parse(options["privacy"])
    rows = len(train)
    delta = spec.delta_for(rows)
    unknown = sorted(set(spec.public) - {i.name for i in infos})
    if unknown:
        raise UserInputError(f"dataset option privacy: public domain given for unknown column {unknown[0]!r}")
    if spec.mechanism == "mst":
        from genforge_tabular.privacy.hybrid import prepare_hybrid
        return prepare_hybrid(train, holdout, infos, target, options, seed, spec, delta)
    check_private_options(options)
    ledger = PrivacyLedger(spec.epsilon, delta, rows, spec={"mechanism": "dpsgd","max_grad_norm": spec.max_grad_norm,
                                                            "accountant": spec.accountant,
                                                            "critic_condition": spec.critic_condition,
                                                            "public_columns": sorted(spec.public),
                                                            "calibrate": spec.calibrate,
                                                            "classifier": spec.classifier,
                                                            "marginal_weight": spec.marginal_weight})
    eps_m, delta_m = spec.epsilon * spec.marginal_share, delta * spec.marginal_share
    fit_rows = int(options.get("fit_rows", FIT_ROWS))
    proxy, ranges, columns = private_proxy(train, infos, spec.public, eps_m, delta_m, max(fit_rows, rows), seed)
    stability = any(i.kind not in MODELLED_AS_CONTINUOUS + ("id",) and i.name not in spec.public for i in infos)
    ledger.spend("column statistics", eps_m, delta_m if stability else 0.0,
                 f"Laplace histograms of {columns} columns ({len(spec.public)} with public domains)"
                 + ("; the numeric columns' calibration quantiles are theirs (post-processing)" if spec.calibrate else ""))
    kinds = {i.name: i.kind for i in infos}
    private_infos = infer_columns(proxy, f"{where} (private proxy)", metadata=kinds)
    for private, info in zip(private_infos, infos):  # dtypes are part of the public schema
        private.dtype = info.dtype
    transformer = TableTransformer.fit(proxy, private_infos, seed, fit_rows,
                                       int(options.get("max_categories", MAX_CATEGORIES)), {}, spec.calibrate)
    proxy_codes = transformer.codes(proxy)
    slot_counts = [torch.bincount(proxy_codes[:, j], minlength=transformer.encoders[i].width).tolist()
                   for j, i in enumerate(transformer.discrete)]
    schema = TableSchema(private_infos, transformer, target, slot_counts, target_share, None)
    schema.privacy = ledger
    clipped, replaced = fit_to_private_domain(train, transformer, ranges)
    encoded = transformer.encode(clipped, torch.Generator().manual_seed(seed))
    real = clipped if len(clipped) <= 2000 else clipped.sample(2000, random_state=seed % 2**31)
    data = PoissonTrainingData(encoded, transformer.codes(clipped), schema,
                               reference=TabularReference(train, kinds, holdout, target, seed),
                               real_samples=real.reset_index(drop=True), report=report(schema))
    if replaced and data.report is not None:
        data.report.skipped[f"values outside the private column domains (unreleased levels, missing where "
                            f"the private statistics have none) replaced by the column's private mode"] = replaced
    if spec.marginal_weight > 0:  # the DP frequencies of every generated block (post-processing of the proxy)
        data.proxy_means = transformer.encode(proxy, torch.Generator().manual_seed(seed)).mean(0)
    ledger.batches = data
    return data
