"""The privacy request and its ledger: what (epsilon, delta) was asked for, how it is split
between the parts of training that touch real rows, and what each part has spent.

Parts compose by basic (sequential) composition: the run's epsilon is the sum of the parts'
epsilons, its delta the sum of their deltas. The DP-SGD part is accounted by Opacus's RDP
accountant from its (noise multiplier, sample rate, steps) history, so the ledger can always
recompute what was spent from plain numbers (it is saved with the model's schema).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from genforge.errors import UserInputError

#: share of epsilon (and of delta) spent on the column statistics (marginals: the encoders' proxy
#: table); the rest trains the critic
MARGINAL_SHARE = 0.1
#: share of delta reserved for the (Chernoff-bounded) chance that a Poisson batch overflows the physical batch
TRUNCATION_DELTA_SHARE = 0.01
#: per-sample gradient clipping norm of the critic
MAX_GRAD_NORM = 1.0
#: whether the target classifier trains under DP-SGD beside the critic (privacy key ``classifier``)
CLASSIFIER = False
#: weight of the generator's loss toward the DP column frequencies (privacy key ``marginal_weight``)
MARGINAL_WEIGHT = 1.0
#: a noise multiplier above this means the budget is too small to learn anything in the planned steps
MAX_NOISE_MULTIPLIER = 20.0
#: how the budget is spent (privacy key ``mechanism``): ``mst``, the hybrid (MST's noisy marginals,
#: the GAN trained on rows of the graphical model fitted to them: ``marginal_synthesis.py``), or
#: ``dpsgd`` (DP histograms for the encoders, DP-SGD on the critic: ``private_model.py``)
MECHANISMS = ("mst", "dpsgd")
MECHANISM = "mst"
SPEC_KEYS = {"epsilon", "delta", "max_grad_norm", "marginal_share", "accountant", "public", "critic_condition",
             "calibrate", "classifier", "marginal_weight", "mechanism"}


@dataclass
class PrivacySpec:
    """The user's request: ``epsilon``, ``delta`` (default ``1 / n**1.1``), the clipping norm,
    the share of the budget for the column statistics, the accountant (``rdp`` or ``prv``) and
    ``public``: column domains declared as public knowledge (``{column: [lo, hi]}`` for numbers,
    ``{column: [levels...]}`` for categories; or a JSON file of that), which then cost no budget
    to find (their frequencies still do); ``critic_condition``: whether the
    critic also reads the condition vector (off: see ``PrivateTabularGANModel.attach``);
    ``calibrate``: map the sampled numeric columns to the quantiles of the DP column statistics
    (post-processing of the ``marginal_share`` already spent: no extra budget); ``classifier``:
    train the target classifier (CTAB-GAN's, which teaches the generator the features of each
    class) by DP-SGD on the critic's Poisson batches (``private_model.py``); ``marginal_weight``:
    weight of a generator loss pulling each generated block's frequencies (levels, numeric modes)
    to the DP column statistics' (post-processing: no extra budget); ``mechanism``: see
    :data:`MECHANISMS` (under ``mst``, ``marginal_share`` finds the undeclared column domains)."""

    epsilon: float
    delta: float | None = None
    max_grad_norm: float = MAX_GRAD_NORM
    marginal_share: float = MARGINAL_SHARE
    accountant: str = "rdp"
    critic_condition: bool = False
    calibrate: bool = False
    classifier: bool = CLASSIFIER
    marginal_weight: float = MARGINAL_WEIGHT
    mechanism: str = MECHANISM
    public: dict[str, list[Any]] = field(default_factory=dict)

    @classmethod
    def parse(cls, value: Any) -> "PrivacySpec":
        """From a dict (``{epsilon = 3, delta = 1e-6}``), a ``"epsilon=3,delta=1e-6"`` string or a
        number (epsilon alone)."""
        where = "dataset option privacy"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = {"epsilon": value}
        if isinstance(value, str):
            pairs = [p.strip() for p in value.split(",") if p.strip()]
            if not all("=" in p for p in pairs):
                raise UserInputError(f"{where}={value!r}: expected KEY=VALUE pairs such as epsilon=3,delta=1e-6")
            value = {k.strip(): v.strip() for k, v in (p.split("=", 1) for p in pairs)}
        if not isinstance(value, dict):
            raise UserInputError(f"{where}: expected a table such as {{epsilon = 3, delta = 1e-6}}, got {value!r}")
        unknown = sorted(set(value) - SPEC_KEYS)
        if unknown:
            raise UserInputError(f"{where}: unknown key {unknown[0]!r}; keys: {', '.join(sorted(SPEC_KEYS))}")
        if "epsilon" not in value:
            raise UserInputError(f"{where}: epsilon is required (e.g. privacy=epsilon=3,delta=1e-6)")
        numbers = {}
        for key in ("epsilon", "delta", "max_grad_norm", "marginal_share", "marginal_weight"):
            if value.get(key) is not None:
                try:
                    numbers[key] = float(value[key])
                except (TypeError, ValueError):
                    raise UserInputError(f"{where}: {key}={value[key]!r} is not a number") from None
        flags = {key: parse_flag(value.get(key, default), key, where)
                 for key, default in (("critic_condition", False), ("calibrate", False), ("classifier", CLASSIFIER))}
        spec = cls(**numbers, accountant=str(value.get("accountant", "rdp")), **flags,
                   mechanism=str(value.get("mechanism", MECHANISM)),
                   public=read_public(value.get("public")))
        spec.check()
        return spec

    def check(self) -> None:
        where = "dataset option privacy"
        if not (self.epsilon > 0 and math.isfinite(self.epsilon)):
            raise UserInputError(f"{where}: epsilon must be a positive finite number, got {self.epsilon!r} "
                                 "(leave privacy out for non-private training)")
        if self.delta is not None and not 0 < self.delta < 1:
            raise UserInputError(f"{where}: delta must be in (0, 1), got {self.delta!r}")
        if not self.max_grad_norm > 0:
            raise UserInputError(f"{where}: max_grad_norm must be positive, got {self.max_grad_norm!r}")
        if not 0 < self.marginal_share < 1:
            raise UserInputError(f"{where}: marginal_share must be in (0, 1), got {self.marginal_share!r}")
        if not (self.marginal_weight >= 0 and math.isfinite(self.marginal_weight)):
            raise UserInputError(f"{where}: marginal_weight must be >= 0, got {self.marginal_weight!r}")
        if self.mechanism not in MECHANISMS:
            raise UserInputError(f"{where}: mechanism must be one of {', '.join(MECHANISMS)}, got {self.mechanism!r}")
        if self.accountant not in ("rdp", "prv"):
            raise UserInputError(f"{where}: accountant must be rdp or prv, got {self.accountant!r}")

    def delta_for(self, rows: int) -> float:
        """The run's delta: as given (it must be below 1/n) or 1/n**1.1."""
        if self.delta is None:
            return 1.0 / rows ** 1.1
        if self.delta >= 1.0 / rows:
            raise UserInputError(f"dataset option privacy: delta={self.delta:g} is not below 1/n = {1 / rows:.3g} "
                                 f"for the {rows} training rows (a delta that large allows publishing a row); "
                                 f"use delta <= {1 / rows ** 1.1:.3g}")
        return self.delta


