"""Exact diagnosis of one NDJSON line: the slow path behind the orjson fast path.

Called only for lines the fast path could not take as they are (a syntax
error, invalid UTF-8, ``NaN``, a blank line, deep nesting, an integer beyond
64 bits) or that may hold a duplicate key. Parsing is done by the project's
one JSON reader with positions, :func:`governance_hooks.jsonpos.parse`; this
module turns what it learns into findings. Positions are 1-based *character*
columns of the line (after the line's ``\\r`` and, on line 1, the BOM are
removed): a CRLF line reports the same columns as its LF twin.

Rules implemented: RFC 8259 §2 (JSON text), §4 (names SHOULD be unique), §6
(no literal for non-finite numbers), §8.1 (UTF-8).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Set, Tuple

from ..jsonpos import BOM, Document, JsonPositionError, child_pointer, parse, split_pointer
from .paths import json_path

#: At most this many duplicate-key / NaN problems are reported per line.
MAX_PROBLEMS_PER_LINE = 100
#: Nesting accepted when only positions are wanted (the record was already parsed and measured).
_ANY_DEPTH = 1 << 30
_DIGITS = re.compile(r"-?[0-9]+")
_WS = " \t\r\n"


@dataclass
class Problem:
    """One finding-to-be inside a line: rule id, 1-based column, message, JSON path."""

    rule_id: str
    column: Optional[int]
    message: str
    json_path: Optional[str] = None


@dataclass
class LineDiagnosis:
    """What the slow path learnt about a line.

    Attributes:
        value: the parsed value (``None`` when it could not be parsed; see ``parsed``).
        parsed: the line is a JSON text (possibly with ``NaN`` literals).
        problems: reading problems (syntax, encoding, NaN literals, duplicate keys).
        incomplete: why the record was not read (nesting beyond ``max_depth``); not a syntax error.
    """

    value: Any = None
    parsed: bool = False
    problems: List[Problem] = field(default_factory=list)
    incomplete: Optional[str] = None


def _char_column(raw: bytes, byte_offset: int) -> int:
    """1-based character column of ``byte_offset`` in ``raw`` (invalid bytes count as one)."""
    return len(raw[:byte_offset].decode("utf-8", "replace")) + 1


def line_text(raw: bytes) -> str:
    """The line as text for parsing: UTF-8 (``errors="replace"``), one trailing ``\\r`` removed."""
    text = raw.decode("utf-8", "replace")
    return text[:-1] if text.endswith("\r") else text


def diagnose(raw: bytes, allow_nan: bool, max_depth: int = 256) -> LineDiagnosis:
    """Parse ``raw`` (one line, no ``\\n``) with exact diagnostics.

    Returns a :class:`LineDiagnosis`; never raises for any input bytes.
    ``NaN``/``Infinity``/``-Infinity`` parse to floats and are reported as
    ``metrics/non-standard-number`` unless ``allow_nan``. Duplicate keys are
    reported as ``metrics/duplicate-key`` with the column of the repeated name.
    A record nested deeper than ``max_depth`` (1 for ``{}``) is ``incomplete``.
    """
    result = LineDiagnosis()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        col = _char_column(raw, exc.start)
        result.problems.append(Problem(
            "metrics/invalid-utf8", col,
            f"invalid UTF-8 byte 0x{raw[exc.start]:02x} at column {col}",
        ))
        return result
    if text.endswith("\r"):
        text = text[:-1]  # JSON whitespace; removed so columns match the LF form of the line
    if text.startswith(BOM):  # the reader removed the file's own BOM; this one is inside the file
        result.problems.append(Problem(
            "metrics/invalid-json", 1, "invalid JSON: byte order mark inside the file (only allowed, and still "
            "discouraged, at its start) at column 1"))
        return result
    try:
        doc = parse(text, max_depth=max_depth, allow_nan=True)
    except JsonPositionError as exc:
        if exc.reason == "depth":
            result.incomplete = f"nested more than max-depth ({max_depth}) levels deep"
        else:
            result.problems.append(_syntax_problem(text, exc))
        return result
    result.value = doc.value
    result.parsed = True
    result.problems.extend(_document_problems(doc, allow_nan))
    return result


def _syntax_problem(text: str, exc: JsonPositionError) -> Problem:
    """The ``metrics/invalid-json`` finding for a parse error, worded for a log line."""
    column = exc.column
    msg = exc.message
    at_end = exc.offset >= len(text.rstrip(_WS))
    if exc.reason == "extra":
        msg = "extra data after the JSON value (two records on one line?)"
    elif exc.reason == "string" and msg.startswith("Unterminated string"):
        msg = "unterminated string (truncated record?)"
    elif exc.reason == "string":
        msg = msg[0].lower() + msg[1:]
    elif exc.reason == "number":
        match = _DIGITS.match(text, exc.offset)
        digits = len(match.group().lstrip("-")) if match else 0
        limit = msg.rsplit(" digits Python converts", 1)[0].rsplit(" ", 1)[-1]
        msg = f"integer literal of {digits} digits is too long (limit {limit})"
    elif exc.reason == "character" and text[exc.offset:exc.offset + 1] == BOM:
        msg = "byte order mark inside the file (only allowed, and still discouraged, at its start)"
    elif exc.reason == "end" or at_end:
        msg = "unexpected end of line" + ("" if exc.reason == "end" else f", {msg}") + " (truncated record?)"
    return Problem("metrics/invalid-json", column, f"invalid JSON: {msg} at column {column}")


def _typed_tokens(value: Any, pointer: str) -> List[Any]:
    """The reference tokens of ``pointer`` with array indices as ints (walking ``value``)."""
    tokens: List[Any] = []
    node = value
    for token in split_pointer(pointer):
        if isinstance(node, list):
            index = int(token)
            tokens.append(index)
            node = node[index] if 0 <= index < len(node) else None
        else:
            tokens.append(token)
            node = node.get(token) if isinstance(node, dict) else None
    return tokens


def _document_problems(doc: Document, allow_nan: bool) -> List[Problem]:
    """Duplicate keys and (unless ``allow_nan``) non-finite literals of a parsed line, in line order."""
    found: List[Tuple[int, Problem]] = []
    for pointer, offset in zip(doc.duplicates, doc.duplicate_offsets):
        tokens = _typed_tokens(doc.value, pointer)
        col = offset + 1
        where = json_path(tokens[:-1])
        found.append((offset, Problem(
            "metrics/duplicate-key", col,
            f"duplicate key {tokens[-1]!r} in {where} at column {col} (readers disagree on which value wins)",
            json_path(tokens),
        )))
    if not allow_nan:
        for pointer, offset in doc.non_finite.items():
            tok = doc.text[offset:offset + 9]
            tok = "-Infinity" if tok.startswith("-") else ("NaN" if tok.startswith("N") else "Infinity")
            col = offset + 1
            path = json_path(_typed_tokens(doc.value, pointer))
            found.append((offset, Problem(
                "metrics/non-standard-number", col,
                f"{tok} at {path} (column {col}) is not JSON; accept it with --allow-nan, or write the "
                f"string \"{tok}\" where the schema allows strings (the builtin schema does; it rejects null)",
                path,
            )))
    found.sort(key=lambda item: item[0])
    return [problem for _, problem in found[:MAX_PROBLEMS_PER_LINE]]


def duplicate_problems(raw: bytes) -> List[Problem]:
    """``metrics/duplicate-key`` problems of a line the fast parser accepted (any nesting)."""
    try:
        doc = parse(line_text(raw), max_depth=_ANY_DEPTH, allow_nan=True)
    except JsonPositionError:  # pragma: no cover - the fast parser accepted the line
        return []
    return _document_problems(doc, allow_nan=True)


def value_column(text: str, target: List[Any]) -> Optional[int]:
    """1-based column where the value at JSON path ``target`` starts; see :func:`value_columns`."""
    return value_columns(text, {tuple(target)}).get(tuple(target))


def value_columns(text: str, targets: Set[Tuple[Any, ...]]) -> Dict[Tuple[Any, ...], int]:
    """1-based columns where the values at the JSON paths ``targets`` start in ``text``.

    The column is the value's first character, as for
    ``metrics/non-standard-number``, so every finding about one value points at
    the same place: ``"loss": true`` points at ``true`` (with duplicate names,
    at the last value, the one parsers keep); an array element at its first
    character; ``1`` for the root. Paths not found are absent from the result.
    One parse of the line serves every target.
    """
    if text.endswith("\r"):
        text = text[:-1]
    try:
        offsets = parse(text, max_depth=_ANY_DEPTH, allow_nan=True).offsets if text.strip(_WS) else {}
    except JsonPositionError:
        offsets = {}
    found: Dict[Tuple[Any, ...], int] = {}
    for target in targets:
        pointer = ""
        for token in target:
            pointer = child_pointer(pointer, token)
        if pointer in offsets:
            found[target] = offsets[pointer] + 1
        elif not target:
            found[target] = 1
    return found
