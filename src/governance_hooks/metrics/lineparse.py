"""Exact diagnosis of one NDJSON line: the slow path behind the orjson fast path.

Called only for lines the fast path could not take as they are (a syntax
error, invalid UTF-8, ``NaN``, a blank line, deep nesting) or that may hold a
duplicate key. It reports positions as 1-based *character* columns of the
line (after the line's ``\\r`` and, on line 1, the BOM are removed).

Rules implemented: RFC 8259 §2 (JSON text), §4 (names SHOULD be unique), §6
(no literal for non-finite numbers), §8.1 (UTF-8).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Set, Tuple

from .paths import json_path

#: Tokens that matter for structure: strings (whole), brackets, colon, comma,
#: and the non-standard number literals. Numbers, ``true``, ``false`` and
#: ``null`` are skipped by ``finditer``; they do not change structure.
#: Only lines that already parsed are tokenised, so every string is terminated:
#: the quadratic case (an unterminated string tried from every quote) cannot occur.
#: Strings are matched as an unrolled loop (``[^"\\]*`` runs between escapes), which
#: keeps ``re`` from storing a backtracking point per character: a 5 MB string costs
#: about 5 MB instead of about 740 MB.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\]:,]|-?Infinity|NaN', re.DOTALL)  # governance: ignore[redos/polynomial-backtracking]
_WS = " \t\r\n"
#: At most this many duplicate-key / NaN problems are reported per line.
MAX_PROBLEMS_PER_LINE = 100


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
        incomplete: a budget stopped the parse (nesting too deep); not a syntax error.
    """

    value: Any = None
    parsed: bool = False
    problems: List[Problem] = field(default_factory=list)
    incomplete: Optional[str] = None


def _char_column(raw: bytes, byte_offset: int) -> int:
    """1-based character column of ``byte_offset`` in ``raw`` (invalid bytes count as one)."""
    return len(raw[:byte_offset].decode("utf-8", "replace")) + 1


def _reject_constant(name: str):
    raise ValueError(name)


