"""sha256 of files, and Git LFS pointer files (spec: git-lfs docs/spec.md)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

CHUNK = 1 << 20  # 1 MiB reads: large enough to keep hashlib (which releases the GIL) busy

#: An LFS pointer is a tiny text file; the spec caps it well below this.
LFS_POINTER_MAX = 1024
_LFS_VERSION = b"version https://git-lfs.github.com/spec/v1"
_LFS_KEY = re.compile(rb"[a-z0-9.-]+")
_LFS_OID = re.compile(rb"sha256:([0-9a-f]{64})")
_LFS_SIZE = re.compile(rb"0|[1-9][0-9]*")


@dataclass(frozen=True)
class LfsPointer:
    """A parsed Git LFS pointer: the sha256 and size (bytes) of the real object."""

    oid: str
    size: int


def sha256_file(path: Path, root: Optional[Union[str, Path]] = None) -> str:
    """Lowercase hex sha256 of the file's bytes, streamed in 1 MiB chunks.

    Args:
        root: the repository ``path`` belongs to: a path that resolves outside it
            is refused at the open (``None``: a path the operator named).

    Raises:
        OSError: when the file cannot be read (``UnsafeFile`` when refused).
    """
    digest = hashlib.sha256()
    from .safe_open import open_repo_file

    with open_repo_file(path, root, limit=None) as handle:  # regular files only, never blocking
        buf = bytearray(CHUNK)
        view = memoryview(buf)
        while True:
            n = handle.readinto(buf)
            if not n:
                break
            digest.update(view[:n])
    return digest.hexdigest()


def parse_lfs_pointer(data: bytes) -> Optional[LfsPointer]:
    """Parse ``data`` as an LFS pointer file; ``None`` if it is not one.

    Accepts the v1 format: ``version`` line first, ``oid sha256:<64 hex>`` and
    ``size <int>`` lines, keys sorted, LF line endings, at most 1024 bytes.
    """
    if len(data) > LFS_POINTER_MAX or not data.endswith(b"\n"):
        return None
    lines = data[:-1].split(b"\n")
    if lines[0] != _LFS_VERSION:
        return None
    fields = {}
    for line in lines[1:]:  # `key value` lines, one per key (line by line: no regex backtracking)
        key, sep, value = line.partition(b" ")
        if not sep or key in fields or not _LFS_KEY.fullmatch(key):
            return None
        fields[key] = value
    oid = _LFS_OID.fullmatch(fields.get(b"oid", b""))
    size = _LFS_SIZE.fullmatch(fields.get(b"size", b""))
    if oid is None or size is None:
        return None
    return LfsPointer(oid=oid.group(1).decode("ascii"), size=int(size.group(0)))


def read_lfs_pointer(path: Path, root: Optional[Union[str, Path]] = None) -> Optional[LfsPointer]:
    """Read ``path`` and parse it as an LFS pointer if it is small enough to be one.

    ``root``: as for :func:`sha256_file`; a refused or unreadable file is not a pointer (``None``).
    """
    try:
        from .safe_open import open_repo_file

        with open_repo_file(path, root, limit=None) as handle:
            data = handle.read(LFS_POINTER_MAX + 1)
    except OSError:
        return None
    return parse_lfs_pointer(data)
