"""Parse JSON (RFC 8259) keeping the line and column of every value, addressed by JSON pointer.

Metadata findings point at the offending value (``/entries/2/sha256``, line 14,
column 17). Strings are decoded by the standard library's ``json`` scanner; the
structure is walked here so positions and duplicate keys are known.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Tuple

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_DECODER = json.JSONDecoder()
MAX_DEPTH = 256


class JsonProblem(Exception):
    """Invalid JSON at ``line``/``column`` (1-based)."""

    def __init__(self, message: str, line: int, column: int):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass
class Document:
    """A parsed JSON document.

    Attributes:
        value: the Python value (objects are dicts; duplicate keys keep the last value).
        positions: JSON pointer -> (line, column) of the value's first character.
        key_positions: JSON pointer -> (line, column) of the member's key.
        duplicates: pointers of members whose key was repeated in the same object.
    """

    value: Any
    positions: Dict[str, Tuple[int, int]] = field(default_factory=dict)
    key_positions: Dict[str, Tuple[int, int]] = field(default_factory=dict)
    duplicates: List[str] = field(default_factory=list)

    def where(self, pointer: str) -> Tuple[int, int]:
        """Line and column of ``pointer``, or of its nearest existing parent."""
        while pointer not in self.positions and pointer:
            pointer = pointer.rsplit("/", 1)[0]
        return self.positions.get(pointer, (1, 1))


def escape(token: str) -> str:
    """A reference token escaped for a JSON pointer (RFC 6901): ``~`` -> ``~0``, ``/`` -> ``~1``."""
    return token.replace("~", "~0").replace("/", "~1")


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.doc = Document(None)
        self.line_starts = [0]
        for m in re.finditer("\n", text):
            self.line_starts.append(m.end())

    def loc(self, index: int) -> Tuple[int, int]:
        import bisect

        line = bisect.bisect_right(self.line_starts, index)
        return line, index - self.line_starts[line - 1] + 1

    def fail(self, message: str, index: int):
        line, col = self.loc(index)
        raise JsonProblem(message, line, col)

    def ws(self, i: int) -> int:
        return _WS.match(self.text, i).end()

    def value(self, i: int, pointer: str, depth: int) -> Tuple[Any, int]:
        if depth > MAX_DEPTH:
            self.fail(f"nested deeper than {MAX_DEPTH} levels", i)
        i = self.ws(i)
        self.doc.positions[pointer] = self.loc(i)
        if i >= len(self.text):
            self.fail("unexpected end of the document", i)
        c = self.text[i]
        if c == "{":
            return self.obj(i + 1, pointer, depth)
        if c == "[":
            return self.arr(i + 1, pointer, depth)
        if c == '"':
            return self.string(i)
        m = _NUMBER.match(self.text, i)
        if m:
            s = m.group()
            return (float(s) if any(ch in s for ch in ".eE") else int(s)), m.end()
        for word, val in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, i):
                return val, i + len(word)
        self.fail(f"unexpected character {c!r}", i)

    def string(self, i: int) -> Tuple[str, int]:
        try:
            return json.decoder.scanstring(self.text, i + 1, True)
        except json.JSONDecodeError as exc:
            self.fail(exc.msg, exc.pos)

    def obj(self, i: int, pointer: str, depth: int) -> Tuple[dict, int]:
        out: Dict[str, Any] = {}
        i = self.ws(i)
        if self.text.startswith("}", i):
            return out, i + 1
        while True:
            i = self.ws(i)
            if not self.text.startswith('"', i):
                self.fail("expected a string key", i)
            key_at = self.loc(i)
            key, i = self.string(i)
            child = f"{pointer}/{escape(key)}"
            if key in out:
                self.doc.duplicates.append(child)
            self.doc.key_positions[child] = key_at
            i = self.ws(i)
            if not self.text.startswith(":", i):
                self.fail("expected ':' after a key", i)
            out[key], i = self.value(i + 1, child, depth + 1)
            i = self.ws(i)
            if self.text.startswith(",", i):
                i += 1
                continue
            if self.text.startswith("}", i):
                return out, i + 1
            self.fail("expected ',' or '}'", i)

    def arr(self, i: int, pointer: str, depth: int) -> Tuple[list, int]:
        out: List[Any] = []
        i = self.ws(i)
        if self.text.startswith("]", i):
            return out, i + 1
        while True:
            item, i = self.value(i, f"{pointer}/{len(out)}", depth + 1)
            out.append(item)
            i = self.ws(i)
            if self.text.startswith(",", i):
                i += 1
                continue
            if self.text.startswith("]", i):
                return out, i + 1
            self.fail("expected ',' or ']'", i)


def parse(data: bytes) -> Document:
    """Parse UTF-8 JSON bytes (a leading BOM is tolerated).

    Raises:
        JsonProblem: invalid UTF-8 or JSON, with the 1-based line and column.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = data[:exc.start]
        raise JsonProblem(f"invalid UTF-8 at byte {exc.start}", prefix.count(b"\n") + 1,
                          exc.start - (prefix.rfind(b"\n") + 1) + 1) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    parser = _Parser(text)
    value, end = parser.value(0, "", 0)
    end = parser.ws(end)
    if end != len(text):
        parser.fail("extra data after the JSON value", end)
    parser.doc.value = value
    return parser.doc
