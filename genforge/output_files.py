"""The one way genforge writes a user-facing output file: to a temporary file in the target
folder, renamed into place only when complete, so an existing file is never truncated and a
failed write (disk full, read-only folder) never leaves a file that looks complete.

Write failures become :class:`OutputWriteError` ("cannot write PATH: reason", exit status 2).
A target that is a device or pipe (``/dev/stdout``, ``/dev/full``) is written directly.
"""
from __future__ import annotations

import errno
import os
import secrets
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from genforge.errors import UserInputError

_REASONS = {
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EISDIR: "it is a directory; give a file name",
    errno.ENOTDIR: "a parent of it is a file, not a folder",
    errno.ENOENT: "its folder does not exist",
    errno.ENAMETOOLONG: "the name is too long",
}
#: the messages with which torch's zip writer reports a failed write (e.g. a full disk)
_TORCH_WRITE_ERRORS = ("unexpected pos", "PytorchStreamWriter", "inline_container", "file write failed")


class OutputWriteError(UserInputError):
    """An output file that could not be written; the message names the path and the reason."""

    def __init__(self, path: Path | str, reason: str):
        self.path, self.reason = Path(path), reason
        super().__init__(f"cannot write {path}: {reason}")


def write_failure(path: Path | str, exc: BaseException) -> OutputWriteError:
    """``exc`` (an OSError, or torch's RuntimeError of a failed save) as an OutputWriteError."""
    if isinstance(exc, OSError):
        reason = _REASONS.get(exc.errno or 0) or (exc.strerror or str(exc)).lower()
    elif any(marker in str(exc) for marker in _TORCH_WRITE_ERRORS):
        reason = "the write failed part-way (is the disk full?)"
    else:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return OutputWriteError(path, reason)


def _is_write_failure(exc: BaseException) -> bool:
    return isinstance(exc, OSError) or (isinstance(exc, RuntimeError)
                                        and any(m in str(exc) for m in _TORCH_WRITE_ERRORS))


def check_target(path: Path | str) -> Path:
    """Refuse, before any work, an output path that cannot be a file: a directory, a path under
    a file, a missing or read-only folder."""
    path = Path(path)
    if path.is_dir():
        raise OutputWriteError(path, _REASONS[errno.EISDIR])
    parent = path.parent
    for folder in (parent, *parent.parents):
        if folder.exists():
            if not folder.is_dir():
                raise OutputWriteError(path, f"{folder} is a file, not a folder")
            break
    if not parent.exists():
        raise OutputWriteError(path, f"folder {parent} does not exist")
    if not _is_device(path) and not os.access(parent, os.W_OK | os.X_OK):
        read_only = bool(os.statvfs(parent).f_flag & os.ST_RDONLY)
        raise OutputWriteError(path, _REASONS[errno.EROFS if read_only else errno.EACCES] + f" (folder {parent})")
    return path


def _is_device(path: Path) -> bool:
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


@contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """A temporary path beside ``path`` (same suffixes, so libraries that pick a format by
    suffix still work) for code that writes by file name (PIL, pyarrow, matplotlib,
    ``torch.save``); renamed onto ``path`` when the block ends without an error."""
    path = check_target(path)
    if _is_device(path):
        try:
            yield path
        except BaseException as exc:
            if _is_write_failure(exc):
                raise write_failure(path, exc) from exc
            raise
        return
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.partial{''.join(path.suffixes[-1:])}"
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, path)
    except BaseException as exc:
        _remove(tmp)
        if _is_write_failure(exc):
            raise write_failure(path, exc) from exc
        raise


@contextmanager
def atomic_open(path: Path | str, mode: str = "w", encoding: str | None = "utf-8",
                newline: str | None = None) -> Iterator[IO]:
    """``open()`` for writing, through :func:`atomic_path`."""
    if "b" in mode:
        encoding = None
    with atomic_path(path) as tmp:
        try:
            with open(tmp, mode, encoding=encoding, newline=newline) as handle:
                yield handle
        except OSError as exc:
            raise write_failure(path, exc) from exc


def write_text(path: Path | str, text: str) -> Path:
    with atomic_open(path, "w") as handle:
        handle.write(text)
    return Path(path)


def write_bytes(path: Path | str, data: bytes) -> Path:
    with atomic_open(path, "wb") as handle:
        handle.write(data)
    return Path(path)


def make_folder(path: Path | str) -> Path:
    """``mkdir -p`` for an output folder, with write failures as OutputWriteError."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (OSError, FileExistsError) as exc:
        raise write_failure(path, exc) from exc
    return path


def _fsync(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def _remove(path: Path) -> None:
    """Remove a temporary file on the way out of a failed write; the write's own error is the one
    reported, so a second failure here (the folder went read-only) is not raised over it."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        return
