"""JSON (RFC 8259) with source positions, addressed by JSON pointer (RFC 6901).

Findings about JSON files point at the offending value (``/entries/2/sha256``,
line 14, column 17). Two ways to get there:

* :func:`parse` reads untrusted text itself and returns a :class:`Document`:
  the value plus the line and column of every value and member key, and the
  members whose key was repeated. Strings are decoded by the standard
  library's ``json.decoder.scanstring``; the structure is walked with an
  explicit stack, so hostile nesting is a :class:`JsonPositionError` at
  ``max_depth``, never a ``RecursionError``.
* :class:`Locator` / :func:`locate` recover positions lazily for text that
  ``json.loads`` has already accepted: large documents are parsed at C speed
  and only pay for one tokenising pass when a finding needs a line.

Positions are 1-based; lines end at ``\\n`` (so CRLF counts once), columns
count Unicode code points. A leading byte-order mark is dropped before parsing
(RFC 8259 section 8.1 lets parsers ignore it) and positions are relative to the
text after it.
"""

from __future__ import annotations

import json
import re
import sys
from array import array
from json.decoder import scanstring
from typing import Any, Dict, List, NoReturn, Optional, Tuple, Union

#: Default nesting limit of :func:`parse` (the root value is at depth 0).
MAX_DEPTH = 256
BOM = "\ufeff"

Position = Tuple[int, int]

_WS = re.compile(r"[ \t\n\r]*")  # RFC 8259 section 2: insignificant whitespace
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")  # RFC 8259 section 6


class JsonPositionError(ValueError):
    """Text that is not JSON, or nested deeper than allowed.

    Attributes:
        reason: what went wrong, one of ``"utf-8"``, ``"depth"``, ``"end"``,
            ``"character"``, ``"string"``, ``"number"``, ``"constant"`` (NaN or
            Infinity), ``"key"``, ``"colon"``,
            ``"object"`` (no ``,``/``}``), ``"array"`` (no ``,``/``]``), ``"extra"``.
        message: the problem in words, without the position.
        offset: index of the problem in the parsed text (code points, after a
            dropped BOM); for ``"utf-8"``, the byte offset in the data given.
        line, column: 1-based position of the problem (column in code points).
    """

    def __init__(self, reason: str, message: str, offset: int, line: int, column: int):
        super().__init__(f"{message} at line {line} column {column}")
        self.reason = reason
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column


class Document:
    """A parsed JSON document.

    Attributes:
        text: the parsed text (after a dropped BOM); offsets index into it.
        value: the Python value (objects are dicts; a repeated key keeps its last
            value, as ``json.loads`` does).
        offsets: JSON pointer -> offset of the value's first character in the text.
        key_offsets: JSON pointer of a member -> offset of its key's opening quote
            (the last occurrence when the key is repeated).
        duplicates: pointer of a member each time its key is repeated in the
            same object (in document order).
        duplicate_offsets: offset of the repeated key's opening quote, one per
            entry of ``duplicates``.
        non_finite: pointer -> offset of each ``NaN``/``Infinity``/``-Infinity``
            literal (only with ``allow_nan``; RFC 8259 section 6 has no such numbers).
        positions, key_positions: the same as 1-based (line, column), computed
            on first use (most documents need only a few positions).
    """

    def __init__(self, text: str, value: Any = None) -> None:
        self.text = text
        self.value = value
        self.offsets: Dict[str, int] = {}
        self.key_offsets: Dict[str, int] = {}
        self.duplicates: List[str] = []
        self.duplicate_offsets: List[int] = []
        self.non_finite: Dict[str, int] = {}
        self._lines: Optional[LineIndex] = None
        self._positions: Optional[Dict[str, Position]] = None
        self._key_positions: Optional[Dict[str, Position]] = None

    def line_column(self, offset: int) -> Position:
        """1-based (line, column) of ``offset`` in the parsed text."""
        if self._lines is None:
            self._lines = LineIndex(self.text)
        return self._lines(offset)

    def position(self, pointer: str) -> Position:
        """(line, column) of the value at ``pointer``. Raises ``KeyError`` when there is none."""
        return self.line_column(self.offsets[pointer])

    def key_position(self, pointer: str) -> Position:
        """(line, column) of the key of the member at ``pointer``. Raises ``KeyError`` when there is none."""
        return self.line_column(self.key_offsets[pointer])

    @property
    def positions(self) -> Dict[str, Position]:
        if self._positions is None:
            self._positions = {pointer: self.line_column(at) for pointer, at in self.offsets.items()}
        return self._positions

    @property
    def key_positions(self) -> Dict[str, Position]:
        if self._key_positions is None:
            self._key_positions = {pointer: self.line_column(at) for pointer, at in self.key_offsets.items()}
        return self._key_positions

    def where(self, pointer: str) -> Position:
        """Position of ``pointer``, else of its nearest ancestor that has one, else (1, 1)."""
        while pointer not in self.offsets and pointer:
            pointer = parent_pointer(pointer)
        return self.position(pointer) if pointer in self.offsets else (1, 1)


