"""How many CPU threads torch uses, for every command and estimator that runs a network.

torch's own default is one thread per core, which on a busy 2-core machine was 7x slower than
one thread (issue 20). The default here: ``GENFORGE_THREADS`` when set, else 1 thread on
machines with at most 2 cores and half the cores (at most 8) on larger ones. ``--threads N`` on
``genforge train`` / ``sample`` / ``evaluate`` / ``report`` (and plugin commands such as
``augment``) and estimators' ``threads=N`` (``TabularGAN``) choose it explicitly.
"""
from __future__ import annotations

import contextlib
import os
from typing import Any, Iterator

from genforge.errors import UserInputError

#: the environment variable that sets the default thread count
THREADS_ENV = "GENFORGE_THREADS"
#: the most threads the default picks (small MLPs gain little from more)
MAX_DEFAULT_THREADS = 8
THREADS_HELP = ("torch CPU threads, a whole number or auto; default: auto (GENFORGE_THREADS, else 1 on "
                "<= 2 cores, half the cores up to 8 on larger ones; more threads on a busy 2-core machine "
                "were 7x slower)")
_chosen = False  # set once this process has chosen a thread count (see ensure_threads)


def add_threads_argument(parser: Any) -> None:
    """``--threads N`` on a command's parser (read back with :func:`use_threads`)."""
    parser.add_argument("--threads", metavar="N", help=THREADS_HELP)


def default_threads() -> int:
    """``GENFORGE_THREADS``, else 1 on <= 2 cores, else half the cores up to 8."""
    setting = os.environ.get(THREADS_ENV, "").strip()
    if setting:
        return resolve_threads(setting, THREADS_ENV)
    cores = os.cpu_count() or 1
    return 1 if cores <= 2 else min(MAX_DEFAULT_THREADS, cores // 2)


def resolve_threads(value: Any, where: str = "threads") -> int:
    """``None`` or ``"auto"``: the default; otherwise a positive whole number."""
    if value is None or value == "auto":
        return default_threads()
    try:
        number = int(value)
        ok = number == float(value) and number > 0 and not isinstance(value, bool)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise UserInputError(f"{where}={value!r}: expected a positive whole number of threads or 'auto'")
    return number


def use_threads(value: Any = None, where: str = "--threads") -> int:
    """Set torch's thread count for this process (``value`` as :func:`resolve_threads` reads it)."""
    import torch  # here, not at import: the CLI's parsers import this module before any torch

    global _chosen
    threads = resolve_threads(value, where)
    torch.set_num_threads(threads)
    _chosen = True
    return threads


def ensure_threads() -> None:
    """The default thread count, unless this process has already chosen one."""
    if not _chosen:
        use_threads(None, THREADS_ENV)


@contextlib.contextmanager
def torch_threads(value: Any, where: str = "threads") -> Iterator[int]:
    """Run a block with ``value`` threads, then restore the previous count (the estimator's way)."""
    import torch

    global _chosen
    before, was_chosen = torch.get_num_threads(), _chosen
    threads = use_threads(value, where)
    try:
        yield threads
    finally:
        torch.set_num_threads(before)
        _chosen = was_chosen
