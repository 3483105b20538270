"""Stream an NDJSON file (plain or gzip) as blocks of raw lines, in bounded memory.

Memory is bounded by the block size plus the longest line allowed
(``max_line_bytes``); a longer line is skipped without being buffered and
stands in the block as a :class:`TooLong` placeholder. The UTF-8 byte order
mark at the very start of a file is removed and reported. Line numbers are
1-based and counted from the start of the segment being read.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator, List, Optional, Union

BOM = b"\xef\xbb\xbf"
BLOCK_SIZE = 1 << 20
DEFAULT_MAX_LINE_BYTES = 16 << 20
DEFAULT_MAX_DECOMPRESSED_BYTES = 16 << 30


class TooLong(int):
    """Placeholder for a line longer than the budget; the value is its length in bytes."""


Line = Union[bytes, TooLong]


@dataclass
class Block:
    """Consecutive lines of a file.

    Attributes:
        first_line: number of ``lines[0]`` (1-based, within the segment).
        lines: raw lines without ``\\n`` (``\\r`` kept), or :class:`TooLong`.
        buffer: the bytes the lines were split from (``b"\\n".join(lines)``)
            when every line is plain bytes; ``None`` otherwise.
    """

    first_line: int
    lines: List[Line]
    buffer: Optional[bytes]


class ReadFailure(Exception):
    """The file could not be read to the end; ``line`` is the last complete line read."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