def escape_token(token: str) -> str:
    """Escape one reference token of a JSON pointer (RFC 6901 section 3: ``~`` -> ``~0``, ``/`` -> ``~1``)."""
    return token.replace("~", "~0").replace("/", "~1")


def unescape_token(token: str) -> str:
    """Inverse of :func:`escape_token` (RFC 6901 section 4: ``~1`` first, then ``~0``)."""
    return token.replace("~1", "/").replace("~0", "~")


def child_pointer(pointer: str, token: Union[str, int]) -> str:
    """The pointer of member ``token`` (a key, escaped here, or an array index) of the value at ``pointer``."""
    return f"{pointer}/{token}" if isinstance(token, int) else f"{pointer}/{escape_token(token)}"


def parent_pointer(pointer: str) -> str:
    """The pointer of the value containing ``pointer`` (``""`` for the root's children and the root)."""
    return pointer.rsplit("/", 1)[0]


def split_pointer(pointer: str) -> List[str]:
    """Unescaped reference tokens of ``pointer`` (``""`` -> ``[]``).

    Raises:
        ValueError: a non-empty pointer that does not start with ``/`` (RFC 6901 section 3).
    """
    if not pointer:
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"JSON pointer {pointer!r} does not start with '/'")
    return [unescape_token(token) for token in pointer[1:].split("/")]


def line_column(text: str, offset: int) -> Position:
    """1-based (line, column) of code point ``offset`` in ``text``; lines end at ``\\n``."""
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    return line, offset - start + 1


class LineIndex:
    """Offset -> (line, column) for many lookups in one text.

    Memory is proportional to ``len(text) / BLOCK``, not to the number of lines
    (a list of line starts costs ~36 bytes per line: 1.8 GB for a 50 MB file of
    newlines): per block of ``BLOCK`` code points it keeps the newlines before
    the block and the offset of the last of them; a lookup scans at most one block.
    """

    BLOCK = 1 << 10

    def __init__(self, text: str) -> None:
        self._text = text
        block = self.BLOCK
        self._before = array("q", [0])  # newlines before block i
        self._last = array("q", [-1])  # offset of the last newline before block i (-1: none)
        count, last = 0, -1
        for start in range(0, len(text), block):
            end = start + block
            found = text.count("\n", start, end)
            if found:
                count += found
                last = text.rfind("\n", start, end)
            self._before.append(count)
            self._last.append(last)

    def __call__(self, offset: int) -> Position:
        offset = max(0, min(offset, len(self._text)))
        index = offset // self.BLOCK
        start = index * self.BLOCK
        line = self._before[index] + self._text.count("\n", start, offset) + 1
        newline = self._text.rfind("\n", start, offset)
        if newline < 0:
            newline = self._last[index]
        return line, offset - newline


def strip_bom(text: str) -> str:
    """``text`` without one leading byte-order mark."""
    return text[1:] if text.startswith(BOM) else text


