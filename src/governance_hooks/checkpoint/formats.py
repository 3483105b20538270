"""Recognise checkpoint formats by content, parse ``.npy`` headers, and inflate compressed joblib files.

Nothing here trusts the file name. Sources: NumPy NEP 1 / ``numpy/lib/format.py``
(``.npy`` v1.0-3.0), joblib ``compressor.py`` (magic numbers of its compressors and
the pre-0.9.3 ``ZF`` header), the safetensors README (8-byte header length).
"""

from __future__ import annotations

import bz2
import io
import lzma
import struct
import tokenize
import zlib
from dataclasses import dataclass
from typing import Optional, Tuple

from .. import pysource

NPY_MAGIC = b"\x93NUMPY"
#: Larger ``.npy`` headers are refused (NumPy's own default limit is 10 000 bytes).
NPY_MAX_HEADER = 1 << 20
#: Opcode bytes that can start a pickle stream of protocol 0 or 1 (2+ start with PROTO).
PICKLE_OPENERS = frozenset(b"(c]})NIJKMSVXFUGTLi\x88\x89\x8a")


#: Output chunk size while inflating, and the default ratio limit beyond RATIO_FLOOR bytes of output
#: (zlib cannot exceed about 1032:1; far higher ratios only come from crafted or all-constant data,
#: and a constant array of a few hundred MB is a real artefact, hence the floor).
CHUNK = 16 << 20
RATIO_FLOOR = 256 << 20
MAX_RATIO = 4000


class FormatProblem(Exception):
    """A container header is invalid (a finding, never a crash)."""


class DecompressionBomb(Exception):
    """Decompressed output exceeded the budget."""


def sniff_compression(head: bytes) -> Optional[str]:
    """The joblib compressor whose magic number starts ``head``, or ``None``.

    zlib is only claimed when the two-byte header is a valid RFC 1950 header
    (deflate method, check bits), since a lone ``x`` byte is common.
    """
    if head.startswith(b"ZF"):
        return "compat"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh") and len(head) > 3 and head[3:4].isdigit():
        return "bz2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head.startswith(b"\x5d\x00\x00"):
        return "lzma"
    if head.startswith(b"\x04\x22\x4d\x18"):
        return "lz4"
    if len(head) >= 2 and head[0] == 0x78 and (head[0] * 256 + head[1]) % 31 == 0:
        return "zlib"
    return None


def decompress(kind: str, data, max_bytes: int, max_ratio: int = MAX_RATIO, ratio_floor: int = RATIO_FLOOR) -> bytes:
    """Inflate ``data`` compressed with ``kind`` (see :func:`sniff_compression`), at most ``max_bytes``.

    Concatenated streams are read one after another, as the file objects joblib reads
    through do (``bz2.BZ2File``, ``lzma.LZMAFile``, joblib's ``BinaryZlibFile``, lz4 frames);
    trailing bytes that do not start another stream are ignored, as they do. Beyond
    ``ratio_floor`` output bytes, inflating more than ``max_ratio`` times the input is a bomb.

    Raises:
        DecompressionBomb: the output would exceed ``max_bytes`` or the ratio limit.
        FormatProblem: the stream is corrupt, truncated or of an unsupported kind.
    """
    data = bytes(data)
    if kind == "compat":
        # joblib < 0.9.3: "ZF" + hex length left-justified to 19 characters, optional space, zlib.
        body = data[21:]
        if body[:1] == b" ":
            body = body[1:]
        kind, data = "zlib", body
    out = bytearray()

    def grow(piece: bytes) -> None:
        out.extend(piece)
        if len(out) > max_bytes:
            raise DecompressionBomb(f"the {kind} stream inflates past {max_bytes} bytes (from {len(data)})")
        if len(out) > ratio_floor and len(out) > max_ratio * max(len(data), 1):
            raise DecompressionBomb(f"the {kind} stream inflates more than {max_ratio}:1 "
                                    f"({len(data)} bytes to over {len(out)})")

    pending = data
    first = True
    try:
        while pending:
            engine = _engine(kind)
            try:
                if kind in ("zlib", "gzip"):
                    while True:
                        piece = engine.decompress(pending, CHUNK)
                        grow(piece)
                        pending = engine.unconsumed_tail
                        if engine.eof or (not pending and not piece):
                            break
                else:
                    grow(engine.decompress(pending, CHUNK))
                    while not engine.eof and not engine.needs_input:
                        grow(engine.decompress(b"", CHUNK))
            except (zlib.error, OSError, lzma.LZMAError, EOFError, ValueError, RuntimeError) as exc:
                if first:
                    raise FormatProblem(f"corrupt {kind} stream: {exc}") from None
                break  # trailing bytes that are not another stream: the file objects stop here too
            if not engine.eof:
                if first:
                    raise FormatProblem(f"the {kind} stream is truncated")
                break
            first = False
            pending = engine.unused_data
    except DecompressionBomb:
        raise
    return bytes(out)


def _engine(kind: str):
    if kind in ("zlib", "gzip"):
        return zlib.decompressobj(31 if kind == "gzip" else 15)
    if kind == "bz2":
        return bz2.BZ2Decompressor()
    if kind in ("xz", "lzma"):
        return lzma.LZMADecompressor(lzma.FORMAT_XZ if kind == "xz" else lzma.FORMAT_ALONE)
    if kind == "lz4":
        import lz4.frame  # joblib's own lz4 support uses the same frame format

        return _Lz4(lz4.frame.LZ4FrameDecompressor())
    raise FormatProblem(f"unknown compression {kind!r}")