def diagnose(raw: bytes, allow_nan: bool) -> LineDiagnosis:
    """Parse ``raw`` (one line, no ``\\n``) with exact diagnostics.

    Returns a :class:`LineDiagnosis`; never raises for any input bytes.
    ``NaN``/``Infinity``/``-Infinity`` parse to floats and are reported as
    ``metrics/non-standard-number`` unless ``allow_nan``. Duplicate keys are
    reported as ``metrics/duplicate-key`` with the column of the repeated name.
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
    try:
        value = json.loads(text)
    except RecursionError:
        result.incomplete = "nested deeper than the parser reads (about 990 levels)"
        return result
    except json.JSONDecodeError as exc:
        result.problems.append(_syntax_problem(text, exc))
        return result
    except ValueError:  # int() refused an integer literal longer than Python's digit limit
        result.problems.append(_long_integer_problem(text))
        return result
    result.value = value
    result.parsed = True
    scan_tokens(text, result, allow_nan)
    return result


def _syntax_problem(text: str, exc: json.JSONDecodeError) -> Problem:
    column = exc.colno
    msg = exc.msg
    at_end = exc.pos >= len(text.rstrip(_WS))
    if msg == "Extra data":
        msg = "extra data after the JSON value (two records on one line?)"
    elif msg.startswith("Unterminated string"):
        msg = "unterminated string (truncated record?)"
    elif msg.startswith("Unexpected UTF-8 BOM"):
        msg = "byte order mark inside the file (only allowed, and still discouraged, at its start)"
    elif at_end:
        msg = f"unexpected end of line, {msg[0].lower()}{msg[1:]} (truncated record?)"
    return Problem("metrics/invalid-json", column, f"invalid JSON: {msg} at column {column}")


#: Strings (skipped whole) and number literals, in document order.
_NUMBER_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?', re.DOTALL)  # governance: ignore[redos/polynomial-backtracking]


def _long_integer_problem(text: str) -> Problem:
    """The finding for a line whose parse stopped at an integer literal with too many digits.

    Python's ``int`` refuses to convert more than ``sys.get_int_max_str_digits()``
    digits (4300 by default; CVE-2020-10735) and ``json`` passes that
    ``ValueError`` through, worded for programmers. The parse stopped at the
    first such literal, so every string before it is terminated and a token
    walk finds it (a literal with a fraction or exponent is a float, never refused).
    """
    limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 0
    for match in _NUMBER_TOKEN.finditer(text):
        token = match.group()
        if token[0] == '"' or not token.lstrip("-").isdigit():
            continue
        digits = len(token) - (token[0] == "-")
        if limit and digits > limit:
            column = match.start() + 1
            return Problem(
                "metrics/invalid-json", column,
                f"invalid JSON: integer literal of {digits} digits is too long (limit {limit}) at column {column}",
            )
    return Problem("metrics/invalid-json", 1, "invalid JSON: a number cannot be converted at column 1")  # pragma: no cover


def scan_tokens(text: str, result: LineDiagnosis, allow_nan: bool) -> None:
    """Find duplicate keys and non-standard number literals in a line that parsed.

    An iterative token walk (no recursion, so any nesting depth is safe) that
    tracks the JSON path of each container; appends :class:`Problem` s to ``result``.
    """
    # Stack entries: [kind, keys_seen_or_None, current_key_or_index]
    stack: List[list] = []
    last_string: Optional[Tuple[str, int]] = None
    for match in _TOKEN.finditer(text):
        if len(result.problems) >= MAX_PROBLEMS_PER_LINE:
            break
        tok = match.group()
        first = tok[0]
        if first == '"':
            last_string = (tok, match.start())
            continue
        if first == ":":
            if stack and stack[-1][0] == "{" and last_string is not None:
                raw_name = last_string[0]
                name = json.loads(raw_name) if "\\" in raw_name else raw_name[1:-1]
                frame = stack[-1]
                if name in frame[1]:
                    col = last_string[1] + 1
                    where = json_path(_path_of(stack[:-1]))
                    result.problems.append(Problem(
                        "metrics/duplicate-key", col,
                        f"duplicate key {name!r} in {where} at column {col} (readers disagree on which value wins)",
                        json_path(_path_of(stack[:-1]) + [name]),
                    ))
                else:
                    frame[1].add(name)
                frame[2] = name
            last_string = None
            continue
        last_string = None
        if first in "{[":
            stack.append([first, set() if first == "{" else None, None if first == "{" else 0])
        elif first in "}]":
            if stack:
                stack.pop()
        elif first == ",":
            if stack and stack[-1][0] == "[":
                stack[-1][2] += 1
        elif not allow_nan:  # NaN / Infinity / -Infinity outside a string
            col = match.start() + 1
            path = json_path(_path_of(stack))
            result.problems.append(Problem(
                "metrics/non-standard-number", col,
                f"{tok} at {path} (column {col}) is not JSON; accept it with --allow-nan, or write the "
                f"string \"{tok}\" where the schema allows strings (the builtin schema does; it rejects null)",
                path,
            ))


def _path_of(stack: List[list]) -> list:
    return [frame[2] for frame in stack if frame[2] is not None]


def value_column(text: str, target: List[Any]) -> Optional[int]:
    """1-based column where the value at JSON path ``target`` starts; see :func:`value_columns`."""
    return value_columns(text, {tuple(target)}).get(tuple(target))


def value_columns(text: str, targets: Set[Tuple[Any, ...]]) -> Dict[Tuple[Any, ...], int]:
    """1-based columns where the values at the JSON paths ``targets`` start in ``text``.

    The column is the value's first character, as for
    ``metrics/non-standard-number``, so every finding about one value points at
    the same place: ``"loss": true`` points at ``true`` (with duplicate names,
    at the last value, the one parsers keep); an array element at its first
    character; ``1`` for the root. Paths not found are absent from the result. One iterative token walk
    (as :func:`scan_tokens`) serves every target, so a line with many findings
    costs one pass.
    """
    found: Dict[Tuple[Any, ...], int] = {}
    if () in targets:
        found[()] = 1
    depths = {len(t) for t in targets if t}
    if not depths:
        return found
    stack: List[list] = []
    last_string: Optional[Tuple[str, int]] = None
    for match in _TOKEN.finditer(text):
        tok = match.group()
        first = tok[0]
        if first == '"':
            last_string = (tok, match.start())
            continue
        if first == ":":
            if stack and stack[-1][0] == "{" and last_string is not None:
                raw_name = last_string[0]
                stack[-1][2] = json.loads(raw_name) if "\\" in raw_name else raw_name[1:-1]
                if len(stack) in depths:
                    path = tuple(_path_of(stack))
                    if path in targets:
                        found[path] = _next_value_column(text, match.end())
            last_string = None
            continue
        last_string = None
        if first in "{[":
            stack.append([first, None, None if first == "{" else 0])
            if first == "[" and len(stack) in depths:
                path = tuple(_path_of(stack))
                if path in targets:
                    found[path] = _next_value_column(text, match.end())
        elif first in "}]":
            if stack:
                stack.pop()
        elif first == ",":
            if stack and stack[-1][0] == "[":
                stack[-1][2] += 1
                if len(stack) in depths:
                    path = tuple(_path_of(stack))
                    if path in targets:
                        found[path] = _next_value_column(text, match.end())
    return found


def _next_value_column(text: str, position: int) -> int:
    while position < len(text) and text[position] in _WS:
        position += 1
    return position + 1
