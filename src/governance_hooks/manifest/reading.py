"""Read a manifest file through the one safe-open, with the manifest check's own errors.

A ``manifest.json`` in a repository is untrusted: it may be a FIFO (an ``open``
for reading would wait for a writer forever), a symlink to ``/dev/zero`` (whose
``st_size`` is 0, so a size check passes and a read never ends), or a symlink to
a file outside the repository. Reading is refused for all of them before any
byte is read, and a read stops at ``limit + 1`` bytes whatever ``stat`` said.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional


class Unreadable(Exception):
    """The manifest cannot or must not be read; ``str(exc)`` says why (for ``manifest/unreadable-file``)."""


class TooLarge(Exception):
    """The manifest has more than the byte budget; ``size`` is its size, or ``None`` when it grew while read."""

    def __init__(self, size: Optional[int]) -> None:
        super().__init__(size)
        self.size = size


def read_manifest(path: Path, limit: int, repo_root: Optional[Path] = None) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Args:
        path: the manifest; symlinks are followed (to a regular file only).
        limit: the byte budget (``max-manifest-bytes``), at least 1.
        repo_root: when ``path`` is inside this folder, a symlink that resolves
            outside it is refused (the repository's content ends there).

    Raises:
        Unreadable: not a regular file (FIFO, device, socket, folder), a
            symlink out of ``repo_root``, or an ``OSError`` (message: its strerror).
        TooLarge: more than ``limit`` bytes (by ``fstat``, or found while reading).
    """
    from ..safe_open import UnsafeFile, read_repo_bytes

    in_repo = repo_root is not None and _inside(os.path.abspath(path), os.path.abspath(repo_root))
    try:
        return read_repo_bytes(path, repo_root if in_repo else None, limit=limit)
    except UnsafeFile as exc:
        if exc.too_large is not None:
            raise TooLarge(exc.too_large if exc.too_large >= 0 else None) from None
        if exc.errno is not None:
            raise Unreadable(f"manifest cannot be read: {exc.strerror}") from None
        raise Unreadable(f"manifest {exc.reason}; not read") from None


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
