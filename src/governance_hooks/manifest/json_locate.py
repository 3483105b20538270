"""Source positions of values in a JSON text, addressed by JSON pointer (RFC 6901).

The standard ``json`` module parses fast but forgets where values were. Findings
need lines, yet only for the few entries that fail, so positions are recovered
lazily by one tokenising pass over text that ``json`` has already accepted.
"""

from __future__ import annotations

import bisect
import json
import re
from typing import Dict, List, Optional, Tuple

# Strings (with escapes), structural characters, and bare scalars (numbers, true, false, null).
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+', re.S)


def escape_token(key: str) -> str:
    """Escape one reference token of a JSON pointer (RFC 6901 section 3: ``~`` -> ``~0``, ``/`` -> ``~1``)."""
    return key.replace("~", "~0").replace("/", "~1")


def value_offsets(text: str, max_depth: int = 3) -> Dict[str, int]:
    """Map the JSON pointer of every value up to ``max_depth`` levels deep to its start offset.

    ``text`` must be JSON that ``json.loads`` accepted; for other text the result is
    partial, never an exception. With duplicate keys the last occurrence wins,
    like ``json.loads``.
    """
    offsets: Dict[str, int] = {}
    # Each frame: [is_object, pointer, current key or index, expecting_key]
    stack: List[list] = []
    pending: Optional[str] = ""  # pointer of the value expected next; None when none is expected
    for match in _TOKEN.finditer(text):
        token = match.group()
        char = token[0]
        frame = stack[-1] if stack else None
        if frame is not None and frame[0] and frame[3]:
            if char == '"':  # an object key
                try:
                    key = json.loads(token)
                except ValueError:
                    return offsets
                frame[2] = key
                frame[3] = False
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
            stack.pop()
            pending = None
            continue
        # A value starts here.
        depth = len(stack)
        pointer = pending if depth <= max_depth else None
        if pointer is not None:
            offsets[pointer] = match.start()
        if char == "{":
            stack.append([True, pointer if depth < max_depth else None, None, True])
        elif char == "[":
            stack.append([False, pointer if depth < max_depth else None, 0, False])
            child_pointer = f"{pointer}/0" if pointer is not None and depth < max_depth else None
            pending = child_pointer
            continue
        pending = None
    return offsets


class Locator:
    """Lazy pointer -> (line, column) lookup over one JSON text (1-based, column in characters)."""

    def __init__(self, text: str, max_depth: int = 3) -> None:
        self._text = text
        self._max_depth = max_depth
        self._offsets: Optional[Dict[str, int]] = None
        self._line_starts: Optional[List[int]] = None

    def __call__(self, pointer: str) -> Tuple[Optional[int], Optional[int]]:
        if self._offsets is None:
            self._offsets = value_offsets(self._text, self._max_depth)
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self._text)]
        offset = self._offsets.get(pointer)
        while offset is None and pointer:
            # Fall back to the closest enclosing value that has a position.
            pointer = pointer.rsplit("/", 1)[0]
            offset = self._offsets.get(pointer)
        if offset is None:
            return None, None
        assert self._line_starts is not None
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1


def line_column(text: str, offset: int) -> Tuple[int, int]:
    """1-based (line, column) of a character ``offset`` in ``text``."""
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    return line, offset - start + 1