class BudgetExceeded(Exception):
    """More decompressed data than allowed; ``line`` is the last line read."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


def is_gzip(path: Path) -> bool:
    """True for a ``.gz`` name (the format is then checked by decompression)."""
    return path.name.endswith(".gz")


def open_stream(path: Path, root: Optional[Path] = None) -> BinaryIO:
    """Open ``path`` for binary reading, decompressing ``.gz`` transparently.

    Args:
        root: the repository ``path`` lies in; a path that resolves outside it is
            refused at the open (``None``: a file the operator named outside any repository).

    Raises:
        OSError: the file cannot be opened (``UnsafeFile`` when refused).
    """
    from ..safe_open import open_repo_file

    # Regular files only, never blocking (a FIFO or device refused as an OSError); logs may be huge.
    handle = open_repo_file(path, root, limit=None)
    if is_gzip(path):
        stream = gzip.GzipFile(fileobj=handle, mode="rb")
        stream.myfileobj = handle  # closed with the stream, as gzip.open does for the file it opens
        return stream  # type: ignore[return-value]
    return handle


def read_blocks(
    path: Path,
    *,
    start: int = 0,
    end: Optional[int] = None,
    block_size: int = BLOCK_SIZE,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
    bom: Optional[list] = None,
    root: Optional[Path] = None,
) -> Iterator[Block]:
    """Yield :class:`Block` s of ``path`` from byte ``start`` to ``end`` (plain files only).

    Args:
        start, end: a segment of a plain file; both must be line starts (or 0 / EOF).
        bom: a list that receives ``True`` when a BOM was removed from line 1.
        root: the repository (see :func:`open_stream`); a link out is a ``ReadFailure``.

    Raises:
        ReadFailure: I/O error or corrupt/truncated gzip stream (after the
            blocks read so far were yielded).
        BudgetExceeded: more than ``max_decompressed_bytes`` of data.
    """
    try:
        handle = open_stream(path, root)
    except OSError as exc:
        raise ReadFailure(f"cannot open: {exc.strerror or exc}", 0) from None
    line_no = 1
    with handle:
        if start:
            handle.seek(start)
        remaining = None if end is None else end - start
        total = 0
        pending: List[bytes] = []  # pieces of a line that has not ended yet
        pending_size = 0
        skipping: Optional[int] = None  # length so far of a too-long line being skipped
        first = start == 0
        while True:
            size = block_size if remaining is None else min(block_size, remaining)
            if size <= 0:
                break
            try:
                data = handle.read(size)
            except (OSError, EOFError, zlib.error) as exc:
                raise ReadFailure(_describe_read_error(exc, path), line_no - 1) from None
            if not data:
                break
            total += len(data)
            if remaining is not None:
                remaining -= len(data)
            if total > max_decompressed_bytes:
                raise BudgetExceeded(f"more than {max_decompressed_bytes} bytes of data", line_no - 1)
            if first:
                first = False
                while len(data) < len(BOM) and (remaining is None or remaining > 0):
                    try:
                        more = handle.read(len(BOM) - len(data))  # tiny reads must not split the BOM
                    except (OSError, EOFError, zlib.error) as exc:
                        raise ReadFailure(_describe_read_error(exc, path), 0) from None
                    if not more:
                        break
                    data += more
                    total += len(more)
                    if remaining is not None:
                        remaining -= len(more)
                if data.startswith(BOM):
                    data = data[len(BOM):]
                    if bom is not None:
                        bom.append(True)
            cut = data.rfind(b"\n")
            if cut < 0:
                if skipping is not None:
                    skipping += len(data)
                    continue
                pending.append(data)
                pending_size += len(data)
                if pending_size > max_line_bytes:
                    skipping, pending, pending_size = pending_size, [], 0
                continue
            head, tail = data[:cut], data[cut + 1:]
            if skipping is not None:
                nl = head.find(b"\n")
                first_part, rest = (head, None) if nl < 0 else (head[:nl], head[nl + 1:])
                lines: List[Line] = [TooLong(skipping + len(first_part))]
                skipping = None
                if rest is not None:
                    lines.extend(rest.split(b"\n"))
                block = Block(line_no, lines, None)
            else:
                if pending:
                    pending.append(head)
                    head = b"".join(pending)
                    pending, pending_size = [], 0
                block = Block(line_no, head.split(b"\n"), head)
            block = _enforce_line_budget(block, max_line_bytes)
            yield block
            line_no += len(block.lines)
            if tail:
                pending.append(tail)
                pending_size = len(tail)
                if pending_size > max_line_bytes:
                    skipping, pending, pending_size = pending_size, [], 0
        if skipping is not None:
            yield Block(line_no, [TooLong(skipping)], None)
        elif pending:
            last = b"".join(pending)
            yield _enforce_line_budget(Block(line_no, [last], last), max_line_bytes)


def _enforce_line_budget(block: Block, max_line_bytes: int) -> Block:
    """Replace lines longer than the budget (joined from pieces) by :class:`TooLong`."""
    if block.buffer is not None and len(block.buffer) <= max_line_bytes:
        return block
    lines = [TooLong(len(l)) if isinstance(l, bytes) and len(l) > max_line_bytes else l for l in block.lines]
    exact = all(isinstance(l, bytes) for l in lines) and block.buffer is not None
    return Block(block.first_line, lines, block.buffer if exact else None)


def _describe_read_error(exc: BaseException, path: Path) -> str:
    if isinstance(exc, EOFError):
        return "compressed stream ends early (truncated .gz file)"
    if isinstance(exc, gzip.BadGzipFile):
        return f"not a gzip file ({exc})"
    if isinstance(exc, zlib.error):
        return f"corrupt compressed data ({exc})"
    if isinstance(exc, OSError):
        return f"read error: {exc.strerror or exc}"
    return str(exc)  # pragma: no cover


def segment_bounds(path: Path, parts: int, root: Optional[Path] = None) -> List[int]:
    """Byte offsets that split a plain file into about ``parts`` segments at line starts.

    ``root``: the repository (see :func:`open_stream`).

    Returns ``[0, b1, ..., size]`` (strictly increasing).
    """
    from ..safe_open import open_repo_file

    size = path.stat().st_size
    bounds = [0]
    with open_repo_file(path, root, limit=None) as handle:
        for i in range(1, parts):
            target = size * i // parts
            if target <= bounds[-1]:
                continue
            handle.seek(target - 1)
            handle.readline()  # finish the line containing target-1: the next one starts a segment
            pos = handle.tell()
            if bounds[-1] < pos < size:
                bounds.append(pos)
    bounds.append(size)
    return bounds