def decode(data: bytes) -> str:
    """UTF-8 ``data`` as text, one leading BOM dropped.

    Raises:
        JsonPositionError: ``reason="utf-8"``, ``offset`` the byte offset of the
            first invalid byte in ``data``, line and column (code points, after
            the BOM) of that byte.
    """
    try:
        return strip_bom(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        prefix = strip_bom(data[:exc.start].decode("utf-8"))
        line, column = line_column(prefix, len(prefix))
        raise JsonPositionError("utf-8", f"invalid UTF-8 at byte {exc.start}", exc.start, line, column) from None


_CONSTANTS = (("NaN", float("nan")), ("Infinity", float("inf")), ("-Infinity", float("-inf")))


def parse(source: Union[str, bytes], max_depth: int = MAX_DEPTH, allow_nan: bool = False) -> Document:
    """Parse one JSON text (RFC 8259), keeping the position of every value and key.

    Args:
        source: the text, or UTF-8 bytes (decoded strictly); one leading BOM is
            dropped and positions are relative to the text after it.
        max_depth: deepest value allowed; the root is at depth 0, its members at 1.
        allow_nan: read ``NaN``, ``Infinity`` and ``-Infinity`` as floats and list
            them in ``Document.non_finite`` (else they are an error, reason ``"constant"``).

    Returns:
        A :class:`Document`. Numbers with a fraction or exponent are ``float``
        (``1e999`` is ``inf``, as with ``json.loads``), others ``int``.

    Raises:
        JsonPositionError: invalid UTF-8, not JSON (including ``NaN`` and
            ``Infinity``, which RFC 8259 excludes, and integers longer than
            Python converts), or nesting beyond ``max_depth``; with the line and
            column of the first problem.
    """
    text = decode(source) if isinstance(source, bytes) else strip_bom(source)
    doc = Document(text)
    offsets, key_offsets, duplicates = doc.offsets, doc.key_offsets, doc.duplicates
    duplicate_offsets = doc.duplicate_offsets
    skip = _WS.match
    blank = " \t\n\r"
    size = len(text)

    def fail(reason: str, message: str, offset: int) -> NoReturn:
        line, column = line_column(text, offset)
        raise JsonPositionError(reason, message, offset, line, column)

    # Containers being filled, innermost last: [value, pointer, key awaiting its value].
    stack: List[list] = []
    pointer, at = "", 0
    expect_key = False  # True after "{" or "," in an object: a member's key comes next
    while True:
        if expect_key:
            frame = stack[-1]
            if at < size and text[at] in blank:
                at = skip(text, at).end()
            if not text.startswith('"', at):
                fail("key", "expected a string key", at)
            key_at = at
            try:
                name, at = scanstring(text, at + 1, True)
            except json.JSONDecodeError as exc:
                fail("string", exc.msg, exc.pos)
            if "~" in name or "/" in name:
                pointer = f"{frame[1]}/{escape_token(name)}"
            else:
                pointer = f"{frame[1]}/{name}"
            if name in frame[0]:
                duplicates.append(pointer)
                duplicate_offsets.append(key_at)
            key_offsets[pointer] = key_at
            frame[2] = name
            if at < size and text[at] in blank:
                at = skip(text, at).end()
            if not text.startswith(":", at):
                fail("colon", "expected ':' after a key", at)
            at += 1
            expect_key = False
        # A value starts at or after ``at`` (whitespace first), addressed by ``pointer``.
        if len(stack) > max_depth:
            fail("depth", f"nested deeper than {max_depth} levels", at)
        if at < size and text[at] in blank:
            at = skip(text, at).end()
        offsets[pointer] = at
        if at >= size:
            fail("end", "unexpected end of the document", at)
        char = text[at]
        if char == '"':
            try:
                value, at = scanstring(text, at + 1, True)
            except json.JSONDecodeError as exc:
                fail("string", exc.msg, exc.pos)
        elif char == "{" or char == "[":
            after = skip(text, at + 1).end()
            if text.startswith("}" if char == "{" else "]", after):
                value, at = ({} if char == "{" else []), after + 1
            elif char == "{":
                stack.append([{}, pointer, None])
                at, expect_key = after, True
                continue
            else:
                stack.append([[], pointer, None])
                pointer, at = f"{pointer}/0", after
                continue
        else:
            match = _NUMBER.match(text, at)
            if match:
                digits = match.group()
                try:
                    value = float(digits) if "." in digits or "e" in digits or "E" in digits else int(digits)
                except ValueError as exc:  # beyond Python's integer digit limit (CVE-2020-10735)
                    line, column = line_column(text, at)
                    raise JsonPositionError("number", f"integer of {len(digits.lstrip('-'))} digits is longer than "
                                            f"the {sys.get_int_max_str_digits()} digits Python converts",
                                            at, line, column) from exc
                at = match.end()
            elif text.startswith("true", at):
                value, at = True, at + 4
            elif text.startswith("false", at):
                value, at = False, at + 5
            elif text.startswith("null", at):
                value, at = None, at + 4
            else:
                for literal, number in _CONSTANTS:
                    if text.startswith(literal, at):
                        if not allow_nan:
                            fail("constant", f"{literal} is not JSON (RFC 8259 has no NaN or Infinity)", at)
                        doc.non_finite[pointer] = at
                        value, at = number, at + len(literal)
                        break
                else:
                    fail("character", f"unexpected character {char!r}", at)
        # ``value`` is complete: store it in its container, closing every container it completes.
        while stack:
            frame = stack[-1]
            container = frame[0]
            if at < size and text[at] in blank:
                at = skip(text, at).end()
            if type(container) is list:
                container.append(value)
                if text.startswith(",", at):
                    pointer, at = f"{frame[1]}/{len(container)}", at + 1
                    break
                if not text.startswith("]", at):
                    fail("array", "expected ',' or ']'", at)
            else:
                container[frame[2]] = value
                if text.startswith(",", at):
                    at, expect_key = at + 1, True
                    break
                if not text.startswith("}", at):
                    fail("object", "expected ',' or '}'", at)
            stack.pop()
            value, at = container, at + 1
        else:
            end = skip(text, at).end()
            if end != size:
                fail("extra", "extra data after the JSON value", end)
            doc.value = value
            return doc


def loads(source: Union[str, bytes], max_depth: int = MAX_DEPTH, allow_nan: bool = False) -> Any:
    """The value of :func:`parse` (same arguments and errors), like a depth-safe ``json.loads``."""
    return parse(source, max_depth, allow_nan).value


# Structural characters, the opening quote of a string, and bare scalars (numbers, true, false, null).
# Strings are skipped by :func:`_string_end`, not by a regex: ``"(?:[^"\\]|\\.)*"`` makes ``re``
# keep state for every character (~100 bytes each: 5 GB for a 50 MB string).
_TOKEN = re.compile(r'[{}\[\],:"]|[^\s{}\[\],:"]+')


def _string_end(text: str, start: int) -> int:
    """Offset just past the closing quote of the string opened at ``start`` (``len(text)`` if unterminated).

    A quote closes the string when an even number of backslashes precede it;
    each run of backslashes is counted once, so the scan is linear.
    """
    at = start + 1
    while True:
        quote = text.find('"', at)
        if quote < 0:
            return len(text)
        back = quote
        while text[back - 1] == "\\":  # stops at the opening quote at the latest
            back -= 1
        if (quote - back) % 2 == 0:
            return quote + 1
        at = quote + 1


def value_offsets(text: str, max_depth: int = 3, keys_of: Optional[Dict[str, List[int]]] = None) -> Dict[str, int]:
    """Map the JSON pointer of every value up to ``max_depth`` levels deep to its start offset.

    One tokenising pass, without building values, in memory proportional to the
    nesting and the number of recorded values (not to the length of strings):
    meant for ``text`` that ``json.loads`` already accepted (after BOM removal).
    For other text the result is partial, never an exception. With repeated keys
    the last occurrence wins, like ``json.loads``.

    ``keys_of``, when given, maps member pointers to lists that receive the
    offset of the opening quote of every occurrence of that member's key (so a
    repeated key can be reported where it repeats).
    """
    offsets: Dict[str, int] = {}
    # Each frame: [is_object, pointer (None below max_depth), current key or index, expecting_key]
    stack: List[list] = []
    pending: Optional[str] = ""  # pointer of the value expected next; None when none is expected
    search = _TOKEN.search
    at = 0
    while True:
        match = search(text, at)
        if match is None:
            break
        start = match.start()
        char = text[start]
        at = _string_end(text, start) if char == '"' else match.end()
        frame = stack[-1] if stack else None
        if frame is not None and frame[0] and frame[3]:
            if char == '"':  # an object key
                try:
                    frame[2] = json.loads(text[start:at])
                except ValueError:
                    return offsets
                frame[3] = False
                if keys_of and frame[1] is not None:
                    occurrences = keys_of.get(f"{frame[1]}/{escape_token(frame[2])}")
                    if occurrences is not None:
                        occurrences.append(start)
            elif char == "}":
                stack.pop()
                pending = None
            continue
        if char == ":":
            if frame is not None and frame[0]:
                pending = f"{frame[1]}/{escape_token(str(frame[2]))}" if frame[1] is not None else None
            continue
        if char == ",":
            if frame is not None:
                if frame[0]:
                    frame[3] = True
                else:
                    frame[2] += 1
                    pending = f"{frame[1]}/{frame[2]}" if frame[1] is not None else None
            continue
        if char in "}]":
            if stack:
                stack.pop()
            pending = None
            continue
        # A value starts here.
        depth = len(stack)
        pointer = pending if depth <= max_depth else None
        if pointer is not None:
            offsets[pointer] = start
        if char == "{":
            stack.append([True, pointer if depth < max_depth else None, None, True])
        elif char == "[":
            stack.append([False, pointer if depth < max_depth else None, 0, False])
            pending = f"{pointer}/0" if pointer is not None and depth < max_depth else None
            continue
        pending = None
    return offsets


class Locator:
    """Lazy pointer -> (line, column) over one JSON text that ``json.loads`` accepted.

    The first lookup tokenises the text once (:func:`value_offsets`); later ones
    are dictionary and line-index lookups. A pointer deeper than ``max_depth``, or
    absent, resolves to its nearest recorded ancestor; ``(None, None)`` when
    there is none (empty text).
    """

    def __init__(self, text: str, max_depth: int = 3) -> None:
        self._text = text
        self._max_depth = max_depth
        self._offsets: Optional[Dict[str, int]] = None
        self._where: Optional[LineIndex] = None

    def __call__(self, pointer: str) -> Union[Position, Tuple[None, None]]:
        if self._offsets is None:
            self._offsets = value_offsets(self._text, self._max_depth)
            self._where = LineIndex(self._text)
        offset = self._offsets.get(pointer)
        while offset is None and pointer:
            pointer = parent_pointer(pointer)
            offset = self._offsets.get(pointer)
        if offset is None:
            return None, None
        assert self._where is not None
        return self._where(offset)

    def key_positions(self, pointers) -> Dict[str, List[Position]]:
        """(line, column) of the key of every occurrence of each member in ``pointers``, in document order.

        One extra tokenising pass (meant for the rare repeated keys); members
        deeper than ``max_depth`` get an empty list.
        """
        wanted: Dict[str, List[int]] = {pointer: [] for pointer in pointers}
        if wanted:
            value_offsets(self._text, self._max_depth, keys_of=wanted)
        if self._where is None:
            self._where = LineIndex(self._text)
        return {pointer: [self._where(at) for at in found] for pointer, found in wanted.items()}


def locate(text: str, pointer: str) -> Union[Position, Tuple[None, None]]:
    """(line, column) of ``pointer`` in ``text`` (accepted by ``json.loads``), or of its nearest ancestor.

    A one-off :class:`Locator`; keep a :class:`Locator` for several lookups.
    """
    return Locator(text, max_depth=pointer.count("/"))(pointer)