class PrivacyLedger:
    """The budget of one run and what each part spent (basic composition across parts)."""

    def __init__(self, epsilon: float, delta: float, rows: int, spec: dict[str, Any] | None = None,
                 parts: dict[str, dict[str, float]] | None = None, sgd: dict[str, Any] | None = None):
        self.epsilon, self.delta, self.rows = float(epsilon), float(delta), int(rows)
        self.spec = dict(spec or {})
        self.parts: dict[str, dict[str, float]] = dict(parts or {})
        #: DP-SGD: noise_multiplier, sample_rate, planned_steps, steps (done), accountant, budget
        self.sgd: dict[str, Any] = dict(sgd or {})

    @property
    def dp_sgd(self) -> bool:
        """Whether the critic trains by DP-SGD on real rows (else the GAN sees only DP rows)."""
        return self.spec.get("mechanism", "dpsgd") == "dpsgd"

    def spend(self, part: str, epsilon: float, delta: float = 0.0, note: str = "") -> None:
        """Record a part's spending; refuse to go over the requested epsilon or delta."""
        self.parts[part] = {"epsilon": float(epsilon), "delta": float(delta), "note": note}
        if self.spent_epsilon() > self.epsilon * (1 + 1e-9) or self.spent_delta() > self.delta * (1 + 1e-9):
            raise UserInputError(f"privacy: part {part!r} would spend epsilon {self.spent_epsilon():.4g} / delta "
                                 f"{self.spent_delta():.3g}, over the requested ({self.epsilon:g}, {self.delta:.3g})")

    def remaining(self) -> tuple[float, float]:
        return self.epsilon - self.spent_epsilon(), self.delta - self.spent_delta()

    def sgd_epsilon(self) -> float:
        """The critic's spent epsilon, from Opacus's accountant over the steps done so far."""
        if not self.sgd or not self.sgd.get("steps"):
            return 0.0
        return sgd_epsilon(self.sgd["noise_multiplier"], self.sgd["sample_rate"], self.sgd["steps"],
                           self.sgd["delta"], self.sgd.get("accountant", "rdp"))

    def spent_epsilon(self) -> float:
        return sum(p["epsilon"] for p in self.parts.values()) + self.sgd_epsilon()

    def spent_delta(self) -> float:
        return sum(p["delta"] for p in self.parts.values()) + (self.sgd.get("delta", 0.0) +
                                                              self.sgd.get("truncation_delta", 0.0)
                                                              if self.sgd else 0.0)

    def lines(self) -> list[str]:
        out = [f"privacy budget: epsilon {self.epsilon:g}, delta {self.delta:.3g} ({self.rows} training rows)"]
        for name, p in self.parts.items():
            out.append(f"  {name}: epsilon {p['epsilon']:.4g}, delta {p['delta']:.3g}" + (f" - {p['note']}" if p['note'] else ""))
        if self.sgd:
            s = self.sgd
            if s.get("classifier_noise_multiplier"):
                out.append(f"  target classifier DP-SGD on the critic's batches: critic and classifier each at noise "
                           f"multiplier {s['classifier_noise_multiplier']:.3f} = one Gaussian mechanism of "
                           f"{s['noise_multiplier']:.3f} per batch (accounted below)")
            out.append(f"  critic DP-SGD: epsilon {self.sgd_epsilon():.4g} of {s['budget']:.4g} "
                       f"({s['accountant']} accountant), delta {s['delta']:.3g} + {s['truncation_delta']:.2g} "
                       f"(batch overflow); noise multiplier {s['noise_multiplier']:.3f}, clip {s['max_grad_norm']:g}, "
                       f"Poisson rate {s['sample_rate']:.4f}, {s['steps']} of {s['planned_steps']} steps")
        out.append(f"  total spent: epsilon {self.spent_epsilon():.4g} <= {self.epsilon:g}, "
                   f"delta {self.spent_delta():.3g} <= {self.delta:.3g}")
        return out

    def to_state(self) -> dict[str, Any]:
        return {"epsilon": self.epsilon, "delta": self.delta, "rows": self.rows, "spec": self.spec,
                "parts": self.parts, "sgd": self.sgd, "spent_epsilon": self.spent_epsilon()}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "PrivacyLedger":
        return cls(state["epsilon"], state["delta"], state["rows"], state.get("spec"), state.get("parts"),
                   state.get("sgd"))


def parse_flag(value: Any, key: str, where: str) -> bool:
    if str(value).lower() not in ("true", "false", "1", "0"):
        raise UserInputError(f"{where}: {key}={value!r}: expected true or false")
    return str(value).lower() in ("true", "1")


def read_public(value: Any) -> dict[str, list[Any]]:
    """Public column domains: a dict, or the path of a JSON file holding one."""
    if value is None or isinstance(value, dict):
        return dict(value or {})
    import json
    from pathlib import Path

    try:
        loaded = json.loads(Path(str(value)).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserInputError(f"dataset option privacy: public={value!r}: not a readable JSON file ({exc})") from None
    if not isinstance(loaded, dict):
        raise UserInputError(f"dataset option privacy: public={value!r}: expected a JSON object {{column: domain}}")
    return loaded


def sgd_epsilon(noise_multiplier: float, sample_rate: float, steps: int, delta: float,
                accountant: str = "rdp") -> float:
    """Epsilon of ``steps`` Poisson-subsampled Gaussian steps, by Opacus's accountant."""
    from opacus.accountants import create_accountant

    acc = create_accountant(accountant)
    acc.history = [(float(noise_multiplier), float(sample_rate), int(steps))]
    return float(acc.get_epsilon(delta=delta))
