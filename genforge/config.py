"""Training configuration: one dataclass, loadable from TOML with checked keys."""
from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genforge.engine.precision import PRECISIONS
from genforge.errors import UserInputError
from genforge.suggestions import did_you_mean


#: the value of a key the domain settles once the data is loaded (``batch_size = "auto"``)
AUTOMATIC = "auto"


@dataclass
class TrainConfig:
    """Everything that decides a training run. Same config + seed -> same weights on CPU."""

    domain: str = ""
    dataset: str = ""
    model: str = ""
    loss: str = ""
    steps: int | None = None
    epochs: float | None = None
    #: samples per batch, or "auto": chosen by the domain once the data is loaded
    #: (:meth:`genforge.domain.Domain.automatic_settings`)
    batch_size: int | str = 256
    n_critic: int = 1
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas_g: tuple[float, float] = (0.5, 0.999)
    betas_d: tuple[float, float] = (0.5, 0.999)
    gp_weight: float | None = None  # None: the loss's default (10 for wgan-gp)
    r1_weight: float = 0.0
    penalty_every: int = 1  # lazy regularization (StyleGAN2): GP/R1 on every k-th D update, weight x k
    # the G step reuses the last D step's fake batch (and its conditions), generated with
    # gradients: one generator forward less per step (the DCGAN reference loop does this)
    reuse_fake: bool = False
    ema_decay: float = 0.0  # 0 disables the generator EMA
    temperature_start: float = 1.0
    temperature_end: float = 1.0
    seed: int = 0
    eval_every: int = 0  # 0: evaluate once, at the end
    eval_samples: int = 2000
    checkpoint_every: int = 0  # every N steps (0: off); see checkpoint_minutes
    checkpoint_minutes: float = 5.0  # every N minutes of wall time and at the end (0: off)
    keep_checkpoints: int = 3
    early_stop_metric: str = ""
    early_stop_patience: int = 5
    log_every: int = 10
    device: str = "auto"
    # "bf16": forward passes under bf16 autocast (fp32 weights); "auto": bf16 where native
    precision: str = "fp32"
    model_options: dict[str, Any] = field(default_factory=dict)
    dataset_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.betas_g, self.betas_d = tuple(self.betas_g), tuple(self.betas_d)
        self.validate()

    def validate(self) -> None:
        positive = {"n_critic": self.n_critic, "penalty_every": self.penalty_every,
                    "lr_g": self.lr_g, "lr_d": self.lr_d, "log_every": self.log_every,
                    "eval_samples": self.eval_samples, "keep_checkpoints": self.keep_checkpoints}
        if self.batch_size != AUTOMATIC:
            positive["batch_size"] = self.batch_size
        for key, value in positive.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise UserInputError(f"config key {key!r} must be a positive number, got {value!r}")
        for key in ("steps", "epochs"):
            value = getattr(self, key)
            if value is not None and (not isinstance(value, (int, float)) or value <= 0):
                raise UserInputError(f"config key {key!r} must be a positive number, got {value!r}")
        if self.precision not in PRECISIONS:
            raise UserInputError(f"config key 'precision' must be one of {', '.join(PRECISIONS)}, "
                                 f"got {self.precision!r}")
        for key in ("checkpoint_every", "checkpoint_minutes"):
            value = getattr(self, key)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise UserInputError(f"config key {key!r} must be a number >= 0, got {value!r}")
        if not 0.0 <= self.ema_decay < 1.0:
            raise UserInputError(f"config key 'ema_decay' must be in [0, 1), got {self.ema_decay!r}")
        for key in ("betas_g", "betas_d"):
            betas = getattr(self, key)
            if len(betas) != 2 or not all(0.0 <= b < 1.0 for b in betas):
                raise UserInputError(f"config key {key!r} must be two numbers in [0, 1), got {betas!r}")

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["betas_g"], out["betas_d"] = list(self.betas_g), list(self.betas_d)
        return out

    @classmethod
    def from_dict(cls, values: dict[str, Any], source: str = "config") -> "TrainConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        aliases = {"model": "model_options", "dataset": "dataset_options"}
        flat: dict[str, Any] = {}
        values = _moved_keys(values)
        for key, value in values.items():
            if isinstance(value, dict) and key in aliases:  # [model] / [dataset] tables
                flat[aliases[key]] = value
            elif key not in known:
                raise UserInputError(f"{source}: unknown key {key!r}{did_you_mean(key, known) or ';'} "
                                     f"known keys: {', '.join(sorted(known))}")
            else:
                flat[key] = value
        try:
            return cls(**flat)
        except TypeError as exc:
            raise UserInputError(f"{source}: {exc}") from None

    @classmethod
    def from_toml(cls, path: Path, overrides: dict[str, Any] | None = None) -> "TrainConfig":
        values = read_toml(path)
        values.update({k: v for k, v in (overrides or {}).items() if v is not None})
        return cls.from_dict(values, source=str(path))


def _moved_keys(values: dict[str, Any]) -> dict[str, Any]:
    """Keys that moved: ``pac`` (PacGAN packing) was an engine key and is a model option
    (``[model] pac = N`` / ``--option pac=N``) since format 2; a run saved before reads as one."""
    if "pac" not in values:
        return values
    values = dict(values)
    pac = values.pop("pac")
    if pac != 1:
        table = "model" if isinstance(values.get("model"), dict) else "model_options"
        values[table] = {"pac": pac, **(values.get(table) or {})}
    return values


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file as a dict, with errors that name the file and the problem."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserInputError(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise UserInputError(f"{path}: malformed TOML: {exc}") from None
    except UnicodeDecodeError:
        raise UserInputError(f"{path}: config is not UTF-8 text") from None
