"""Close-match suggestions for mistyped names ("did you mean 'species'?"): the one place the core,
the CLI and plugins (through ``genforge.did_you_mean`` / ``genforge.check_name``) word them."""
from __future__ import annotations

import difflib
from typing import Iterable

from genforge.errors import UserInputError

#: how alike a name must be to be suggested (difflib's ratio, 0-1)
CUTOFF = 0.6


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``known`` (case-insensitive), or ``""``."""
    known = [str(k) for k in known]
    by_lower = {k.lower(): k for k in known}
    matches = difflib.get_close_matches(str(word).lower(), list(by_lower), n=1, cutoff=CUTOFF)
    return f"; did you mean {by_lower[matches[0]]!r}?" if matches else ""


def unknown_name(kind: str, name: str, known: Iterable[str], where: str = "",
                 label: str = "available") -> UserInputError:
    """The error for a ``name`` not among ``known``: the closest match first, then the full list,
    e.g. ``unknown model 'molgn' for domain 'molecule'; did you mean 'molgan'? available: ...``."""
    known = sorted(str(k) for k in known)
    return UserInputError(f"unknown {kind} {name!r}{where}{did_you_mean(name, known) or ';'} "
                          f"{label}: {', '.join(known) or 'none'}")


def check_name(kind: str, name: str | None, known: Iterable[str], where: str = "",
               label: str = "available") -> None:
    """Refuse a ``name`` that is not among ``known`` (None passes) with :func:`unknown_name`."""
    known = list(known)
    if name is not None and name not in known:
        raise unknown_name(kind, name, known, where, label)
