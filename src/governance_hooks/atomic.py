"""Atomic file writes: temporary file in the same folder, fsync, ``os.replace``, fsync the folder."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Union


def write_atomic(path: Path, data: Union[bytes, str], *, encoding: str = "utf-8") -> None:
    """Replace ``path`` with ``data`` so readers see the old or the new file, never a mix.

    The original file's permission bits are kept (new files get ``0o644`` less
    the umask). If anything fails before the replace, the original is intact
    and the temporary file is removed.

    Raises:
        OSError: when the folder is not writable or the disk is full.
    """
    path = Path(path)
    payload = data.encode(encoding) if isinstance(data, str) else data
    folder = path.parent if str(path.parent) else Path(".")
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o644 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(folder)


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
