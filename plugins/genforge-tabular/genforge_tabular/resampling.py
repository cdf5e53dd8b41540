"""Discriminator-driven resampling of synthetic rows (Azadi et al. 2019, discriminator
rejection sampling, in its sampling-importance-resampling form).

After training, a small classifier learns to tell training rows from generated ones on the
features a detector sees (standardized numbers with missing flags, one-hot levels). Its
logit estimates ``log p_real(x) / p_generated(x)``. At sampling time each requested row is
chosen from :data:`CANDIDATES` generated candidates by that ratio, without replacement
(Gumbel top-k, seeded by the sampling generator): rows the classifier finds implausible
are drawn less often, no row is repeated, and the cost is bounded (four times the generator
and decoder work, one small network pass). The logit is clipped to :data:`MAX_LOG_RATIO`, so
no single region can take over a sample. Part of every ``sample`` (conditional ones too);
dataset option ``resample = false`` turns it off; a table with fewer than :data:`MIN_ROWS`
training rows is sampled without it (said in the data report).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

from genforge_tabular.features import TableFeatures

#: generated candidates per requested row
CANDIDATES = 4
#: training rows needed to fit the classifier
MIN_ROWS = 200
#: real and generated rows the classifier is fitted on (each)
FIT_ROWS = 5000
MAX_LOG_RATIO = 3.0
HIDDEN = 128
EPOCHS, BATCH, LR, WEIGHT_DECAY = 60, 256, 1e-3, 1e-4


class DensityRatioResampler:
    """The fitted classifier (plain data in ``state``) and the resampling step."""

    def __init__(self, state: dict[str, Any]):
        self.state = state
        self.features = TableFeatures.from_state(state["features"])
        self.net = _network(len(state["mean"]))
        self.net.load_state_dict({k: torch.tensor(v, dtype=torch.float32) for k, v in state["weights"].items()})
        self.net.eval()
        self.mean = torch.tensor(state["mean"], dtype=torch.float32)
        self.scale = torch.tensor(state["scale"], dtype=torch.float32)

    @classmethod
    def fit(cls, real: pd.DataFrame, generated: pd.DataFrame, kinds: dict[str, str],
            seed: int) -> "DensityRatioResampler":
        """Fit on equal numbers of real and generated rows; the epoch count is chosen on a
        held-out fifth (the lowest validation loss), so the ratio stays calibrated."""
        features = TableFeatures(real, kinds)
        x = torch.tensor(np.concatenate([features.transform(real), features.transform(generated)]),
                         dtype=torch.float32)
        y = torch.cat([torch.ones(len(real)), torch.zeros(len(generated))])
        mean, scale = x.mean(0), x.std(0).clamp_min(1e-6)
        x = (x - mean) / scale
        gen = torch.Generator().manual_seed(seed)
        order = torch.randperm(len(x), generator=gen)
        val, fit = order[: len(x) // 5], order[len(x) // 5:]
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            net = _network(x.shape[1])
        opt = torch.optim.Adam(net.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
        loss_fn = torch.nn.BCEWithLogitsLoss()
        best, best_state = float("inf"), None
        for _ in range(EPOCHS):
            net.train()
            for batch in fit[torch.randperm(len(fit), generator=gen)].split(BATCH):
                opt.zero_grad()
                loss_fn(net(x[batch]).squeeze(1), y[batch]).backward()
                opt.step()
            net.eval()
            with torch.no_grad():
                val_loss = float(loss_fn(net(x[val]).squeeze(1), y[val]))
            if val_loss < best:
                best, best_state = val_loss, {k: v.detach().clone() for k, v in net.state_dict().items()}
        return cls({"features": features.to_state(), "mean": mean.tolist(), "scale": scale.tolist(),
                    "weights": {k: v.tolist() for k, v in best_state.items()}, "validation_loss": best})

    def log_ratio(self, rows: pd.DataFrame) -> torch.Tensor:
        x = (torch.tensor(self.features.transform(rows), dtype=torch.float32) - self.mean) / self.scale
        with torch.no_grad():
            return self.net(x).squeeze(1).clamp(-MAX_LOG_RATIO, MAX_LOG_RATIO)

    def select(self, candidates: pd.DataFrame, n: int, rng: torch.Generator) -> pd.DataFrame:
        """``n`` of the candidates, drawn without replacement with probability ~ the density ratio."""
        if len(candidates) <= n:
            return candidates.reset_index(drop=True)
        u = torch.rand(len(candidates), generator=rng, dtype=torch.float64).clamp(1e-12, 1 - 1e-12)
        keys = self.log_ratio(candidates).double() - torch.log(-torch.log(u))
        chosen = torch.sort(torch.topk(keys, n).indices).values.numpy()
        return candidates.iloc[chosen].reset_index(drop=True)


def _network(width: int) -> torch.nn.Module:
    return torch.nn.Sequential(torch.nn.Linear(width, HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, HIDDEN),
                               torch.nn.ReLU(), torch.nn.Linear(HIDDEN, 1))
