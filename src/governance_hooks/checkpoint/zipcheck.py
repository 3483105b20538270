"""Read zip archives (PyTorch checkpoints, ``.npz``) the way a strict reader would, and say
where loaders disagree.

``zipfile`` parses the central directory; each member's local header is then read
by hand, because PyTorch's reader (miniz) trusts the central directory and ignores
things ``zipfile`` refuses (encryption flag bits, a different local name), which is
how scanners built on ``zipfile`` get bypassed. Each disagreement is an issue and
the member is still read as PyTorch would read it (the bytes the central directory
points at).

Source: PKWARE APPNOTE.TXT 6.3.10, sections 4.3.7 (local file header), 4.3.12
(central directory) and 4.4.4 (general purpose bit flag).
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import List, Optional

LOCAL_MAGIC = b"PK\x03\x04"
EOCD_MAGIC = b"PK\x05\x06"
_LOCAL = struct.Struct("<4sHHHHHIIIHH")

#: General purpose flag bits that change how the data must be read (APPNOTE 4.4.4).
FLAG_ENCRYPTED = 0x0001
FLAG_PATCHED = 0x0020
FLAG_STRONG_ENCRYPTION = 0x0040
FLAG_MASKED_HEADERS = 0x2000
_BAD_FLAGS = {
    FLAG_ENCRYPTED: "encryption",
    FLAG_PATCHED: "compressed patched data",
    FLAG_STRONG_ENCRYPTION: "strong encryption",
    FLAG_MASKED_HEADERS: "masked local headers",
}


class ZipProblem(Exception):
    """The archive as a whole cannot be read."""


@dataclass
class Member:
    """One central-directory entry and where its data really is.

    Attributes:
        name: the central-directory name (what PyTorch looks up).
        data_start: absolute offset of the member's data (after the local header).
        compressed_size, size: byte counts from the central directory.
        method: compression method (0 stored, 8 deflate, ...).
        crc: the recorded CRC-32.
        problems: disagreements found in headers (each becomes a finding).
    """

    name: str
    data_start: int
    compressed_size: int
    size: int
    method: int
    crc: int
    flags: int
    problems: List[str] = field(default_factory=list)


def find_eocd(buf, size: int) -> Optional[int]:
    """Offset of the end-of-central-directory record, searching the last 64 KiB + 22 bytes."""
    lo = max(0, size - (1 << 16) - 22)
    tail = buf[lo:size]
    at = tail.rfind(EOCD_MAGIC)
    return None if at < 0 else lo + at


def read_members(fileobj, buf, size: int) -> List[Member]:
    """Every central-directory member with its header disagreements.

    Args:
        fileobj: the open file (for ``zipfile``).
        buf: the same bytes, sliceable (``mmap``/``bytes``), for the local headers.
        size: the byte count of ``buf``.

    Raises:
        ZipProblem: the central directory cannot be parsed.
    """
    try:
        archive = zipfile.ZipFile(fileobj)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise ZipProblem(f"the zip central directory cannot be read: {exc}") from None
    members: List[Member] = []
    seen = {}
    for info in infos:
        member = Member(info.filename, 0, info.compress_size, info.file_size, info.compress_type, info.CRC, info.flag_bits)
        if info.filename in seen:
            member.problems.append(f"the name {info.filename!r} appears {seen[info.filename] + 1} times in the central directory")
        seen[info.filename] = seen.get(info.filename, 0) + 1
        for bit, what in _BAD_FLAGS.items():
            if info.flag_bits & bit:
                member.problems.append(f"flag bit 0x{bit:04x} ({what}) is set")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            member.problems.append(f"compression method {info.compress_type} is not stored or deflate")
        offset = info.header_offset
        header = buf[offset:offset + _LOCAL.size] if 0 <= offset < size else b""
        if len(header) != _LOCAL.size or header[:4] != LOCAL_MAGIC:
            member.problems.append(f"no local file header at offset {offset}")
            member.data_start = -1
            members.append(member)
            continue
        (_, _, lflags, lmethod, _, _, _, _, _, name_len, extra_len) = _LOCAL.unpack(header)
        local_name = bytes(buf[offset + _LOCAL.size: offset + _LOCAL.size + name_len])
        central_name = info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437", "replace")
        if local_name != central_name:
            member.problems.append(
                f"the local header names it {local_name.decode('utf-8', 'replace')!r}, "
                f"the central directory {info.orig_filename!r}")
        if lmethod != info.compress_type:
            member.problems.append(f"the local header says method {lmethod}, the central directory {info.compress_type}")
        if (lflags ^ info.flag_bits) & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION):
            member.problems.append("local and central headers disagree on encryption")
        member.data_start = offset + _LOCAL.size + name_len + extra_len
        if member.data_start + info.compress_size > size:
            member.problems.append(f"its data ({info.compress_size} bytes) runs past the end of the file")
            member.data_start = -1
        members.append(member)
    return members


def member_bytes(buf, member: Member, max_bytes: int) -> bytes:
    """The member's uncompressed bytes, at most ``max_bytes``.

    Stored members are sliced as-is whatever the flag bits say (PyTorch's reader
    does the same). Deflated members are inflated incrementally.

    Raises:
        ZipProblem: unsupported method or corrupt deflate data.
        OverflowError: the output would exceed ``max_bytes`` (a decompression bomb).
    """
    raw = buf[member.data_start:member.data_start + member.compressed_size]
    if member.method == zipfile.ZIP_STORED:
        if len(raw) > max_bytes:
            raise OverflowError(f"{len(raw)} bytes exceed the budget of {max_bytes}")
        return bytes(raw)
    if member.method == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
        try:
            out = inflater.decompress(raw, max_bytes + 1)
        except zlib.error as exc:
            raise ZipProblem(f"corrupt deflate data: {exc}") from None
        if len(out) > max_bytes:
            raise OverflowError(f"inflates past the budget of {max_bytes} bytes (compressed {len(raw)})")
        return out
    raise ZipProblem(f"compression method {member.method} is not supported")


def member_prefix(buf, member: Member, n: int) -> bytes:
    """The first ``n`` uncompressed bytes of a member (for sniffing), without inflating the rest.

    Raises:
        ZipProblem: unsupported method or corrupt deflate data.
    """
    if member.method == zipfile.ZIP_STORED:
        return bytes(buf[member.data_start:member.data_start + min(n, member.compressed_size)])
    if member.method == zipfile.ZIP_DEFLATED:
        raw = buf[member.data_start:member.data_start + member.compressed_size]
        try:
            return zlib.decompressobj(-15).decompress(raw, n)
        except zlib.error as exc:
            raise ZipProblem(f"corrupt deflate data: {exc}") from None
    raise ZipProblem(f"compression method {member.method} is not supported")


def crc_ok(member: Member, data: bytes) -> bool:
    """True when ``data`` has the CRC-32 and size the central directory records."""
    return len(data) == member.size and (zlib.crc32(data) & 0xFFFFFFFF) == member.crc
