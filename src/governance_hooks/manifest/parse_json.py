"""Parse and validate a dataset manifest v1.0 (JSON) as untrusted input.

Format (DESIGN.md, "Dataset manifest v1.0"): a JSON object with
``schema_version`` ("1.0"), ``created_at`` (integer epoch seconds),
``dataset_id`` (string or null) and ``shards``: a list of
``{"path": str, "size": int >= 0, "sha256": 64 lowercase hex}``.
The same constraints are shipped as JSON Schema in
``governance_hooks/data/manifest/manifest-1.0.schema.json``.

Every defect becomes a :class:`~.model.Problem` carrying the JSON pointer of the
offending value; parsing never raises.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, List, NamedTuple, Optional, Tuple

from ..jsonpos import MAX_DEPTH, JsonPositionError, Locator, escape_token, line_column, parse
from .model import JSON, Entry, Manifest, Problem

SCHEMA_VERSION = "1.0"
TOP_KEYS = ("created_at", "dataset_id", "schema_version", "shards")
SHARD_KEYS = ("path", "sha256", "size")
_HEX64 = re.compile(r"[0-9a-f]{64}\Z")
_BOM = b"\xef\xbb\xbf"
#: Top-level keys of the other ``manifest.json`` formats (W3C Web App Manifest, WebExtensions):
#: broken JSON that names one of them, and neither ``shards`` nor ``schema_version``, is someone else's.
FOREIGN_KEYS = ("manifest_version", "start_url", "short_name", "theme_color", "background_color", "icons")


class TooLongInteger(NamedTuple):
    """An integer literal longer than Python converts (``sys.get_int_max_str_digits``); kept to report it."""

    digits: int


def _parse_int(literal: str):
    digits = len(literal.lstrip("-"))
    try:
        return int(literal)
    except ValueError:  # beyond Python's integer digit limit (CVE-2020-10735)
        return TooLongInteger(digits)


class _Pairs(dict):
    """A JSON object that remembers keys given more than once (``json`` keeps only the last)."""

    duplicates: List[str]


def _object_pairs(pairs):
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen, dups = set(), []
        for key, _ in pairs:
            if key in seen and key not in dups:
                dups.append(key)
            seen.add(key)
        obj = _Pairs(obj)
        obj.duplicates = dups
    return obj


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON (RFC 8259 has no NaN or Infinity)")


def _type_name(value: Any) -> str:
    if isinstance(value, TooLongInteger):
        return f"an integer of {value.digits} digits"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number with a fraction or exponent"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def is_int(value: Any) -> bool:
    """True for JSON integers (``bool`` is excluded: ``true`` is not a size)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _utf16_or_32(data: bytes) -> Optional[str]:
    """The name of the UTF-16/32 encoding ``data`` is in (by byte-order mark or NUL pattern), else ``None``."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if data.startswith(b"\xff\xfe"):
        return "UTF-16 (little-endian)"
    if data.startswith(b"\xfe\xff"):
        return "UTF-16 (big-endian)"
    # Without a mark: RFC 8259 section 8.1 JSON text starts with an ASCII character,
    # which UTF-16 encodes with a NUL byte after (little-endian) or before (big-endian) it.
    head = data[:64]
    if len(head) >= 4 and head[1::2].count(0) == len(head) // 2 and 0 not in head[0::2]:
        return "UTF-16 (little-endian)"
    if len(head) >= 4 and head[0::2].count(0) == (len(head) + 1) // 2 and 0 not in head[1::2]:
        return "UTF-16 (big-endian)"
    return None


def decode_text(data: bytes, problems: List[Problem]) -> Optional[str]:
    """UTF-8 text of ``data`` (a leading BOM is dropped, as RFC 8259 section 8.1 allows); ``None`` + a problem if invalid.

    UTF-16 and UTF-32 text get their own message (RFC 8259 section 8.1:
    JSON exchanged between systems is UTF-8).
    """
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        other = _utf16_or_32(data)
        if other is not None:
            problems.append(Problem(f"the file is {other}; manifests are UTF-8", "", 1, 1))
            return None
        good = data[: exc.start].decode("utf-8", "replace")
        line, column = line_column(good, len(good))
        problems.append(Problem(f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                                "", line, column))
        return None


def load_json(text: str, problems: List[Problem]) -> Any:
    """The manifest's value; every reason it is not JSON becomes a problem with a line and column.

    ``json.loads`` (C speed, duplicate keys tracked) reads the manifest; when it
    refuses the text, the project's JSON reader with positions
    (:func:`governance_hooks.jsonpos.parse`) reads it again to say where and
    why: a syntax error, ``NaN``/``Infinity`` (RFC 8259 section 6 has no such
    numbers), or nesting deeper than :data:`MAX_DEPTH`. Integers longer than
    Python converts become :class:`TooLongInteger` values (reported by the
    validation at their JSON pointer) instead of an error.
    """
    if not text.strip():
        problems.append(Problem("the file is empty; expected a JSON object", "", 1, 1))
        return None
    if "\x00" in text[:64]:  # UTF-16 without a BOM decodes as UTF-8 when every code unit is ASCII
        other = _utf16_or_32(text[:64].encode("utf-8"))
        if other is not None:
            problems.append(Problem(f"the file is {other}; manifests are UTF-8", "", 1, 1))
            return None
    hooks = dict(object_pairs_hook=_object_pairs, parse_constant=_reject_constant)
    try:
        try:
            return json.loads(text, **hooks)
        except ValueError as exc:
            if isinstance(exc, json.JSONDecodeError) or "integer string conversion" not in str(exc):
                raise
            # Rare: retry with a per-integer hook (slower) that keeps the over-long literal's length.
            return json.loads(text, parse_int=_parse_int, **hooks)
    except (ValueError, RecursionError):
        pass
    try:
        parse(text, max_depth=MAX_DEPTH)
    except JsonPositionError as exc:
        problems.append(Problem(f"invalid JSON: {exc.message}", "", exc.line, exc.column))
        return None
    # json refused what the reader with positions accepts: only a stack too shallow for the nesting.
    problems.append(Problem("invalid JSON: nested too deeply to read", "", 1, 1))  # pragma: no cover
    return None


def _looks_foreign(text: Optional[str]) -> bool:
    """Broken JSON that names a top-level key of another ``manifest.json`` format and none of ours."""
    if text is None or '"shards"' in text or '"schema_version"' in text:
        return False
    return any(f'"{key}"' in text for key in FOREIGN_KEYS)


def parse_manifest_json(data: bytes, path: Path) -> Manifest:
    """Parse a v1.0 manifest from ``data`` (the bytes of ``path``); never raises.

    Returns a :class:`Manifest` whose ``entries`` are the well-formed shards and
    whose ``problems`` list every defect with its JSON pointer.

    Recognition (``manifest.recognised``): a JSON object with ``shards`` or
    ``schema_version`` is a dataset manifest; a JSON object with neither is
    another tool's ``manifest.json`` (a web app, a browser extension) and is not
    ours to judge. Anything that cannot be read as JSON (empty, binary, UTF-16,
    truncated, nested too deeply) or that is JSON but not an object is a broken
    dataset manifest, unless its text names a key of another manifest format
    (:data:`FOREIGN_KEYS`) and none of ours: a corrupted manifest is exactly
    what this check exists to catch.
    """
    manifest = Manifest(path=path, format=JSON, usable=False)
    text = decode_text(data, manifest.problems)
    if text is None:
        manifest.recognised = not _looks_foreign(_utf16_text(data))
        return manifest
    document = load_json(text, manifest.problems)
    if manifest.problems:
        manifest.recognised = not _looks_foreign(text)
        return manifest
    manifest.recognised = not isinstance(document, dict) or "schema_version" in document or "shards" in document
    manifest.locate = Locator(text)
    _validate(document, manifest)
    return manifest


def _utf16_text(data: bytes) -> Optional[str]:
    """``data`` decoded as UTF-16/32 when it is in one of them (to recognise a foreign manifest), else ``None``."""
    other = _utf16_or_32(data)
    if other is None:
        return None
    codec = {"UTF-32": "utf-32", "UTF-16 (little-endian)": "utf-16-le", "UTF-16 (big-endian)": "utf-16-be"}[other]
    return data.decode(codec, "replace")


def _validate(document: Any, manifest: Manifest) -> None:
    repeated: List[Tuple[str, str]] = []
    _validate_document(document, manifest, repeated)
    _report_duplicates(repeated, manifest)


def _validate_document(document: Any, manifest: Manifest, repeated: List[Tuple[str, str]]) -> None:
    problems = manifest.problems
    if not isinstance(document, dict):
        problems.append(Problem(f"the manifest must be a JSON object, not {_type_name(document)}", ""))
        return
    _check_duplicates(document, "", repeated)
    for key in sorted(set(document) - set(TOP_KEYS)):
        problems.append(Problem(f"unknown key {key!r} (v1.0 allows {', '.join(TOP_KEYS)})",
                                f"/{escape_token(key)}"))
    missing = [k for k in TOP_KEYS if k not in document]
    if missing:
        problems.append(Problem(f"missing required key{'s' if len(missing) > 1 else ''} "
                                f"{', '.join(repr(k) for k in missing)}", ""))
    version = document.get("schema_version")
    if "schema_version" in document and version != SCHEMA_VERSION:
        shown = json.dumps(version) if isinstance(version, (str, int, float)) or version is None else _type_name(version)
        problems.append(Problem(f"unsupported schema_version {shown} (expected \"{SCHEMA_VERSION}\")",
                                "/schema_version"))
    created = document.get("created_at")
    if "created_at" in document:
        if isinstance(created, TooLongInteger):
            problems.append(Problem(f"created_at: integer of {created.digits} digits is too long", "/created_at"))
        elif not is_int(created):
            problems.append(Problem(f"created_at must be an integer (epoch seconds), not {_type_name(created)}",
                                    "/created_at"))
        elif created < 0:
            problems.append(Problem(f"created_at must not be negative (got {created})", "/created_at"))
        else:
            manifest.created_at = created
    dataset_id = document.get("dataset_id")
    if "dataset_id" in document:
        if dataset_id is not None and not isinstance(dataset_id, str):
            problems.append(Problem(f"dataset_id must be a string or null, not {_type_name(dataset_id)}",
                                    "/dataset_id"))
        else:
            manifest.dataset_id = dataset_id
    shards = document.get("shards")
    if "shards" not in document:
        return
    if not isinstance(shards, list):
        problems.append(Problem(f"shards must be an array, not {_type_name(shards)}", "/shards"))
        return
    manifest.usable = True
    for index, item in enumerate(shards):
        entry = _shard(item, index, manifest, repeated)
        if entry is not None:
            manifest.entries.append(entry)


def _check_duplicates(obj: dict, pointer: str, repeated: List[Tuple[str, str]]) -> None:
    """Collect (key, member pointer) for each key ``obj`` repeats; reported together by :func:`_report_duplicates`."""
    for key in getattr(obj, "duplicates", ()):
        repeated.append((key, f"{pointer}/{escape_token(key)}"))


def _report_duplicates(repeated: List[Tuple[str, str]], manifest: Manifest) -> None:
    """One problem per repeated occurrence of a key, at that occurrence's key.

    RFC 8259 section 4: names within an object SHOULD be unique; with repeats,
    parsers disagree on which value counts, so the manifest is ambiguous. The
    positions of all occurrences come from one extra tokenising pass.
    """
    if not repeated:
        return
    locate = manifest.locate
    found = locate.key_positions([member for _, member in repeated]) if isinstance(locate, Locator) else {}
    for key, member in repeated:
        where = found.get(member) or []
        if len(where) < 2:  # no position known: point at the value that counts
            manifest.problems.append(Problem(f"duplicate key {json.dumps(key)} (only the last value would count)",
                                             member))
            continue
        first_line, first_column = where[0]
        for line, column in where[1:]:
            manifest.problems.append(Problem(
                f"duplicate key {json.dumps(key)} (first at line {first_line} column {first_column}; "
                f"only the last value would count)", member, line, column))


_SHARD_KEYSET = frozenset(SHARD_KEYS)


def _shard(item: Any, index: int, manifest: Manifest, repeated: List[Tuple[str, str]]) -> Optional[Entry]:
    pointer = f"/shards/{index}"
    # Fast path for the well-formed shard (the common case in large manifests).
    if type(item) is dict and item.keys() == _SHARD_KEYSET:
        path, size, sha = item["path"], item["size"], item["sha256"]
        if type(path) is str and type(size) is int and size >= 0 and type(sha) is str and _HEX64.match(sha):
            manifest.listed.add(path)
            return Entry(path=path, sha256=sha, size=size, index=index, pointer=pointer)
    problems = manifest.problems
    if not isinstance(item, dict):
        problems.append(Problem(f"a shard must be an object, not {_type_name(item)}", pointer))
        return None
    before = len(problems)
    _check_duplicates(item, pointer, repeated)  # ambiguous: which size counts? Not verified.
    for key in sorted(set(item) - set(SHARD_KEYS)):
        problems.append(Problem(f"unknown key {key!r} in a shard (v1.0 allows path, size, sha256)",
                                f"{pointer}/{escape_token(key)}"))
    path = item.get("path")
    if "path" not in item:
        problems.append(Problem("shard has no 'path'", pointer))
    elif not isinstance(path, str):
        problems.append(Problem(f"path must be a string, not {_type_name(path)}", f"{pointer}/path"))
    else:
        manifest.listed.add(path)
    size = item.get("size")
    if "size" not in item:
        problems.append(Problem("shard has no 'size'", pointer))
    elif isinstance(size, TooLongInteger):
        problems.append(Problem(f"size: integer of {size.digits} digits is too long", f"{pointer}/size"))
    elif not is_int(size):
        problems.append(Problem(f"size must be an integer number of bytes, not {_type_name(size)}",
                                f"{pointer}/size"))
    elif size < 0:
        problems.append(Problem(f"size must not be negative (got {size})", f"{pointer}/size"))
    sha = item.get("sha256")
    if "sha256" not in item:
        problems.append(Problem("shard has no 'sha256'", pointer))
    elif not isinstance(sha, str):
        problems.append(Problem(f"sha256 must be a string, not {_type_name(sha)}", f"{pointer}/sha256"))
    elif not _HEX64.match(sha):
        why = "uppercase hex (v1.0 requires lowercase)" if _HEX64.match(sha.lower()) else \
            f"{len(sha)} characters, expected 64 lowercase hex digits"
        problems.append(Problem(f"sha256 is not a sha256 digest: {why}", f"{pointer}/sha256"))
    if len(problems) != before or getattr(item, "duplicates", None):
        return None
    return Entry(path=path, sha256=sha, size=size, index=index, pointer=pointer)
