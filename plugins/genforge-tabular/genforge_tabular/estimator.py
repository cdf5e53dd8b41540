"""``TabularGAN``: a scikit-learn-style estimator over the genforge engine.

A thin adapter of :class:`genforge.GANEstimator`: ``fit(df)`` trains through
:func:`genforge.train`; ``sample(n, conditions)`` draws exactly ``n`` rows;
``save``/``load`` write genforge's one model-file format.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from genforge import GANEstimator, TrainConfig, UserInputError, make_config, total_steps
from genforge_tabular.bundled import TableSource
from genforge_tabular.reading import read_table

#: the smallest ``batch_size="auto"`` picks (see ``TabularGAN._batch_size``)
MIN_AUTO_BATCH = 128
#: ``ema_decay="auto"``: the sampling generator averages about this share of the training
#: steps (an EMA length relative to the training length, as in Karras et al. 2024, EDM2)
EMA_SHARE = 1 / 6


class TabularGAN(GANEstimator):
    """Conditional tabular GAN (CTGAN design, trained by the genforge engine).

    Parameters are stored as given (scikit-learn convention); ``epochs`` or
    ``steps`` set the training length. ``target`` names a class column that is
    conditioned on more often (for balanced augmentation). ``evaluate=True``
    computes the registered metrics after training (``training_summary_``);
    ``verbose=True`` prints the data report and the training time.
    """

    domain = "tabular"

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
    def _dataset_options(self, target: str | None = None) -> dict[str, Any]:
        return {k: v for k, v in {"target": target, "discrete_columns": self.discrete_columns,
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

    def _config(self, rows: int, target: str | None = None) -> TrainConfig:
        """The training configuration for a table of ``rows`` training rows."""
        return make_config("tabular", self._settings(rows, target))

    def _settings(self, rows: int, target: str | None) -> dict[str, Any]:
        model_options = {"latent_dim": self.latent_dim, "generator_dims": list(self.generator_dims),
                         "critic_dims": list(self.critic_dims), "dropout": self.dropout,
                         "gumbel_hard": self.gumbel_hard, "classifier_weight": self.classifier_weight,
                         "pac": self.pac}
        batch = self._batch_size(rows)
        steps = self.steps if self.steps is not None else total_steps(TrainConfig(epochs=self.epochs,
                                                                                  batch_size=batch), rows)
        return {
            "epochs": self.epochs if self.steps is None else None, "steps": self.steps,
            "batch_size": batch, "lr_g": self.lr_g, "lr_d": self.lr_d,
            "n_critic": self.n_critic, "penalty_every": self.penalty_every, "ema_decay": self._ema_decay(steps),
            "seed": self.seed, "device": self.device, "precision": self.precision,
            "dataset_options": self._dataset_options(target), "model_options": model_options,
            "log_every": 50, "eval_samples": 200}

    def fit(self, X: Any, y: Any = None) -> "TabularGAN":
        """Train on a DataFrame, CSV or Parquet path; ``y`` (optional) is added as the target column."""
        super().fit(X, y)
        if self.verbose:
            for line in self.report_.lines():
                print(line)
            print(f"trained {self.training_summary_['steps']} steps (batch {self.config_.batch_size}) in "
                  f"{self.training_summary_['wall_time']:.1f}s")
        return self

    def _training_data(self, X: Any, y: Any, registry: Any) -> Any:
        frame = read_table(X)
        target = self.target
        if y is not None:
            target = self.target or getattr(y, "name", None) or "target"
            frame[target] = pd.Series(list(y), index=frame.index)
        where = str(X) if isinstance(X, (str, Path)) else "the DataFrame"
        data = registry.domain("tabular").prepare(TableSource(frame, where), self._dataset_options(target),
                                                  self.seed)
        self.report_, self.target_ = data.report, target
        return data

    def _overrides(self, data: Any) -> dict[str, Any]:
        return self._settings(data.size, self.target_)

    def sample(self, n: int, conditions: dict[str, Any] | None = None, seed: int | None = None) -> pd.DataFrame:
        """Exactly ``n`` rows; each satisfies every ``{column: value}`` condition."""
        return super().sample(n, conditions, seed)
