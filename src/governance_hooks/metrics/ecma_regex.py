"""ECMA-262 regular expressions rewritten so Python's ``re`` gives them the same meaning.

JSON Schema gives ``pattern`` and ``patternProperties`` ECMA-262 semantics
(Validation 2020-12 §6.3.3, §4.3), Unicode mode for ``\\p{...}`` (Core 2020-12
§6.4). ``jsonschema-rs`` follows ECMA-262; ``jsonschema`` hands patterns to
``re``, whose meaning differs. :func:`to_python` rewrites, outside and inside
character classes:

* ``$`` -> ``\\Z``: end of the string only (``re``'s ``$`` also matches before a final ``\\n``);
* ``\\d``, ``\\w`` and their negations -> ASCII classes (``re`` is Unicode-aware);
* ``\\s``, ``\\S`` -> ECMA-262 WhiteSpace and LineTerminator (ECMA-262 §22.2.2.9
  CharacterClassEscape; ``re`` also counts U+001C..U+001F and U+0085, and not U+FEFF);
* ``.`` -> any character except the four ECMA line terminators;
* ``\\p{...}`` / ``\\P{...}`` -> the explicit code point ranges of that Unicode
  property, enumerated once with the ``regex`` module (``re`` has no ``\\p``).

Everything else is kept, so a pattern ``re`` cannot compile stays invalid.
"""

from __future__ import annotations

import functools
import re
from typing import List

#: ECMA-262 WhiteSpace + LineTerminator code points (ES2023 §12.2, §12.3; Zs from Unicode).
_ECMA_SPACE = ("\\t\\n\\x0b\\x0c\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff")
_OUT = {"d": "[0-9]", "D": "[^0-9]", "w": "[A-Za-z0-9_]", "W": "[^A-Za-z0-9_]",
        "s": f"[{_ECMA_SPACE}]", "S": f"[^{_ECMA_SPACE}]"}
_IN = {"d": "0-9", "w": "A-Za-z0-9_", "s": _ECMA_SPACE}
_DOT = "[^\\n\\r\\u2028\\u2029]"
_PROPERTY = re.compile(r"\\([pP])\{([A-Za-z0-9_=]+)\}")


class UnsupportedPattern(ValueError):
    """A construct this translation cannot express for ``re`` (message says which)."""


@functools.lru_cache(maxsize=64)
def property_ranges(name: str) -> str:
    """Class body (``a-zà-ö...``) of the code points with Unicode property ``name``.

    Raises:
        UnsupportedPattern: unknown property, or the ``regex`` module is not installed.
    """
    try:
        import regex
    except ImportError:  # pragma: no cover - a dependency of the package
        raise UnsupportedPattern("\\p{...} needs the 'regex' module") from None
    try:
        matcher = regex.compile(rf"\p{{{name}}}+")
    except regex.error as exc:
        raise UnsupportedPattern(f"unknown Unicode property \\p{{{name}}}: {exc}") from None
    parts: List[str] = []
    for match in matcher.finditer(_all_code_points()):
        low, high = match.start(), match.end() - 1
        parts.append(_escape(low) if low == high else f"{_escape(low)}-{_escape(high)}")
    return "".join(parts)


@functools.lru_cache(maxsize=1)
def _all_code_points() -> str:
    return "".join(map(chr, range(0x110000)))


def _escape(code: int) -> str:
    return f"\\U{code:08x}"


def to_python(pattern: str) -> str:
    """The ``re`` pattern with the ECMA-262 meaning of ``pattern`` (see the module docstring).

    Raises:
        UnsupportedPattern: ``\\P{...}`` inside a character class (no set difference in ``re``).
    """
    out: List[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt in "pP":
                match = _PROPERTY.match(pattern, i)
                if match:
                    body = property_ranges(match.group(2))
                    if in_class:
                        if nxt == "P":
                            raise UnsupportedPattern("\\P{...} inside a character class is not supported")
                        out.append(body)
                    else:
                        out.append(f"[{'^' if nxt == 'P' else ''}{body}]")
                    i = match.end()
                    continue
            if in_class and nxt in _IN:
                out.append(_IN[nxt])
            elif not in_class and nxt in _OUT:
                out.append(_OUT[nxt])
            else:
                out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
        elif ch == "[":
            in_class = True
            out.append(ch)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":  # a literal ] first in a class (as re reads it)
                out.append("\\]")
                i += 1
            continue
        elif ch == "$":
            out.append(r"\Z")
            i += 1
            continue
        elif ch == ".":
            out.append(_DOT)
            i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def is_valid(pattern: str) -> bool:
    """True when ``pattern`` translates and compiles (the ``regex`` format of the metaschemas)."""
    try:
        re.compile(to_python(pattern))
    except (UnsupportedPattern, re.error, OverflowError, RecursionError):
        return False
    return True
