"""The one way the tool writes an output file (``--sarif``, ``--output``, ``--report``,
``--summary``, ``--write-baseline``, ``manifest build -o``).

What is at the path decides how it is written (``docs/security.md``):

- absent or a regular file: atomic replace (a same-folder temporary file,
  fsync, ``os.replace``, fsync the folder), so readers see the old or the new
  file, never a mix;
- a character device or a FIFO (``/dev/null``, ``/dev/stdout``, a pipe): written
  through in place, as shell redirection does; never replaced (replacing
  ``/dev/null`` with a regular file as root breaks the machine);
- ``/dev/stdout``, ``/dev/stderr``, ``/dev/fd/N``, ``/proc/self/fd/N``: written to
  that descriptor;
- any other symlink, a folder, a socket or a block device: refused (exit 2).

Temporary files are named ``.governance-hooks-tmp.<name>.<random>`` (the prefix
is :data:`governance_hooks.repo.TEMP_PREFIX`); every file listing and
``manifest build``/``verify`` ignore that prefix, and the file is removed on
any exit the process can see (exceptions, Ctrl-C, SIGTERM while writing); what
``kill -9`` leaves is ignored.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import stat
import tempfile
import threading
from pathlib import Path
from typing import Optional, Union

from .errors import ToolError
from .repo import TEMP_PREFIX

_FD_PATH = re.compile(r"^/(?:dev/fd|proc/self/fd)/(\d+)$")
_STD_PATHS = {"/dev/stdout": 1, "/dev/stderr": 2}
_WRITE_FLAGS = os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _descriptor(path: Path) -> Optional[int]:
    """The open descriptor a ``/dev/stdout``-style path names, else ``None``."""
    text = os.path.abspath(path)
    if text in _STD_PATHS:
        return _STD_PATHS[text]
    match = _FD_PATH.match(text)
    return int(match.group(1)) if match else None


def _write_all(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _refuse(path: Path, what: str) -> ToolError:
    return ToolError(f"{path}: output path is {what}; refusing to write there (name a regular file, "
                     "a new path, /dev/stdout or a FIFO)")


def _kind(mode: int) -> Optional[str]:
    """``None`` when the tool may write to a file of this mode through in place, else its refusal words."""
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "not a regular file"


def write_atomic(path: Path, data: Union[bytes, str], *, encoding: str = "utf-8", append: bool = False) -> None:
    """Write ``data`` to the output ``path`` by the rules of this module.

    Args:
        append: add to the end of a regular file instead of replacing it (the
            GitHub step summary is appended to); still never follows a symlink.

    The original file's permission bits are kept (new files get ``0o644`` less
    the umask). If anything fails before the replace, the original is intact
    and the temporary file is removed.

    Raises:
        ToolError: the path is a symlink (other than ``/dev/stdout``-style), a
            folder, a socket or a block device.
        OSError: when the folder is not writable or the disk is full.
    """
    path = Path(path)
    payload = data.encode(encoding) if isinstance(data, str) else data
    fd_number = _descriptor(path)
    if fd_number is not None:
        _write_all(fd_number, payload)
        return
    try:
        link = os.lstat(path)
    except FileNotFoundError:
        link = None
    if link is not None and stat.S_ISLNK(link.st_mode):
        raise _refuse(path, "a symbolic link")
    if link is not None and not stat.S_ISREG(link.st_mode):
        refusal = _kind(link.st_mode)
        if refusal is not None:
            raise _refuse(path, refusal)
        _write_through(path, payload)
        return
    if append:
        _append(path, payload)
        return
    _replace(path, payload, link)


def _write_through(path: Path, payload: bytes) -> None:
    """Write into a character device or FIFO in place (blocks on a FIFO until a reader opens it, as ``>`` does)."""
    fd = os.open(path, _WRITE_FLAGS | getattr(os, "O_NOFOLLOW", 0))
    try:
        if _kind(os.fstat(fd).st_mode) is not None:  # swapped since the lstat
            raise _refuse(path, "not a device or FIFO any more")
        _write_all(fd, payload)
    finally:
        os.close(fd)


def _append(path: Path, payload: bytes) -> None:
    fd = os.open(path, _WRITE_FLAGS | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode) and _kind(mode) is not None:
            raise _refuse(path, _kind(mode) or "not a regular file")
        _write_all(fd, payload)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _sigterm_as_exit():
    """While a temporary file exists, SIGTERM unwinds (``SystemExit``) so the file is removed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _exit(signum, frame):
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, _exit)
    except (ValueError, OSError):  # not allowed here (embedded interpreter)
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _replace(path: Path, payload: bytes, existing: Optional[os.stat_result]) -> None:
    with _sigterm_as_exit():
        _replace_now(path, payload, existing)


def _replace_now(path: Path, payload: bytes, existing: Optional[os.stat_result]) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    if existing is not None:
        mode = stat.S_IMODE(existing.st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o644 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        current = _lstat(path)
        if current is not None and not stat.S_ISREG(current.st_mode):  # replaced by a link or device meanwhile
            raise _refuse(path, "no longer a regular file")
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(folder)


def _lstat(path: Path) -> Optional[os.stat_result]:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def _fsync_dir(folder: Path) -> None:
    """Persist the rename itself (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
