"""Load a metrics JSON Schema and every local file it ``$ref``s, offline.

A :class:`SchemaBundle` holds the root schema and the documents it refers to,
keyed by absolute URI, plus the dialect read from ``$schema``. Nothing is ever
fetched: a ``$ref`` that leaves the schema's folder (``https:``, ``urn:`` not
in the bundle, or a path outside the folder) is refused with a
:class:`~governance_hooks.errors.ToolError` (exit 2) naming the schema and the
reference.

Sources: JSON Schema Core 2020-12 §8.2 (``$id``, ``$ref`` resolution against
the base URI), draft-07 §8, RFC 3986 §5 (reference resolution).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib.parse import unquote, urldefrag, urljoin, urlparse

from ..errors import ToolError

DEFAULT_SCHEMA_NAME = "metrics-ndjson-v0.3.schema.json"

#: ``$schema`` URIs we recognise (without trailing ``#``, scheme-insensitive) -> dialect name.
DIALECTS = {
    "json-schema.org/draft-07/schema": "draft-07",
    "json-schema.org/draft/2019-09/schema": "2019-09",
    "json-schema.org/draft/2020-12/schema": "2020-12",
}
DEFAULT_DIALECT = "2020-12"
#: Largest schema file read (the root and every ``$ref``-loaded file); real schemas are kilobytes.
MAX_SCHEMA_BYTES = 16 << 20


@dataclass
class SchemaBundle:
    """A root schema and the documents it references.

    Attributes:
        label: how messages name the schema (a path, or ``builtin:metrics-ndjson-v0.3``).
        root_uri: absolute URI of the root document (its ``$id``, else its ``file:`` URI).
        dialect: ``draft-07``, ``2019-09`` or ``2020-12``.
        documents: absolute URI (no fragment) -> parsed JSON (root included, with
            an ``$id`` injected when it had none so relative references resolve).
        names: absolute URI -> short name used in schema paths (``defs.json``);
            the root's name is ``""``.
    """

    label: str
    root_uri: str
    dialect: str
    documents: Dict[str, Any] = field(default_factory=dict)
    names: Dict[str, str] = field(default_factory=dict)

    @property
    def root(self) -> Any:
        return self.documents[self.root_uri]


def default_schema_path() -> Path:
    """Path of the shipped Metrics NDJSON v0.3 schema (package data)."""
    return Path(__file__).resolve().parent.parent / "data" / "metrics" / DEFAULT_SCHEMA_NAME


def load_default() -> SchemaBundle:
    """The shipped Metrics NDJSON v0.3 schema as a bundle.

    It has no ``$ref`` and its validity is a test of this package, so the
    metaschema check (and the import of ``jsonschema`` it needs) is skipped:
    a commit hook starts faster.
    """
    label = "builtin:metrics-ndjson-v0.3"
    doc = _read_json(default_schema_path(), label)
    bundle = SchemaBundle(label=label, root_uri=doc["$id"], dialect=dialect_of(doc, label))
    bundle.documents[bundle.root_uri] = doc
    bundle.names[bundle.root_uri] = ""
    return bundle


def dialect_of(schema: Any, label: str) -> str:
    """The dialect named by ``$schema`` (default 2020-12 when absent).

    Raises:
        ToolError: for a ``$schema`` that is not draft-07, 2019-09 or 2020-12.
    """
    if not isinstance(schema, dict) or "$schema" not in schema:
        return DEFAULT_DIALECT
    uri = schema["$schema"]
    if not isinstance(uri, str):
        raise ToolError(f"{label}: $schema must be a string")
    key = uri.split("://", 1)[-1].rstrip("#")
    if key not in DIALECTS:
        raise ToolError(
            f"{label}: unsupported $schema {uri!r} (supported: draft-07, 2019-09, 2020-12)"
        )
    return DIALECTS[key]


def _size_text(limit: int) -> str:
    return f"{limit >> 20} MiB" if limit and limit % (1 << 20) == 0 else f"{limit} bytes"


def read_schema_bytes(path: Path, label: str, limit: Optional[int] = None) -> bytes:
    """The bytes of the schema file ``path``, refusing anything that could exhaust memory or hang.

    ``path`` must be a regular file (after symbolic links) of at most ``limit``
    bytes (default :data:`MAX_SCHEMA_BYTES`). The size is checked with
    ``stat`` first and the read is bounded too (``/proc`` files report size 0).
    The file is opened non-blocking, so a FIFO swapped in after the ``stat``
    cannot hang the read.

    Raises:
        ToolError: ``"<label>: schema is not a regular file"``,
            ``"<label>: schema is larger than 16 MiB"``, or ``cannot read schema``.
    """
    limit = MAX_SCHEMA_BYTES if limit is None else limit
    too_large = ToolError(f"{label}: schema is larger than {_size_text(limit)}")
    from ..safe_open import UnsafeFile, open_repo_file

    try:
        with open_repo_file(path, None, limit=limit) as handle:
            data = handle.read(limit + 1)
    except UnsafeFile as exc:
        if exc.too_large is not None:
            raise too_large from None
        if exc.reason.endswith("not a regular file"):
            raise ToolError(f"{label}: schema is not a regular file") from None
        if exc.reason.startswith("cannot be read: "):
            raise ToolError(f"{label}: cannot read schema: {exc.reason[16:]}") from None
        raise ToolError(f"{label}: schema {exc.reason}") from None
    except OSError as exc:
        raise ToolError(f"{label}: cannot read schema: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise too_large
    return data


def _read_json(path: Path, label: str) -> Any:
    data = read_schema_bytes(path, label)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ToolError(f"{label}: schema is not valid UTF-8") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ToolError(f"{label}: schema is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise ToolError(f"{label}: schema is nested too deeply to load") from None


def _walk_refs(node: Any, base: str) -> Iterator[Tuple[str, str]]:
    """Yield ``(reference, base URI in force)`` for every ``$ref``/``$dynamicRef`` under ``node``.

    The base changes on a nested ``$id`` (Core 2020-12 §8.2.1). Values of
    ``const``/``enum``/``examples``/``default`` are data, not schemas, and are skipped.
    """
    stack: List[Tuple[Any, str]] = [(node, base)]
    while stack:
        item, current = stack.pop()
        if isinstance(item, dict):
            sub_id = item.get("$id")
            if isinstance(sub_id, str) and not sub_id.startswith("#"):
                current = urljoin(current, sub_id)
            for key, value in item.items():
                if key in ("$ref", "$dynamicRef") and isinstance(value, str):
                    yield value, current
                elif key in ("const", "enum", "examples", "default"):
                    continue
                elif isinstance(value, (dict, list)):
                    stack.append((value, current))
        elif isinstance(item, list):
            stack.extend((value, current) for value in item)


def _embedded_ids(node: Any, base: str) -> List[str]:
    """Absolute URIs of every ``$id`` under ``node`` (embedded resources are not fetched)."""
    found: List[str] = []
    stack: List[Tuple[Any, str]] = [(node, base)]
    while stack:
        item, current = stack.pop()
        if isinstance(item, dict):
            sub_id = item.get("$id")
            if isinstance(sub_id, str) and not sub_id.startswith("#"):
                current = urljoin(current, sub_id)
                found.append(urldefrag(current)[0])
            stack.extend((v, current) for k, v in item.items() if isinstance(v, (dict, list)) and k not in ("const", "enum", "examples", "default"))
        elif isinstance(item, list):
            stack.extend((v, current) for v in item)
    return found


def _metaschema_uris() -> set:
    """URIs of the draft metaschemas bundled with ``jsonschema-specifications`` (offline)."""
    from jsonschema_specifications import REGISTRY

    return {urldefrag(uri)[0] for uri in REGISTRY}


def load_schema(path: Path, label: Optional[str] = None) -> SchemaBundle:
    """Load the schema at ``path`` and, recursively, the local files it references.

    Args:
        path: a JSON Schema file (draft-07, 2019-09 or 2020-12 per ``$schema``).
        label: name used in error messages (default: ``path`` as given).

    Returns:
        A :class:`SchemaBundle` whose documents are all local.

    Raises:
        ToolError: a schema or ``$ref``-loaded file that is not a regular file or is
            larger than :data:`MAX_SCHEMA_BYTES`; unreadable or invalid JSON, unsupported ``$schema``, a remote
            ``$ref`` (refused, never fetched), a ``$ref`` to a missing file or to a
            file outside the schema's folder, or a schema invalid against its
            metaschema (the message names the failing keyword and location).
    """
    label = label or str(path)
    path = Path(path)
    root_doc = _read_json(path, label)
    if not isinstance(root_doc, (dict, bool)):
        raise ToolError(f"{label}: a JSON Schema must be an object or a boolean, not {type(root_doc).__name__}")
    dialect = dialect_of(root_doc, label)
    folder = path.resolve().parent
    file_uri = path.resolve().as_uri()
    root_uri = file_uri
    alias_base: Optional[str] = None  # "<$id folder>/" mapped to the schema's folder
    if isinstance(root_doc, dict):
        declared = root_doc.get("$id")
        if isinstance(declared, str) and urlparse(declared).scheme:
            root_uri = urldefrag(declared)[0]
            if urlparse(root_uri).scheme in ("http", "https"):
                alias_base = urljoin(root_uri, ".")
        else:
            root_doc = {**root_doc, "$id": file_uri}
    bundle = SchemaBundle(label=label, root_uri=root_uri, dialect=dialect)
    bundle.documents[root_uri] = root_doc
    bundle.names[root_uri] = ""
    known = set(_embedded_ids(root_doc, root_uri)) | {root_uri}
    metaschemas = _metaschema_uris()
    pending = [root_uri]
    while pending:
        uri = pending.pop()
        for ref, base in _walk_refs(bundle.documents[uri], uri):
            if ref.startswith("#"):
                continue
            target = urldefrag(urljoin(base, ref))[0]
            if not target or target in known or target in metaschemas:
                continue
            local = _local_path(target, folder, alias_base)
            if local is None:
                resolved = "" if target == urldefrag(ref)[0] else f" ({target})"
                raise ToolError(
                    f"{label}: remote $ref {ref!r}{resolved} refused: schemas are never fetched; "
                    f"save it beside the schema and refer to it by a relative path"
                )
            if not _is_within(local, folder):
                raise ToolError(f"{label}: $ref {ref!r} points outside the schema's folder ({local})")
            if not os.path.exists(local):
                raise ToolError(f"{label}: $ref {ref!r}: file not found ({local})")
            doc = _read_json(local, f"{label}: $ref {ref!r} ({local.name})")
            if not isinstance(doc, (dict, bool)):
                raise ToolError(f"{label}: $ref {ref!r}: {local.name} is not a JSON Schema (object or boolean)")
            bundle.documents[target] = doc
            bundle.names[target] = local.relative_to(folder).as_posix()
            known.add(target)
            known.update(_embedded_ids(doc, target))
            pending.append(target)
    check_bundle(bundle)
    return bundle


def _local_path(uri: str, folder: Path, alias_base: Optional[str]) -> Optional[Path]:
    """The file a ``file:`` URI (or a URI under the root's ``$id`` folder) stands for; else ``None``."""
    parsed = urlparse(uri)
    if parsed.scheme == "file" and parsed.netloc in ("", "localhost"):
        from urllib.request import url2pathname  # drive letters on Windows

        return Path(url2pathname(parsed.path))
    if alias_base is not None and uri.startswith(alias_base):
        rest = unquote(uri[len(alias_base):])
        if rest and "?" not in rest:
            return folder / rest
    return None


def _is_within(path: Path, folder: Path) -> bool:
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(folder))
    except ValueError:
        return False
    return True


