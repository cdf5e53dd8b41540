"""Errors that reach users: what was wrong, where, and what to do."""
from __future__ import annotations


class GenforgeError(Exception):
    """Base class of every error genforge raises on purpose."""


class UserInputError(GenforgeError):
    """A user mistake (bad name, file, config, condition).

    The CLI prints the message without a traceback and exits with status 2.
    """

    exit_status = 2


class CheckpointError(UserInputError):
    """A checkpoint or model file that is missing, truncated, corrupted, unsafe or of
    another domain/version (a :class:`UserInputError`: exit status 2)."""


class TrainingDiverged(GenforgeError):
    """A loss became NaN or infinite; the step is refused."""

    exit_status = 1

    def __init__(self, step: int, which: str, value: float):
        self.step, self.which, self.value = step, which, value
        super().__init__(
            f"step {step}: {which} loss is {value}; the step was not applied and the "
            "last good checkpoint is intact. Try a lower learning rate, a gradient "
            "penalty (--loss wgan-gp) or spectral norm."
        )
