"""``GANOverSampler``: an imbalanced-learn over-sampler that generates minority rows with a GAN.

``sampling_strategy`` has imbalanced-learn's meaning (float, "auto", "minority",
"not majority", "not minority", "all", dict, callable); the rows for each class
come from :class:`TabularGAN` by exact conditional sampling on the class.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_target_type

from genforge.errors import UserInputError
from genforge_tabular.domain import TRAIN_DEFAULTS
from genforge_tabular.estimator import TabularGAN

TARGET = "__genforge_target__"


class GANOverSampler(BaseOverSampler):
    """Over-sample classes with rows from a conditional tabular GAN.

    Works on DataFrames (mixed types) and arrays; ``categorical_features`` lists
    columns (names or indices) to treat as categorical; other keyword arguments of
    :class:`TabularGAN` are passed through ``gan_params``.
    """

    _sampling_type = "over-sampling"

    def __init__(self, *, sampling_strategy: Any = "auto", random_state: int | None = None,
                 categorical_features: list | None = None, epochs: float = TRAIN_DEFAULTS["epochs"],
                 batch_size: int | str = TRAIN_DEFAULTS["batch_size"],
                 gan_params: dict[str, Any] | None = None):
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.categorical_features = categorical_features
        self.epochs, self.batch_size, self.gan_params = epochs, batch_size, gan_params

    def _check_X_y(self, X, y):
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        if len(np.unique(y)) < 2:
            raise UserInputError(f"GANOverSampler: the target has one class ({np.unique(y)[0]!r}); "
                                 "over-sampling needs at least two")
        return X, y, binarize_y

    def _fit_resample(self, X, y):
        frame = X.copy() if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype=object))
        frame.columns = [str(c) for c in frame.columns]
        numeric_view = not isinstance(X, pd.DataFrame)
        if numeric_view:
            frame = frame.infer_objects()
        discrete = [frame.columns[c] if isinstance(c, (int, np.integer)) else str(c)
                    for c in (self.categorical_features or [])]
        data = frame.reset_index(drop=True)
        data[TARGET] = np.asarray(y)
        seed = 0 if self.random_state is None else int(self.random_state)
        params = {"epochs": self.epochs, "batch_size": self.batch_size, "seed": seed, **(self.gan_params or {})}
        self.gan_ = TabularGAN(target=TARGET, discrete_columns=discrete + [TARGET], **params)
        self.gan_.fit(data)
        parts = [data]
        for i, (label, n) in enumerate(self.sampling_strategy_.items()):
            if n > 0:
                parts.append(self.gan_.sample(n, conditions={TARGET: label}, seed=seed + 1 + i))
        out = pd.concat(parts, ignore_index=True)
        y_res = out.pop(TARGET).to_numpy()
        if isinstance(y, pd.Series) or getattr(y, "dtype", None) is not None:
            y_res = y_res.astype(np.asarray(y).dtype)
        if isinstance(X, pd.DataFrame):
            out.columns = X.columns
            out = out.astype(X.dtypes.to_dict(), errors="ignore")
            return out, y_res
        return out.to_numpy(dtype=np.asarray(X).dtype if np.asarray(X).dtype != object else object), y_res