class _Lz4:
    """``lz4.frame.LZ4FrameDecompressor`` with the ``eof``/``needs_input`` protocol of ``bz2``/``lzma``."""

    def __init__(self, engine):
        self.engine = engine

    @property
    def eof(self) -> bool:
        return self.engine.eof

    @property
    def needs_input(self) -> bool:
        return self.engine.needs_input

    @property
    def unused_data(self) -> bytes:
        return self.engine.unused_data

    def decompress(self, data: bytes, max_length: int) -> bytes:
        return self.engine.decompress(data, max_length=max_length)


@dataclass
class NpyHeader:
    """A parsed ``.npy`` header: ``descr`` as written, ``shape``, and where the data starts."""

    version: Tuple[int, int]
    descr: object
    fortran_order: bool
    shape: Tuple[int, ...]
    data_start: int

    @property
    def has_object(self) -> bool:
        return _descr_has_object(self.descr)


def parse_npy_header(buf, size: int, start: int = 0) -> NpyHeader:
    """Parse the ``.npy`` header at ``start`` (NEP 1; versions 1.0, 2.0, 3.0).

    Raises:
        FormatProblem: bad magic, version, length, or header dictionary.
    """
    head = bytes(buf[start:start + 12])
    if head[:6] != NPY_MAGIC or len(head) < 10:
        raise FormatProblem("missing the .npy magic string")
    major, minor = head[6], head[7]
    if (major, minor) == (1, 0):
        (hlen,) = struct.unpack("<H", head[8:10])
        body = start + 10
    elif (major, minor) in ((2, 0), (3, 0)):
        if len(head) < 12:
            raise FormatProblem("truncated .npy header")
        (hlen,) = struct.unpack("<I", head[8:12])
        body = start + 12
    else:
        raise FormatProblem(f"unknown .npy format version {major}.{minor}")
    if hlen > NPY_MAX_HEADER or body + hlen > size:
        raise FormatProblem(f".npy header length {hlen} is too large for the file")
    raw = bytes(buf[body:body + hlen])
    try:
        text = raw.decode("utf-8" if major == 3 else "latin-1")
        try:
            header = pysource.literal(text)
        except SyntaxError:
            if major == 3:
                raise
            # Python 2 wrote long integers as 2L; numpy.lib.format._filter_header drops the L, so must we.
            header = pysource.literal(_drop_long_suffix(text))
    except (UnicodeDecodeError, ValueError, SyntaxError, MemoryError, RecursionError, TypeError,
            tokenize.TokenError, IndentationError) as exc:
        raise FormatProblem(f".npy header is not a Python literal: {type(exc).__name__}") from None
    if not isinstance(header, dict) or set(header) != {"descr", "fortran_order", "shape"}:
        raise FormatProblem(".npy header must be a dict with exactly descr, fortran_order and shape")
    shape = header["shape"]
    if not isinstance(shape, tuple) or not all(type(d) is int and d >= 0 for d in shape):
        raise FormatProblem(f".npy shape {shape!r} is not a tuple of sizes")
    if not isinstance(header["fortran_order"], bool):
        raise FormatProblem(".npy fortran_order is not a bool")
    return NpyHeader((major, minor), header["descr"], header["fortran_order"], shape, body + hlen)


def _drop_long_suffix(text: str) -> str:
    """Remove the ``L`` token that follows a number (``(2L, 3L)`` -> ``(2, 3)``), as NumPy does for v1/v2 headers."""
    tokens = []
    after_number = False
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if after_number and token.type == tokenize.NAME and token.string == "L":
            continue
        tokens.append(token[:2])
        after_number = token.type == tokenize.NUMBER
    return tokenize.untokenize(tokens)


def _descr_has_object(descr) -> bool:
    if isinstance(descr, str):
        return descr.lstrip("<>|=").startswith("O")
    if isinstance(descr, list):
        for entry in descr:
            if isinstance(entry, tuple) and len(entry) >= 2 and _descr_has_object(entry[1]):
                return True
        return False
    return True  # unknown shapes of descr: assume the worst (NumPy would reject it anyway)


def descr_itemsize(descr) -> Optional[int]:
    """Bytes per element of a ``.npy`` ``descr`` (``'<f8'``, ``'|S3'``, structured lists); ``None`` if unknown."""
    if isinstance(descr, str):
        code = descr.lstrip("<>|=")
        if not code:
            return None
        kind, digits = code[0], code[1:]
        if "[" in digits:  # datetime units: 'M8[s]'
            digits = digits.split("[", 1)[0]
        if kind in "b?" and not digits:
            return 1
        if not digits.isdigit():
            return None
        n = int(digits)
        return n * 4 if kind == "U" else n
    if isinstance(descr, list):
        total = 0
        for entry in descr:
            if not isinstance(entry, tuple) or len(entry) < 2:
                return None
            size = descr_itemsize(entry[1])
            if size is None:
                return None
            if len(entry) == 3:
                count = 1
                for d in entry[2] if isinstance(entry[2], tuple) else (entry[2],):
                    if type(d) is not int:
                        return None
                    count *= d
                size *= count
            total += size
        return total
    return None


def safetensors_like(buf, size: int) -> bool:
    """True when the file starts like safetensors: a plausible 8-byte length then ``{``."""
    if size < 10:
        return False
    (n,) = struct.unpack("<Q", bytes(buf[0:8]))
    return 2 <= n <= 100_000_000 and bytes(buf[8:9]) == b"{"