def validator_class(dialect: str):
    """The ``jsonschema`` validator class for a dialect name."""
    import jsonschema

    return {
        "draft-07": jsonschema.Draft7Validator,
        "2019-09": jsonschema.Draft201909Validator,
        "2020-12": jsonschema.Draft202012Validator,
    }[dialect]


def _ecma_format_checker(cls):
    """The dialect's format checker with ``regex`` judged as ECMA-262 (``\\p{L}`` is valid), not as ``re``."""
    import jsonschema

    from .ecma_regex import is_valid

    checker = jsonschema.FormatChecker()
    checker.checkers = dict(cls.FORMAT_CHECKER.checkers)
    checker.checks("regex")(lambda value: not isinstance(value, str) or is_valid(value))
    return checker


def check_bundle(bundle: SchemaBundle) -> None:
    """Validate every document of the bundle against its dialect's metaschema.

    Raises:
        ToolError: naming the document, the JSON pointer of the bad part and the problem
            (e.g. ``"invalid schema at /properties/loss/type: 'float' is not valid under ..."``).
    """
    import jsonschema

    for uri, doc in bundle.documents.items():
        name = bundle.names.get(uri) or bundle.label
        cls = validator_class(dialect_of(doc, name) if isinstance(doc, dict) and "$schema" in doc else bundle.dialect)
        try:
            error = jsonschema.exceptions.best_match(cls(cls.META_SCHEMA, format_checker=_ecma_format_checker(cls)).iter_errors(doc))
        except RecursionError:
            raise ToolError(f"{name}: schema is nested too deeply to check") from None
        if error is not None:
            pointer = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in error.absolute_path) or "/"
            message = error.message.splitlines()[0]
            if len(message) > 200:
                message = message[:197] + "..."
            prefix = bundle.label if uri == bundle.root_uri else f"{bundle.label}: {name}"
            raise ToolError(f"{prefix}: invalid schema at {pointer}: {message}")
