"""``TabularGAN``: a scikit-learn-style estimator over the genforge engine.

``fit(df)`` trains through :func:`genforge.training.train`; ``sample(n,
conditions)`` draws exactly ``n`` rows; ``save``/``load`` use the engine's
atomic, weights-only checkpoint files.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import torch
from sklearn.base import BaseEstimator

from genforge.engine import checkpoint, distributed
from genforge.engine.distributed import pick_device
from genforge.engine.trainer import total_steps
from genforge.errors import UserInputError
from genforge.plugins import get_registry
from genforge.sampling import decoded_chunks
from genforge.training import build_model, make_config
from genforge.config import TrainConfig
from genforge_tabular.bundled import TableSource
from genforge_tabular.reading import read_table

FORMAT = "genforge-tabulargan"
#: the smallest ``batch_size="auto"`` picks (see ``TabularGAN._batch_size``)
MIN_AUTO_BATCH = 128
#: ``ema_decay="auto"``: the sampling generator averages about this share of the training
#: steps (an EMA length relative to the training length, as in Karras et al. 2024, EDM2)
EMA_SHARE = 1 / 6
VERSION = 1


class TabularGAN(BaseEstimator):
    """Conditional tabular GAN (CTGAN design, trained by the genforge engine).

    Parameters are stored as given (scikit-learn convention); ``epochs`` or
    ``steps`` set the training length. ``target`` names a class column that is
    conditioned on more often (for balanced augmentation). ``evaluate=True``
    computes the registered metrics after training (``training_summary_``);
    ``verbose=True`` prints the data report and the training time.
    """

    def __init__(self, epochs: float = 300, steps: int | None = None, batch_size: int | str = "auto",
                 discrete_columns: list[str] | None = None, metadata: Any = None, target: str | None = None,
                 latent_dim: int = 128, generator_dims: tuple[int, ...] = (128, 128),
                 critic_dims: tuple[int, ...] = (128, 128), pac: int = 5, lr_g: float = 1e-3,
                 lr_d: float = 1e-3, n_critic: int = 1, dropout: float = 0.5, ema_decay: float | str = "auto",
                 holdout: float = 0.0, evaluate: bool = False, seed: int = 0, device: str = "cpu",
                 precision: str = "auto", gumbel_hard: bool = True, penalty_every: int = 1, dependencies: bool = True,
                 target_pairs: bool = True, calibrate: bool = True, classifier_weight: float = 0.5,
                 verbose: bool = False):
        self.epochs, self.steps, self.batch_size = epochs, steps, batch_size
        self.discrete_columns, self.metadata, self.target = discrete_columns, metadata, target
        self.latent_dim, self.generator_dims, self.critic_dims = latent_dim, generator_dims, critic_dims
        self.pac, self.lr_g, self.lr_d, self.n_critic = pac, lr_g, lr_d, n_critic
        self.dropout, self.ema_decay, self.holdout, self.evaluate = dropout, ema_decay, holdout, evaluate
        self.seed, self.device, self.verbose, self.gumbel_hard = seed, device, verbose, gumbel_hard
        self.penalty_every, self.dependencies, self.target_pairs = penalty_every, dependencies, target_pairs
        self.classifier_weight, self.precision, self.calibrate = classifier_weight, precision, calibrate

    # -- training ----------------------------------------------------------------------------
    def _dataset_options(self) -> dict[str, Any]:
        return {k: v for k, v in {"target": self.target, "discrete_columns": self.discrete_columns,
                                  "metadata": self.metadata, "holdout": self.holdout,
                                  "dependencies": self.dependencies,
                                  "target_pairs": self.target_pairs, "calibrate": self.calibrate}.items()
                if v is not None}

    def _batch_size(self, rows: int) -> int:
        """``"auto"``: a quarter of the table (four updates per epoch, where CTGAN's 500-row
        batches give a 1,000-row table two), between 128 and 500 rows, a multiple of ``pac``.
        Below 128 rows a step costs about the same on a CPU whatever its size (its time is
        dispatch, not arithmetic), so tiny tables get fewer, larger steps."""
        if self.batch_size == "auto":
            size = min(500, max(MIN_AUTO_BATCH, rows // 4))
        else:
            size = int(self.batch_size)
        return max(self.pac, size - size % self.pac)

    def _ema_decay(self, steps: int) -> float:
        """``"auto"``: 1 - 1 / (EMA_SHARE * steps), within [0.9, 0.999] (0.995 for 1,200 steps)."""
        if self.ema_decay == "auto":
            return min(0.999, max(0.9, 1.0 - 1.0 / (EMA_SHARE * steps)))
        if isinstance(self.ema_decay, str):
            raise UserInputError(f"ema_decay must be a number in [0, 1) or 'auto', got {self.ema_decay!r}")
        return float(self.ema_decay)

    def _config(self, rows: int) -> TrainConfig:
        model_options = {"latent_dim": self.latent_dim, "generator_dims": list(self.generator_dims),
                         "critic_dims": list(self.critic_dims), "dropout": self.dropout,
                         "gumbel_hard": self.gumbel_hard, "classifier_weight": self.classifier_weight}
        batch = self._batch_size(rows)
        steps = self.steps if self.steps is not None else total_steps(TrainConfig(epochs=self.epochs,
                                                                                  batch_size=batch), rows)
        return make_config("tabular", {
            "epochs": self.epochs if self.steps is None else None, "steps": self.steps,
            "batch_size": batch, "pac": self.pac, "lr_g": self.lr_g, "lr_d": self.lr_d,
            "n_critic": self.n_critic, "penalty_every": self.penalty_every, "ema_decay": self._ema_decay(steps),
            "seed": self.seed, "device": self.device, "precision": self.precision,
            "dataset_options": self._dataset_options(), "model_options": model_options,
            "log_every": 50, "eval_samples": 200})

    def fit(self, X: Any, y: Any = None) -> "TabularGAN":
        """Train on a DataFrame, CSV or Parquet path; ``y`` (optional) is added as the target column."""
        from genforge.training import train

        frame = read_table(X)
        if y is not None:
            name = self.target or getattr(y, "name", None) or "target"
            frame[name] = pd.Series(list(y), index=frame.index)
            self.target = name
        where = str(X) if isinstance(X, (str, Path)) else "the DataFrame"
        registry = get_registry()
        domain = registry.domain("tabular")
        data = domain.prepare(TableSource(frame, where), self._dataset_options(), self.seed)
        config = self._config(data.size)
        self.report_ = data.report
        self.reference_ = data.reference
        if not self.evaluate:  # the engine's final evaluation would only cost time
            data.reference = None
        result = train(config, None, registry=registry, data=data, report=lambda line: None)
        trainer = result.trainer
        self.model_ = trainer.model
        self.model_.generator = (trainer.ema.module if trainer.ema is not None
                                 else distributed.unwrap(trainer.model.generator))
        self.schema_, self.config_ = data.schema, trainer.config
        self.training_summary_ = result.summary
        if self.verbose:
            for line in data.report.lines():
                print(line)
            print(f"trained {result.summary['steps']} steps (batch {config.batch_size}) in "
                  f"{result.summary['wall_time']:.1f}s")
        self.model_.eval()
        return self

    # -- sampling ----------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise UserInputError("this TabularGAN is not fitted yet; call fit(df) or TabularGAN.load(path)")

    def sample(self, n: int, conditions: dict[str, Any] | None = None, seed: int | None = None) -> pd.DataFrame:
        """Exactly ``n`` rows; each satisfies every ``{column: value}`` condition."""
        self._check_fitted()
        if int(n) <= 0:
            raise UserInputError(f"n must be positive, got {n}")
        domain = get_registry().domain("tabular")
        rng = torch.Generator().manual_seed(self.seed if seed is None else seed)
        device = pick_device(self.config_.device)
        self.model_.to(device)
        chunks = decoded_chunks(domain, self.model_, self.schema_, int(n), dict(conditions or {}), rng, device)
        return domain.concat(list(chunks))

    # -- persistence -----------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Atomic, weights-only file: format, version, params, config, schema, weights."""
        self._check_fitted()
        domain = get_registry().domain("tabular")
        params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.get_params().items()}
        params["metadata"] = str(params["metadata"]) if isinstance(params["metadata"], Path) else params["metadata"]
        state = {"estimator": FORMAT, "estimator_version": VERSION, "params": params,
                 "config": self.config_.to_dict(), "schema": domain.schema_state(self.schema_),
                 "model": self.model_.state_dict()}
        return checkpoint.save_atomic(state, Path(path))

    @classmethod
    def load(cls, path: str | Path) -> "TabularGAN":
        state = checkpoint.load_safe(Path(path))
        if state.get("estimator") != FORMAT or state.get("estimator_version") != VERSION:
            raise UserInputError(f"{path}: not a TabularGAN file of version {VERSION} "
                                 f"(format {state.get('estimator')!r}, version {state.get('estimator_version')!r})")
        registry = get_registry()
        params = dict(state["params"])
        for key in ("generator_dims", "critic_dims"):
            params[key] = tuple(params[key])
        est = cls(**params)
        est.config_ = TrainConfig.from_dict(state["config"], source=str(path))
        est.schema_ = registry.domain("tabular").schema_from_state(state["schema"])
        est.model_ = build_model(est.config_, est.schema_, registry)
        est.model_.load_state_dict(state["model"])
        est.model_.eval()
        return est
