"""Patterns of the third-party ``regex`` module, rewritten into ``re`` syntax with the same language.

``regex`` is a backtracking engine like ``re`` and its constructs backtrack the
same way, so the EDA/IDA analysis applies once the syntax is translated:

* every character set (``[...]`` with nested sets and the set operations
  ``||  &&  --  ~~`` of version 1, POSIX classes) and every property escape
  (``\\p{L}``, ``\\P{Script=Greek}``, ``\\pN``) becomes an ``re`` class of
  code-point ranges, computed by the installed ``regex`` module itself;
* ``\\X`` (a grapheme cluster) becomes ``(?:\\P{M}\\p{M}*)`` (over-approximation);
* ``\\m``/``\\M`` become ``\\b``; ``\\K`` is dropped; ``(?|...)`` becomes ``(?:...)``;
  ``(?<name>...)`` becomes ``(?P<name>...)``; flags only ``regex`` knows are dropped;
* a named list ``\\L<name>`` matches one of the strings of a list given at run
  time without backtracking inside it: a single private-use character stands in.

Constructs whose behaviour the ``re`` model cannot express raise
:class:`Unsupported` naming the construct: fuzzy matching (``{e<=1}``),
recursion and subroutine calls (``(?R)``, ``(?1)``, ``(?&name)``), reverse
searching (``(?r)``), ``\\G``, ``(?(DEFINE)...)``.

Flags: sites carry ``re`` flag bits; the ``regex``-only flags are kept in
the high bits below (``REGEX_ONLY``) and converted by :func:`to_regex_flags`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import List, Tuple

#: regex-only flags, as bits above re's (the extractor records them under these values)
REGEX_ONLY = {"V1": 1 << 20, "VERSION1": 1 << 20, "V0": 0, "VERSION0": 0, "W": 1 << 21, "WORD": 1 << 21,
              "F": 1 << 22, "FULLCASE": 1 << 22, "B": 1 << 23, "BESTMATCH": 1 << 23, "P": 1 << 24,
              "POSIX": 1 << 24, "R": 1 << 25, "REVERSE": 1 << 25, "E": 1 << 26, "ENHANCEMATCH": 1 << 26}
_RE_BITS = ("IGNORECASE", "LOCALE", "MULTILINE", "DOTALL", "UNICODE", "VERBOSE", "ASCII")
PLACEHOLDER = "\ue000"
#: a braced quantifier; it is fuzzy when its body names an error kind (e, d, i, s), counted repeats hold digits only
_BRACES = re.compile(r"\{([^{}]*)\}")


class Unsupported(ValueError):
    """The pattern uses a construct this analysis does not model (the message names it)."""


def to_regex_flags(flags: int) -> int:
    """``re``-valued flag bits (plus :data:`REGEX_ONLY` bits) as the ``regex`` module's values."""
    import regex

    out = 0
    for name in _RE_BITS:
        if flags & int(getattr(re, name)):
            out |= int(getattr(regex, name))
    for name, bit in REGEX_ONLY.items():
        if bit and flags & bit and len(name) > 1:
            out |= int(getattr(regex, name))
    return out


def re_flags_only(flags: int) -> int:
    return flags & sum(int(getattr(re, name)) for name in _RE_BITS)


@lru_cache(maxsize=1)
def _all_code_points() -> str:
    return "".join(map(chr, range(0x110000)))


@lru_cache(maxsize=4096)
def _class_of(set_text: str, regex_flags: int) -> str:
    """The ``re`` class (``[...]``) holding exactly the code points ``set_text`` matches under ``regex``."""
    import regex

    try:
        runs = [(m.start(), m.end() - 1) for m in regex.finditer(f"(?:{set_text})+", _all_code_points(), regex_flags)]
    except (regex.error, ValueError, TypeError) as exc:
        raise Unsupported(f"character set {set_text[:40]!r} does not compile under regex: {exc}") from None
    if not runs:
        return "[^\\x00-\\U0010ffff]"
    parts = []
    for lo, hi in runs:
        parts.append(f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}")
    return "[" + "".join(parts) + "]"


