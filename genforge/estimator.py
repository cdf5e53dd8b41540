"""``GANEstimator``: scikit-learn's conventions around :func:`genforge.train` and :class:`TrainedGAN`.

A domain estimator (``TabularGAN``, ``MoleculeGAN``, ``ImageGAN``, ``TextGAN``) only
adds its data conversion and its parameters::

    class TextGAN(GANEstimator):
        domain = "text"
        def __init__(self, steps=2400, seed=0): self.steps, self.seed = steps, seed
        def _training_data(self, X, y, registry): ...   # raw data -> Domain.prepare(...)
        def _overrides(self, data): return {"steps": self.steps, "seed": self.seed}

Parameters are only stored by ``__init__`` (``clone``/``get_params``/``set_params``
work); what ``fit`` learns sits in trailing-underscore attributes (``trained_``,
``config_``, ``schema_``, ``training_summary_``). ``fit`` trains through the same
:func:`genforge.training.train` as ``genforge train`` (progress, metrics log when
``run_dir`` is given, diagnostics, checkpoints); ``save``/``load`` use the one
model-file format, with the parameters stored beside the weights.
"""
from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from sklearn.base import BaseEstimator

from genforge import model_file
from genforge.config import TrainConfig
from genforge.domain import TrainingData
from genforge.errors import UserInputError
from genforge.plugins import Registry, get_registry
from genforge.trained import TrainedGAN


class GANEstimator(BaseEstimator):
    """Base of the domain estimators: ``fit``, ``sample``, ``save``, ``load``."""

    #: the registered domain this estimator trains
    domain: str = ""

    # -- what a domain estimator supplies ----------------------------------------------
    def _training_data(self, X: Any, y: Any, registry: Registry) -> TrainingData:
        """Convert ``X`` (and ``y``) into the domain's training data (through ``Domain.prepare``)."""
        raise NotImplementedError

    def _overrides(self, data: TrainingData) -> dict[str, Any]:
        """Config overrides (``steps``, ``batch_size``, ``model_options``, ...) from the parameters."""
        raise NotImplementedError

    # -- training ----------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None) -> "GANEstimator":
        """Train on ``X`` (``y``: the domain's labels, when it takes any); return ``self``."""
        from genforge.training import make_config, train

        registry = get_registry()
        data = self._training_data(X, y, registry)
        reference = data.reference
        if not getattr(self, "evaluate", True):  # an ``evaluate=False`` parameter: no final evaluation
            data.reference = None
        config = make_config(self.domain, self._overrides(data), registry=registry)
        run_dir = getattr(self, "run_dir", None)
        result = train(config, None if run_dir is None else Path(run_dir), registry=registry, data=data,
                       report=lambda line: None)
        self.trained_: TrainedGAN = result.trained
        self.trained_.reference = self.reference_ = reference  # kept for evaluate_metrics() and save()
        self.config_: TrainConfig = result.trainer.config
        self.schema_ = data.schema
        self.training_summary_: dict[str, Any] = result.summary
        self.trained_.model.eval()
        return self

    def _check_fitted(self) -> TrainedGAN:
        if not hasattr(self, "trained_"):
            name = type(self).__name__
            raise UserInputError(f"this {name} is not fitted yet; call fit(...) or {name}.load(path)")
        return self.trained_

    @property
    def model_(self):
        """The fitted :class:`~genforge.GANModel` (sampling generator in place)."""
        if not hasattr(self, "trained_"):
            raise AttributeError("model_: not fitted")
        trained = self.trained_
        trained.model.generator = trained.generator
        return trained.model

    # -- sampling ----------------------------------------------------------------------
    def sample(self, n: int, conditions: dict[str, Any] | None = None, seed: int | None = None) -> Any:
        """``n`` decoded samples (same seed, same samples; default seed: the ``seed`` parameter)."""
        return self._check_fitted().sample(n, conditions, seed=seed)

    def evaluate_metrics(self, reference: Any = None, n: int | None = None, seed: int | None = None) -> dict[str, float]:
        """The domain's metrics on fresh samples against the reference data kept from ``fit``."""
        return self._check_fitted().evaluate(reference, n=n, seed=seed)

    # -- persistence -------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """One model file (weights-only, versioned) with this estimator's parameters."""
        trained = self._check_fitted()
        params = {k: _plain(v) for k, v in self.get_params(deep=False).items()}
        return trained.save(Path(path), extra={"estimator": type(self).__name__, "params": params})

    @classmethod
    def load(cls, path: str | Path, device: str = "cpu") -> "GANEstimator":
        """An estimator saved by :meth:`save` (of this class and domain), ready to sample."""
        state = model_file.read(Path(path), domain=cls.domain)
        extra = state.get("extra") or {}
        if extra.get("estimator") != cls.__name__:
            raise UserInputError(f"{path}: saved by {extra.get('estimator') or 'no estimator'!r}, "
                                 f"expected {cls.__name__}")
        est = cls(**_restore(cls, extra.get("params") or {}))
        est.trained_ = TrainedGAN.from_state(state, device=device, source=str(path))
        est.config_, est.schema_ = est.trained_.config, est.trained_.schema
        return est


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _restore(cls: type, params: dict[str, Any]) -> dict[str, Any]:
    """Parameters as the constructor declares them (tuples where its defaults are tuples)."""
    signature = inspect.signature(cls.__init__).parameters
    out = {}
    for key, value in params.items():
        default = signature[key].default if key in signature else None
        out[key] = tuple(value) if isinstance(default, tuple) and isinstance(value, list) else value
    return out
