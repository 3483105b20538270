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
from typing import Any, List, Optional

from ..jsonpos import Locator, escape_token, line_column
from .model import JSON, Entry, Manifest, Problem

SCHEMA_VERSION = "1.0"
TOP_KEYS = ("created_at", "dataset_id", "schema_version", "shards")
SHARD_KEYS = ("path", "sha256", "size")
_HEX64 = re.compile(r"[0-9a-f]{64}\Z")
_BOM = b"\xef\xbb\xbf"


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


def decode_text(data: bytes, problems: List[Problem]) -> Optional[str]:
    """UTF-8 text of ``data`` (a leading BOM is dropped, as RFC 8259 section 8.1 allows); ``None`` + a problem if invalid."""
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8", "replace")
        line, column = line_column(good, len(good))
        problems.append(Problem(f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                                "", line, column))
        return None


def load_json(text: str, problems: List[Problem]) -> Any:
    """``json.loads`` with duplicate-key tracking; syntax errors become problems with a position."""
    if not text.strip():
        problems.append(Problem("the file is empty; expected a JSON object", "", 1, 1))
        return None
    try:
        return json.loads(text, object_pairs_hook=_object_pairs, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        problems.append(Problem(f"invalid JSON: {exc.msg}", "", exc.lineno, exc.colno))
    except RecursionError:
        problems.append(Problem("invalid JSON: nested too deeply", ""))
    except ValueError as exc:  # NaN/Infinity, integers beyond the digit limit
        problems.append(Problem(f"invalid JSON: {str(exc).splitlines()[0]}", ""))
    return None


def parse_manifest_json(data: bytes, path: Path) -> Manifest:
    """Parse a v1.0 manifest from ``data`` (the bytes of ``path``); never raises.

    Returns a :class:`Manifest` whose ``entries`` are the well-formed shards and
    whose ``problems`` list every defect with its JSON pointer.
    """
    manifest = Manifest(path=path, format=JSON, usable=False)
    text = decode_text(data, manifest.problems)
    if text is None:
        manifest.recognised = b'"shards"' in data
        return manifest
    document = load_json(text, manifest.problems)
    if manifest.problems:
        # A broken dataset manifest must be reported, not skipped as someone else's file.
        manifest.recognised = '"shards"' in text
        return manifest
    manifest.recognised = isinstance(document, dict) and (
        document.get("schema_version") == SCHEMA_VERSION or "shards" in document)
    manifest.locate = Locator(text)
    _validate(document, manifest)
    return manifest


def _validate(document: Any, manifest: Manifest) -> None:
    problems = manifest.problems
    if not isinstance(document, dict):
        problems.append(Problem(f"the manifest must be a JSON object, not {_type_name(document)}", ""))
        return
    _check_duplicates(document, "", problems)
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
        if not is_int(created):
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
        entry = _shard(item, index, manifest)
        if entry is not None:
            manifest.entries.append(entry)


def _check_duplicates(obj: dict, pointer: str, problems: List[Problem]) -> None:
    for key in getattr(obj, "duplicates", ()):
        problems.append(Problem(f"key {key!r} is given more than once (only the last would count)",
                                f"{pointer}/{escape_token(key)}"))


_SHARD_KEYSET = frozenset(SHARD_KEYS)


def _shard(item: Any, index: int, manifest: Manifest) -> Optional[Entry]:
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
    _check_duplicates(item, pointer, problems)  # ambiguous: which size counts? Not verified.
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
    if len(problems) != before:
        return None
    return Entry(path=path, sha256=sha, size=size, index=index, pointer=pointer)