def translate(pattern, flags: int) -> Tuple[object, int, Tuple[str, ...]]:
    """``(re_pattern, re_flags, approximations)`` for a ``regex``-module pattern.

    Raises:
        Unsupported: a construct that the analysis cannot model (named in the message).
    """
    if isinstance(pattern, bytes):
        return pattern, re_flags_only(flags), ()
    approximations: List[str] = []
    version1 = bool(flags & REGEX_ONLY["V1"]) or "(?V1)" in pattern
    verbose = bool(flags & re.X)
    regex_flags = to_regex_flags(flags) & ~int(__import__("regex").IGNORECASE)
    if version1:
        regex_flags |= int(__import__("regex").V1)
    out: List[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt in "pP":
                end = pattern.index("}", i) + 1 if i + 2 < n and pattern[i + 2] == "{" and "}" in pattern[i:] else i + 3
                out.append(_class_of(pattern[i:end], regex_flags))
                i = end
                continue
            if nxt == "X":
                out.append("(?:" + _class_of(r"\P{M}", regex_flags) + _class_of(r"\p{M}", regex_flags) + "*)")
                approximations.append("grapheme")
                i += 2
                continue
            if nxt in "mM":
                out.append(r"\b")
                i += 2
                continue
            if nxt == "K":
                i += 2
                continue
            if nxt == "G":
                raise Unsupported(r"\G (search anchor) is not modelled")
            if nxt == "L" and i + 2 < n and pattern[i + 2] == "<":
                end = pattern.find(">", i)
                out.append(PLACEHOLDER)
                approximations.append("named-list")
                i = end + 1 if end > 0 else n
                continue
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if c == "[":
            end = _set_end(pattern, i, version1)
            out.append(_class_of(pattern[i:end], regex_flags))
            i = end
            continue
        if c == "#" and verbose:
            end = pattern.find("\n", i)
            end = n if end < 0 else end
            out.append(pattern[i:end])
            i = end
            continue
        if c == "(" and pattern.startswith("(?", i):
            i = _group_open(pattern, i, out)
            continue
        if c == "{":
            m = _BRACES.match(pattern, i)
            if m and any(ch in "edis" for ch in m.group(1)):
                raise Unsupported(f"fuzzy matching {m.group(0)} is not modelled")
        out.append(c)
        i += 1
    return "".join(out), re_flags_only(flags), tuple(approximations)


def _set_end(pattern: str, start: int, version1: bool) -> int:
    """Index just after the set opening at ``start`` (nested sets in version 1, POSIX classes always)."""
    i, n, depth = start + 1, len(pattern), 1
    if i < n and pattern[i] == "^":
        i += 1
    if i < n and pattern[i] == "]":
        i += 1  # a leading ] is a literal
    while i < n:
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            if pattern.startswith("[:", i) and ":]" in pattern[i:]:
                i = pattern.index(":]", i) + 2
                continue
            if version1:
                depth += 1
                i += 1
                if i < n and pattern[i] == "^":
                    i += 1
                if i < n and pattern[i] == "]":
                    i += 1
                continue
        elif c == "]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise Unsupported("unterminated character set")


_RE_INLINE = set("aiLmsux")


def _group_open(pattern: str, i: int, out: List[str]) -> int:
    """Translate one ``(?...`` opening; returns the index after what it consumed."""
    rest = pattern[i + 2:]
    if rest.startswith("|"):
        out.append("(?:")
        return i + 3
    if rest[:1] == "R" or (rest[:1].isdigit()) or rest.startswith(("&", "P>", "+", "-1", "(DEFINE")):
        raise Unsupported(f"recursion or subroutine call {pattern[i:i + 6]!r} is not modelled")
    if rest.startswith("<") and rest[1:2] not in ("=", "!"):
        out.append("(?P<")
        return i + 3
    if rest.startswith("'"):
        end = pattern.find("'", i + 3)
        out.append("(?P<" + pattern[i + 3:end] + ">")
        return end + 1
    m = re.match(r"([a-zA-Z0-9]*)(?:-([a-zA-Z]*))?([:)])", rest)
    if m and (m.group(1) or m.group(2) is not None):
        on, off, close = m.group(1), m.group(2) or "", m.group(3)
        if "r" in on:
            raise Unsupported("reverse searching (?r) is not modelled")
        on = "".join(ch for ch in re.sub(r"V[01]", "", on) if ch in _RE_INLINE)
        off = "".join(ch for ch in off if ch in _RE_INLINE)
        consumed = i + 2 + m.end()
        if close == ")" and not on and not off:
            return consumed  # only regex-only flags: nothing left
        out.append("(?" + on + ("-" + off if off else "") + close)
        return consumed
    out.append("(?")
    return i + 2
