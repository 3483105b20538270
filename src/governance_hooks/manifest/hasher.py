"""sha256 of many files at once: large reads, a thread pool, and small files in batches.

``hashlib`` releases the GIL while digesting buffers over 2 KiB, so threads
hash in parallel; each file is still one sequential stream. Small files are
grouped so that 10,000 of them cost a few hundred pool tasks, not 10,000.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Dict, Hashable, List, Optional, Sequence, Tuple

#: Bytes per read: large enough that syscalls and the GIL hand-off are noise next to sha256.
CHUNK = 1 << 20
#: Files at least this large are one task each; smaller ones are batched.
LARGE = 8 << 20
#: A batch of small files holds at most this many bytes or files.
BATCH_BYTES = 8 << 20
BATCH_FILES = 128

_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
               | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))


@dataclass(frozen=True)
class Digest:
    """Result of hashing one file.

    Attributes:
        sha256: lowercase hex, or ``None`` on error.
        error: why the file could not be read (``None`` on success).
        stat: ``fstat`` of the opened file before reading (for the stat cache).
        stable: False if size or mtime changed while it was read (never cache it).
        head: the first bytes (up to 1024) when the file is that small, for
            Git LFS pointer detection without a second open.
    """

    sha256: Optional[str]
    error: Optional[str] = None
    stat: Optional[os.stat_result] = None
    stable: bool = True
    head: Optional[bytes] = None


_local = threading.local()


def _buffer() -> memoryview:
    buf = getattr(_local, "buf", None)
    if buf is None:
        buf = _local.buf = memoryview(bytearray(CHUNK))
    return buf


def hash_file(path: str) -> Digest:
    """Hash one file, opened without following a final symlink and without blocking on FIFOs.

    Never raises for I/O problems: they come back as ``Digest(None, error=...)``.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        return Digest(None, error=exc.strerror or str(exc))
    try:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            return Digest(None, error="not a regular file")
        if before.st_size >= LARGE and _fadvise is not None:
            try:
                _fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)  # ask for aggressive read-ahead
            except OSError:
                pass
        size = before.st_size
        if size < CHUNK:
            # Small file: one read of size+1 bytes. Getting exactly `size` bytes back means the
            # end of the file (a regular file only reads short at its end); anything else
            # (it grew, or a short read) continues with the loop below.
            data = os.read(fd, size + 1)
            digest = hashlib.sha256(data)
            total = len(data)
            head = data if total <= 1024 else None
            more = total != size
        else:
            digest = hashlib.sha256()
            total, head, more = 0, None, True
        if more:
            buf = _buffer()
            buffers = [buf]
            while True:
                n = _readinto(fd, buffers)
                if not n:
                    break
                if not total and n <= 1024:
                    head = bytes(buf[:n])
                digest.update(buf[:n])
                total += n
        after = os.fstat(fd)
    except OSError as exc:
        return Digest(None, error=exc.strerror or str(exc))
    finally:
        os.close(fd)
    stable = (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns) and total == before.st_size
    return Digest(digest.hexdigest(), stat=before, stable=stable, head=head if total <= 1024 else None)


def _readv_fallback(fd: int, buffers) -> int:
    """``os.readv`` for platforms without it (Windows): one read into the first buffer."""
    data = os.read(fd, len(buffers[0]))
    buffers[0][: len(data)] = data
    return len(data)


_readinto = getattr(os, "readv", None) or _readv_fallback
_fadvise = getattr(os, "posix_fadvise", None)


def default_workers() -> int:
    """Threads to use: one per usable CPU, capped at 16.

    More threads than CPUs do not hash faster (sha256 is CPU-bound; reads are
    overlapped by the kernel's read-ahead, asked for with ``posix_fadvise``)
    and make the threads fight for the GIL between small files: measured on
    10,000 small files, 4 threads on 2 CPUs cost 2-3x the CPU time of 1 or 2.
    """
    try:
        cpus = len(os.sched_getaffinity(0))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(16, cpus))


def _batches(items: Sequence[Tuple[Hashable, str, int]]) -> List[List[Tuple[Hashable, str, int]]]:
    """Large files alone, largest first (so they do not finish last); small files in batches."""
    large = sorted((i for i in items if i[2] >= LARGE), key=lambda i: -i[2])
    batches: List[List[Tuple[Hashable, str, int]]] = [[i] for i in large]
    current: List[Tuple[Hashable, str, int]] = []
    weight = 0
    for item in items:
        if item[2] >= LARGE:
            continue
        current.append(item)
        weight += item[2]
        if weight >= BATCH_BYTES or len(current) >= BATCH_FILES:
            batches.append(current)
            current, weight = [], 0
    if current:
        batches.append(current)
    return batches


def hash_many(
    items: Sequence[Tuple[Hashable, str, int]],
    workers: Optional[int] = None,
    progress: Optional[Callable[[int], None]] = None,
) -> Dict[Hashable, Digest]:
    """Hash ``(key, path, expected_size)`` items on a thread pool; returns ``key -> Digest``.

    ``expected_size`` (bytes) only schedules the work; ``progress`` is called
    with the byte count of each file as it completes (from worker threads).
    """
    results: Dict[Hashable, Digest] = {}
    if not items:
        return results
    workers = workers or default_workers()

    def run(batch):
        out = []
        for key, path, size in batch:
            out.append((key, hash_file(path)))
            if progress is not None:
                progress(size)
        return out

    batches = _batches(items)
    if workers == 1 or len(batches) == 1:
        for batch in batches:
            results.update(run(batch))
        return results
    pool = ThreadPoolExecutor(max_workers=min(workers, len(batches)), thread_name_prefix="sha256")
    try:
        for out in pool.map(run, batches):
            results.update(out)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return results
