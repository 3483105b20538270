"""Read zip archives (PyTorch checkpoints, ``.npz``) the way a strict reader would, and say
where loaders disagree.

``zipfile`` parses the central directory; each member's local header is then read
by hand, because PyTorch's reader (miniz) trusts the central directory and ignores
things ``zipfile`` refuses (encryption flag bits, a different local name), which is
how scanners built on ``zipfile`` get bypassed. Each disagreement is an issue and
the member is still read as PyTorch would read it (the bytes the central directory
points at).

A second, independent reading follows the central directory exactly where the
end-of-central-directory record says it is (PyTorch's miniz reader does this; Python's
``zipfile`` instead takes the directory that ends right before that record and shifts
every offset by the difference). When the two readings name different members, both
sets are scanned and the disagreement is a finding. miniz also looks names up without
regard to case, so ``archive/DATA.PKL`` is what ``torch.load`` opens for ``data.pkl``:
names that differ only in case are a finding too.

Source: PKWARE APPNOTE.TXT 6.3.10, sections 4.3.7 (local file header), 4.3.12
(central directory), 4.3.14-16 (Zip64 end records) and 4.4.4 (general purpose bit flag);
miniz ``mz_zip_reader_read_central_dir`` and ``mz_zip_reader_locate_file`` (case-insensitive
unless ``MZ_ZIP_FLAG_CASE_SENSITIVE``); CPython ``Lib/zipfile`` ``_EndRecData``/``_RealGetContents``.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

LOCAL_MAGIC = b"PK\x03\x04"
EOCD_MAGIC = b"PK\x05\x06"
_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_EOCD = struct.Struct("<4sHHHHIIH")
_ZIP64_LOCATOR = struct.Struct("<4sIQI")
_ZIP64_EOCD = struct.Struct("<4sQHHIIQQQQ")
CENTRAL_MAGIC = b"PK\x01\x02"
#: Entries read from a recorded central directory before giving up (a hostile count cannot loop long).
MAX_ENTRIES = 1_000_000

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


@dataclass
class _Entry:
    name: str
    raw_name: bytes
    header_offset: int
    compressed_size: int
    size: int
    method: int
    crc: int
    flags: int
    #: ``zipfile`` or ``recorded`` (the directory at the end record's offset, read only when the two differ).
    reading: str = "zipfile"


def recorded_directory(buf, size: int) -> Optional[List[_Entry]]:
    """The central directory at the offset the end record gives, read without ``zipfile`` (miniz's way).

    Returns ``None`` when there is no end record or the directory it points at does not parse.
    """
    eocd = find_eocd(buf, size)
    if eocd is None or eocd + _EOCD.size > size:
        return None
    (_, _, _, _, count, cd_size, cd_offset, _) = _EOCD.unpack(bytes(buf[eocd:eocd + _EOCD.size]))
    locator = eocd - _ZIP64_LOCATOR.size
    if locator >= 0 and bytes(buf[locator:locator + 4]) == b"PK\x06\x07":
        (_, _, z64_at, _) = _ZIP64_LOCATOR.unpack(bytes(buf[locator:eocd]))
        record = bytes(buf[z64_at:z64_at + _ZIP64_EOCD.size]) if 0 <= z64_at < size else b""
        if len(record) == _ZIP64_EOCD.size and record[:4] == b"PK\x06\x06":
            (_, _, _, _, _, _, _, count, cd_size, cd_offset) = _ZIP64_EOCD.unpack(record)
    if cd_offset + cd_size > size or count > MAX_ENTRIES:
        return None
    entries: List[_Entry] = []
    at = cd_offset
    for _ in range(count):
        head = bytes(buf[at:at + _CENTRAL.size])
        if len(head) != _CENTRAL.size or head[:4] != CENTRAL_MAGIC:
            return None
        (_, _, _, flags, method, _, _, crc, csize, usize, nlen, elen, clen, _, _, _, offset) = _CENTRAL.unpack(head)
        raw = bytes(buf[at + _CENTRAL.size:at + _CENTRAL.size + nlen])
        extra = bytes(buf[at + _CENTRAL.size + nlen:at + _CENTRAL.size + nlen + elen])
        usize, csize, offset = _zip64_sizes(extra, usize, csize, offset)
        name = raw.decode("utf-8" if flags & 0x800 else "cp437", "replace")
        entries.append(_Entry(name, raw, offset, csize, usize, method, crc, flags, "recorded"))
        at += _CENTRAL.size + nlen + elen + clen
    return entries


def _zip64_sizes(extra: bytes, usize: int, csize: int, offset: int):
    """Apply the Zip64 extended information field (APPNOTE 4.5.3) to the fields saturated at 0xFFFFFFFF."""
    i = 0
    while i + 4 <= len(extra):
        tag, length = struct.unpack("<HH", extra[i:i + 4])
        body = extra[i + 4:i + 4 + length]
        if tag == 1:
            values = [struct.unpack("<Q", body[j:j + 8])[0] for j in range(0, len(body) - 7, 8)]
            if usize == 0xFFFFFFFF and values:
                usize = values.pop(0)
            if csize == 0xFFFFFFFF and values:
                csize = values.pop(0)
            if offset == 0xFFFFFFFF and values:
                offset = values.pop(0)
        i += 4 + length
    return usize, csize, offset


def read_members(fileobj, buf, size: int) -> Tuple[List[Member], List[str]]:
    """Every member of both readings (``zipfile``'s and the recorded directory's) and their disagreements.

    Args:
        fileobj: the open file (for ``zipfile``).
        buf: the same bytes, sliceable (``mmap``/``bytes``), for the local headers.
        size: the byte count of ``buf``.

    Returns:
        ``(members, problems)``: per-member header problems are on each member; ``problems`` are
        archive-level (the readings differ, names differ only in case).

    Raises:
        ZipProblem: neither reading of the central directory parses.
    """
    problems: List[str] = []
    try:
        archive = zipfile.ZipFile(fileobj)
        infos = archive.infolist()
        zip_error = None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
        infos, zip_error = [], exc
    recorded = recorded_directory(buf, size)
    entries = [_Entry(i.filename, i.orig_filename.encode("utf-8" if i.flag_bits & 0x800 else "cp437", "replace"),
                      i.header_offset, i.compress_size, i.file_size, i.compress_type, i.CRC, i.flag_bits) for i in infos]
    if zip_error is not None:
        if not recorded:
            raise ZipProblem(f"the zip central directory cannot be read: {zip_error}")
        problems.append(f"Python's zipfile cannot read the archive ({zip_error}) but the central directory the end "
                        f"record points at lists {len(recorded)} members, which PyTorch's reader opens")
    if recorded is not None:
        seen_view = {(e.name, e.header_offset, e.compressed_size) for e in entries}
        extra = [e for e in recorded if (e.name, e.header_offset, e.compressed_size) not in seen_view]
        if extra and zip_error is None:
            problems.append(
                f"two central directories: the one the end record points at lists {', '.join(repr(e.name) for e in extra[:3])}"
                f"{' and more' if len(extra) > 3 else ''}, which Python's zipfile does not see (PyTorch's reader "
                f"reads that one); both readings were scanned")
        entries.extend(extra)
    by_lower: dict = {}
    for e in entries:
        by_lower.setdefault(e.name.lower(), set()).add(e.name)
    for names in by_lower.values():
        if len(names) > 1:
            problems.append(f"member names {', '.join(repr(n) for n in sorted(names))} differ only in case: "
                            f"PyTorch's reader looks names up case-insensitively, so which one it opens is not "
                            f"the one zipfile-based tools pick")
    members: List[Member] = []
    seen: dict = {}
    for info in entries:
        member = Member(info.name, 0, info.compressed_size, info.size, info.method, info.crc, info.flags)
        key = (info.reading, info.name)
        if key in seen:
            member.problems.append(f"the name {info.name!r} appears {seen[key] + 1} times in the central directory")
        seen[key] = seen.get(key, 0) + 1
        for bit, what in _BAD_FLAGS.items():
            if info.flags & bit:
                member.problems.append(f"flag bit 0x{bit:04x} ({what}) is set")
        if info.method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            member.problems.append(f"compression method {info.method} is not stored or deflate")
        offset = info.header_offset
        header = buf[offset:offset + _LOCAL.size] if 0 <= offset < size else b""
        if len(header) != _LOCAL.size or header[:4] != LOCAL_MAGIC:
            member.problems.append(f"no local file header at offset {offset}")
            member.data_start = -1
            members.append(member)
            continue
        (_, _, lflags, lmethod, _, _, _, _, _, name_len, extra_len) = _LOCAL.unpack(header)
        local_name = bytes(buf[offset + _LOCAL.size: offset + _LOCAL.size + name_len])
        if local_name != info.raw_name:
            member.problems.append(
                f"the local header names it {local_name.decode('utf-8', 'replace')!r}, "
                f"the central directory {info.name!r}")
        if lmethod != info.method:
            member.problems.append(f"the local header says method {lmethod}, the central directory {info.method}")
        if (lflags ^ info.flags) & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION):
            member.problems.append("local and central headers disagree on encryption")
        member.data_start = offset + _LOCAL.size + name_len + extra_len
        if member.data_start + info.compressed_size > size:
            member.problems.append(f"its data ({info.compressed_size} bytes) runs past the end of the file")
            member.data_start = -1
        members.append(member)
    return members, problems


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
