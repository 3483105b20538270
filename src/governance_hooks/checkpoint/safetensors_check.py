"""Validate a safetensors header without a third-party loader.

Format (huggingface/safetensors README, "Format"): 8 bytes little-endian unsigned
header length N, then N bytes of UTF-8 JSON (an object; may be padded with
trailing spaces), then the byte buffer. Each key other than ``__metadata__`` maps
to ``{"dtype", "shape", "data_offsets": [begin, end]}`` with offsets relative to
the buffer; ``__metadata__`` is a string-to-string map. The reference
implementation additionally requires: no duplicate keys, offsets that cover the
buffer exactly with no holes or overlaps, and ``end - begin`` equal to the element
count times the dtype size.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

#: Header length limit of the reference implementation (100 MB).
MAX_HEADER = 100_000_000
#: Bits per element of every dtype the reference implementation knows.
DTYPE_BITS = {
    "BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8, "I16": 16, "U16": 16,
    "F16": 16, "BF16": 16, "I32": 32, "U32": 32, "F32": 32, "F64": 64, "I64": 64, "U64": 64,
    "C64": 64, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
}


@dataclass
class HeaderIssue:
    """One problem: a JSON pointer into the header (``""`` for the file) and a message."""

    pointer: str
    message: str


def _pointer(*parts: str) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def _no_duplicates(pairs: List[Tuple[str, Any]]):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise _Duplicate(dup)
    return dict(pairs)


class _Duplicate(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _not_json(name: str):
    raise ValueError(f"{name} is not JSON")


def _json_error(text: str) -> str:
    """Why ``text`` (refused by ``json``) is not JSON, with its position, from the project's reader with positions.

    RFC 8259: no ``NaN``/``Infinity`` (section 6); the safetensors format's own
    parser (serde_json) refuses them too.
    """
    from ..jsonpos import JsonPositionError, parse

    try:
        parse(text)
    except JsonPositionError as exc:
        return str(exc)
    return "nested too deeply to read"


def validate(buf, size: int) -> Tuple[List[HeaderIssue], Optional[int]]:
    """Check the header of a safetensors file held in ``buf`` (``size`` bytes).

    Returns:
        ``(issues, tensor_count)``; ``tensor_count`` is ``None`` when the header
        could not be parsed at all.
    """
    if size < 8:
        return [HeaderIssue("", f"the file has {size} bytes, fewer than the 8-byte header length")], None
    (n,) = struct.unpack("<Q", bytes(buf[0:8]))
    if n > MAX_HEADER:
        return [HeaderIssue("", f"header length {n} exceeds the {MAX_HEADER}-byte limit")], None
    if 8 + n > size:
        return [HeaderIssue("", f"header length {n} runs past the end of the {size}-byte file")], None
    raw = bytes(buf[8:8 + n])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [HeaderIssue("", f"the header is not UTF-8 (byte {exc.start})")], None
    if not text.startswith("{"):
        return [HeaderIssue("", "the header does not start with '{'")], None
    try:
        header = json.loads(text.rstrip(" "), object_pairs_hook=_no_duplicates, parse_constant=_not_json)
    except _Duplicate as dup:
        return [HeaderIssue(_pointer(dup.key), f"duplicate key {dup.key!r} in the header")], None
    except json.JSONDecodeError as exc:
        return [HeaderIssue("", f"the header is not valid JSON: {exc}")], None
    except (ValueError, RecursionError):  # NaN/Infinity, or deeper than json reads: positioned by jsonpos
        return [HeaderIssue("", f"the header is not valid JSON: {_json_error(text.rstrip(' '))}")], None
    if not isinstance(header, dict):
        return [HeaderIssue("", "the header is not a JSON object")], None
    issues: List[HeaderIssue] = []
    data_len = size - 8 - n
    spans = []
    for key, entry in header.items():
        if key == "__metadata__":
            if not isinstance(entry, dict):
                issues.append(HeaderIssue(_pointer(key), "__metadata__ must be an object"))
                continue
            for mk, mv in entry.items():
                if not isinstance(mv, str):
                    issues.append(HeaderIssue(_pointer(key, mk), f"__metadata__ value of {mk!r} is not a string"))
            continue
        where = _pointer(key)
        if not isinstance(entry, dict):
            issues.append(HeaderIssue(where, "tensor entry is not an object"))
            continue
        extra = set(entry) - {"dtype", "shape", "data_offsets"}
        missing = {"dtype", "shape", "data_offsets"} - set(entry)
        if missing or extra:
            issues.append(HeaderIssue(where, f"tensor entry keys: missing {sorted(missing)}, unknown {sorted(extra)}"))
            continue
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        bits = DTYPE_BITS.get(dtype) if isinstance(dtype, str) else None
        if bits is None:
            issues.append(HeaderIssue(where + "/dtype", f"unknown dtype {dtype!r}"))
        if not isinstance(shape, list) or not all(type(d) is int and d >= 0 for d in shape):
            issues.append(HeaderIssue(where + "/shape", "shape must be a list of non-negative integers"))
            shape = None
        if (not isinstance(offsets, list) or len(offsets) != 2
                or not all(type(o) is int and o >= 0 for o in offsets) or offsets[0] > offsets[1]):
            issues.append(HeaderIssue(where + "/data_offsets", "data_offsets must be [begin, end] with 0 <= begin <= end"))
            continue
        begin, end = offsets
        spans.append((begin, end, key))
        if bits is not None and shape is not None:
            count = 1
            for d in shape:
                count *= d
            total_bits = count * bits
            if total_bits % 8 or total_bits // 8 != end - begin:
                issues.append(HeaderIssue(
                    where + "/data_offsets",
                    f"{dtype} shape {shape} needs {total_bits / 8:g} bytes but data_offsets span {end - begin}"))
    spans.sort()
    cursor = 0
    for begin, end, key in spans:
        if begin != cursor:
            what = "overlaps the previous tensor" if begin < cursor else f"leaves a hole of {begin - cursor} bytes"
            issues.append(HeaderIssue(_pointer(key, "data_offsets"), f"data starts at {begin}, expected {cursor}: {what}"))
        cursor = max(cursor, end)
    if cursor != data_len:
        issues.append(HeaderIssue("", f"tensors end at byte {cursor} of the data buffer but the buffer has {data_len} bytes"))
    return issues, len(spans)
