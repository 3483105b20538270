"""Path rules for manifest entries: safety, caseless collisions, and the ``--shard K/N`` split."""

from __future__ import annotations

import heapq
import re
import unicodedata
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from ..errors import ToolError

_DRIVE = re.compile(r"[A-Za-z]:")


def unsafe_reason(path: str) -> Optional[str]:
    """Why ``path`` is not a safe relative POSIX path inside the dataset root, or ``None`` if it is.

    Rejected (the file is then never opened): empty names, NUL bytes, absolute
    paths (``/x``, ``//server/x``), Windows drive letters (``C:x``), backslashes
    (a Windows separator: ``a\\..\\..\\x``), ``..`` segments, and non-canonical
    forms (empty or ``.`` segments, a trailing ``/``) that would let one file
    hide under two names.
    """
    if not path:
        return "is empty"
    if "\0" in path:
        return "contains a NUL byte"
    if not path.isascii():
        try:
            path.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            return "is not valid Unicode (a lone surrogate), so it names no file"
    if path[0] == "/":
        return "is absolute"
    if _DRIVE.match(path):
        return "starts with a drive letter"
    if "\\" in path:
        return "contains a backslash (a Windows separator)"
    framed = f"/{path}/"
    if "/../" in framed:
        return "contains '..' (leaves the dataset root)"
    if "/./" in framed or "//" in framed:
        return "is not canonical (empty or '.' segment, or a trailing '/')"
    return None


def caseless_key(path: str) -> str:
    """Canonical caseless form of ``path``: NFD(casefold(NFD(path))) (Unicode 15, section 3.13, D145).

    Two names with equal keys are the same file on case-insensitive,
    normalising file systems (APFS, HFS+, NTFS with default settings): NFC and
    NFD spellings of "é", or "Data.BIN" and "data.bin".
    """
    if path.isascii():
        return path.lower()  # NFD is the identity on ASCII, and casefold() is lower() there
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", path).casefold())


def collisions(paths: Iterable[str]) -> List[List[str]]:
    """Groups (each sorted, at least two distinct paths) whose caseless keys are equal; sorted."""
    groups: Dict[str, set] = {}
    for path in paths:
        groups.setdefault(caseless_key(path), set()).add(path)
    return sorted(sorted(g) for g in groups.values() if len(g) > 1)


def parse_shard(text: Optional[str]) -> Optional[Tuple[int, int]]:
    """Parse ``K/N`` (1 <= K <= N) into ``(K, N)``; ``None`` for ``None``.

    Raises:
        ToolError: for anything else.
    """
    if text is None:
        return None
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match:
        raise ToolError(f"--shard {text!r}: expected K/N, e.g. 2/8")
    k, n = int(match.group(1)), int(match.group(2))
    if not 1 <= k <= n:
        raise ToolError(f"--shard {text!r}: need 1 <= K <= N")
    return k, n


def assign_shards(items: Sequence[Tuple[str, int]], n: int) -> Dict[str, int]:
    """Split ``(path, size)`` items over ``n`` jobs, balanced by bytes; job numbers are 1-based.

    Longest-processing-time-first greedy (Graham 1969; within 4/3 of the optimum
    makespan): largest items first (ties by path), each to the least-loaded job
    (ties by job number). Depends only on the items, so every job of a CI
    matrix computes the same split from the same manifest.
    """
    order = sorted(items, key=lambda item: (-item[1], item[0]))
    heap = [(0, job) for job in range(1, n + 1)]
    owner: Dict[str, int] = {}
    for path, size in order:
        load, job = heapq.heappop(heap)
        owner[path] = job
        heapq.heappush(heap, (load + max(size, 1), job))
    return owner
