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
from genforge_tabular.bundled import TableSource, load_file
from genforge_tabular.constraints.loading import constraints_option
from genforge_tabular.domain import DEFAULT_HOLDOUT, TRAIN_DEFAULTS, automatic_batch_size
from genforge_tabular.reading import read_table
from genforge.threads import torch_threads

#: ``ema_decay="auto"``: the sampling generator averages about this share of the training
#: steps (an EMA length relative to the training length, as in Karras et al. 2024, EDM2)
EMA_SHARE = 1 / 6


class TabularGAN(GANEstimator):
    """Conditional tabular GAN (CTGAN design, trained by the genforge engine).

    Parameters are stored as given (scikit-learn convention); ``epochs`` or ``steps`` set the
    training length. Every default is ``genforge train tabular``'s (``TabularDomain.train_defaults``
    and the model's defaults), so the CLI and this class fit the same model from the same rows
    and seed. ``target`` names a class column that is conditioned on more often (for balanced
    augmentation); ``holdout`` keeps that share of rows out of training for the metrics;
    ``resample`` is the discriminator-driven resampling step of ``sample`` (``resampling.py``),
    ``copy_guard`` its replacement of exact copies of training rows (``copy_guard.py``);
    ``constraints`` a TOML path or a list of rules (``constraints/``); ``epsilon`` (or
    ``privacy``, a dict such as ``{"epsilon": 3, "delta": 1e-6}``) trains with differential
    privacy (``privacy/``); ``threads`` torch's thread count while fitting and sampling
    (``threads.py``: "auto" is 1 on <= 2 cores). ``batch_size="auto"`` (a quarter of the table,
    128-500 rows) and ``ema_decay="auto"`` (about the last sixth of the steps) are opt-in.
    ``evaluate=True`` computes the registered metrics after training (``training_summary_``);
    ``verbose=True`` prints the data report and the training time.
    """

    domain = "tabular"

    def __init__(self, epochs: float = TRAIN_DEFAULTS["epochs"], steps: int | None = None,
                 batch_size: int | str = TRAIN_DEFAULTS["batch_size"], discrete_columns: list[str] | None = None,
                 metadata: Any = None, target: str | None = None, latent_dim: int = 128,
                 generator_dims: tuple[int, ...] = (128, 128), critic_dims: tuple[int, ...] = (128, 128),
                 pac: int = 5, lr_g: float = TRAIN_DEFAULTS["lr_g"],
                 lr_d: float = TRAIN_DEFAULTS["lr_d"], n_critic: int = 1, dropout: float = 0.5,
                 ema_decay: float | str = TRAIN_DEFAULTS["ema_decay"], holdout: float = DEFAULT_HOLDOUT,
                 evaluate: bool = False, seed: int = 0, device: str = "auto",
                 precision: str = TRAIN_DEFAULTS["precision"], gumbel_hard: bool = True, penalty_every: int = 1,
                 dependencies: bool = True, target_pairs: bool = True, calibrate: bool = True,
                 resample: bool = True, copy_guard: bool = True, constraints: Any = None, epsilon: float | None = None,
                 privacy: Any = None, classifier_weight: float = 0.5, threads: int | str = "auto",
                 verbose: bool = False):
        self.epochs, self.steps, self.batch_size = epochs, steps, batch_size
        self.discrete_columns, self.metadata, self.target = discrete_columns, metadata, target
        self.latent_dim, self.generator_dims, self.critic_dims = latent_dim, generator_dims, critic_dims
        self.pac, self.lr_g, self.lr_d, self.n_critic = pac, lr_g, lr_d, n_critic
        self.dropout, self.ema_decay, self.holdout, self.evaluate = dropout, ema_decay, holdout, evaluate
        self.seed, self.device, self.verbose, self.gumbel_hard = seed, device, verbose, gumbel_hard
        self.penalty_every, self.dependencies, self.target_pairs = penalty_every, dependencies, target_pairs
        self.classifier_weight, self.precision, self.calibrate = classifier_weight, precision, calibrate
        self.resample, self.constraints, self.epsilon, self.privacy = resample, constraints, epsilon, privacy
        self.threads, self.copy_guard = threads, copy_guard

    # -- training ----------------------------------------------------------------------------
    def _privacy(self) -> Any:
        if self.epsilon is not None and self.privacy is not None:
            raise UserInputError("TabularGAN: give epsilon or privacy, not both (privacy={'epsilon': ...} "
                                 "carries delta and the other settings)")
        return {"epsilon": self.epsilon} if self.epsilon is not None else self.privacy

    def _dataset_options(self, target: str | None = None) -> dict[str, Any]:
        """The dataset options ``genforge train tabular`` would get: on/off flags only when not
        on (on is their default, and privacy refuses them when given)."""
        flags = {name: getattr(self, name) for name in ("dependencies", "target_pairs", "calibrate", "resample", "copy_guard")
                 if getattr(self, name) is not True}
        return {k: v for k, v in {"target": target, "discrete_columns": self.discrete_columns,
                                  "metadata": self.metadata, "holdout": self.holdout, **flags,
                                  "constraints": constraints_option(self.constraints),
                                  "privacy": self._privacy()}.items()
                if v is not None}

    def _batch_size(self, rows: int) -> int:
        """``"auto"``: the domain's :func:`automatic_batch_size` (as ``genforge train`` settles it),
        rounded down to whole packs of ``pac``."""
        pac = 1 if self._privacy() is not None else self.pac  # DP trains unpacked (private_options)
        if self.batch_size == "auto":
            size = automatic_batch_size(rows)
        else:
            size = int(self.batch_size)
        return max(pac, size - size % pac)

    def _ema_decay(self, steps: int) -> float:
        """``"auto"``: 1 - 1 / (EMA_SHARE * steps), within [0.9, 0.999] (0.995 for 1,200 steps)."""
        if self.ema_decay == "auto":
            return min(0.999, max(0.9, 1.0 - 1.0 / (EMA_SHARE * steps)))
        if isinstance(self.ema_decay, str):
            raise UserInputError(f"ema_decay must be a number in [0, 1) or 'auto', got {self.ema_decay!r}")
        return float(self.ema_decay)

    def _engine(self) -> dict[str, Any]:
        """Engine settings private training needs (``privacy/private_model.py``), else the class's."""
        if self._privacy() is None:
            return {"precision": self.precision}
        from genforge_tabular.privacy.private_model import PRIVATE_TRAINING_CONFIG
        return dict(PRIVATE_TRAINING_CONFIG)

    def _config(self, rows: int, target: str | None = None) -> TrainConfig:
        """The training configuration for a table of ``rows`` training rows."""
        return make_config("tabular", self._settings(rows, target))

    def _settings(self, rows: int, target: str | None) -> dict[str, Any]:
        engine = self._engine()
        model_options = {"latent_dim": self.latent_dim, "generator_dims": list(self.generator_dims),
                         "critic_dims": list(self.critic_dims), "dropout": self.dropout,
                         "gumbel_hard": self.gumbel_hard, "classifier_weight": self.classifier_weight,
                         "pac": 1 if self._privacy() is not None else self.pac}  # as _batch_size
        batch = self._batch_size(rows)
        steps = self.steps if self.steps is not None else total_steps(TrainConfig(epochs=self.epochs,
                                                                                  batch_size=batch), rows)
        return {
            "epochs": self.epochs if self.steps is None else None, "steps": self.steps,
            "batch_size": batch, "lr_g": self.lr_g, "lr_d": self.lr_d,
            "n_critic": self.n_critic, "penalty_every": self.penalty_every, "ema_decay": self._ema_decay(steps),
            "seed": self.seed, "device": self.device, **engine,
            "dataset_options": self._dataset_options(target), "model_options": model_options}

    def fit(self, X: Any, y: Any = None) -> "TabularGAN":
        """Train on a DataFrame, CSV or Parquet path; ``y`` (optional) is added as the target column."""
        with torch_threads(self.threads):
            super().fit(X, y)
        if self.verbose:
            for line in self.report_.lines():
                print(line)
            print(f"trained {self.training_summary_['steps']} steps (batch {self.config_.batch_size}) in "
                  f"{self.training_summary_['wall_time']:.1f}s")
        return self

    def _training_data(self, X: Any, y: Any, registry: Any) -> Any:
        target = self.target
        if isinstance(X, (str, Path)) and y is None:  # the reader of `genforge train --dataset FILE`
            source = load_file(Path(X), {})        # (a large file is streamed: streaming.py)
        else:
            frame = read_table(X)
            if y is not None:
                target = self.target or getattr(y, "name", None) or "target"
                frame[target] = pd.Series(list(y), index=frame.index)
            source = TableSource(frame, str(X) if isinstance(X, (str, Path)) else "the DataFrame")
        data = registry.domain("tabular").prepare(source, self._dataset_options(target), self.seed)
        self.report_, self.target_ = data.report, target
        return data

    def _overrides(self, data: Any) -> dict[str, Any]:
        return self._settings(data.size, self.target_)

    def sample(self, n: int, conditions: dict[str, Any] | None = None, seed: int | None = None) -> pd.DataFrame:
        """Exactly ``n`` rows; each satisfies every ``{column: value}`` condition."""
        with torch_threads(self.threads):
            return super().sample(n, conditions, seed)

    def save(self, path: str | Path) -> Path:
        """The model file; constraints given as objects are saved as plain data."""
        given = self.constraints
        self.constraints = constraints_option(given)
        try:
            return super().save(path)
        finally:
            self.constraints = given
