"""CODEOWNERS patterns: validation and compilation into path-segment matchers.

Semantics follow GitHub's documentation ("About code owners", "CODEOWNERS
syntax") and the reference behaviour of hmarr/codeowners:

* patterns are gitignore-like and case-sensitive; ``*`` and ``?`` never match ``/``;
* a leading ``/`` anchors at the root; a pattern with no ``/`` except a trailing
  one matches at any depth;
* ``**`` as a whole segment matches zero or more directories;
* a pattern matches a path or any of its ancestor directories (``docs`` owns
  ``docs/a/b.md``); a trailing ``/`` matches directories only;
* a pattern ending in ``/*`` matches direct children only (unlike gitignore);
* GitHub rejects ``!`` negation, ``[...]`` character ranges and ``***``; GitLab
  (``File.fnmatch`` with FNM_PATHNAME | FNM_DOTMATCH) accepts ranges and uses
  ``!`` for exclusions.
"""

from __future__ import annotations

import re

from .model import _Record

#: Segment kinds.
LIT, ANY, PREFIX, SUFFIX, AFFIX, GLOB, STAR2 = range(7)

_DISPLAY = 80


def shorten(text: str, limit: int = _DISPLAY) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (for messages)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class PatternError(ValueError):
    """A pattern GitHub (or GitLab) rejects.

    Attributes:
        reason: what is wrong, one sentence.
        offset: 0-based character offset in the pattern text of the culprit.
        suggestion: a replacement or advice, when one exists.
    """

    def __init__(self, reason: str, offset: int = 0, suggestion: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.offset = offset
        self.suggestion = suggestion


class Segment:
    """One path segment of a pattern.

    ``kind`` is one of LIT, ANY, PREFIX, SUFFIX, AFFIX, GLOB, STAR2; ``source`` is a
    canonical text (identical segments share trie nodes); ``a``/``b`` are the
    literal parts for the fast paths; ``test`` is the fallback predicate.
    """

    __slots__ = ("kind", "source", "a", "b", "test")

    def __init__(self, kind: int, source: str, a: str = "", b: str = "", test=None) -> None:
        self.kind, self.source, self.a, self.b, self.test = kind, source, a, b, test

    def __repr__(self) -> str:
        return f"Segment({self.kind}, {self.source!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Segment) and (self.kind, self.source) == (other.kind, other.source)

    def __hash__(self) -> int:
        return hash((self.kind, self.source))

    def match(self, name: str) -> bool:
        kind = self.kind
        if kind == LIT:
            return name == self.a
        if kind == ANY:
            return True
        if kind == PREFIX:
            return name.startswith(self.a)
        if kind == SUFFIX:
            return name.endswith(self.b)
        if kind == AFFIX:
            return len(name) >= len(self.a) + len(self.b) and name.startswith(self.a) and name.endswith(self.b)
        return bool(self.test(name))  # GLOB


STAR2_SEGMENT = Segment(STAR2, "**")
ANY_SEGMENT = Segment(ANY, "*")


class CompiledPattern(_Record):
    """A pattern ready for the matcher.

    Attributes:
        segments: segment matchers from the root; unanchored patterns start with ``**``.
        dir_only: a trailing ``/`` (or ``/**``): only paths below a matching directory match.
        no_subdirs: ends with ``/*``: only direct children match, never deeper paths.
        exclusion: a GitLab ``!`` exclusion.
    """

    __slots__ = ("segments", "dir_only", "no_subdirs", "exclusion")
    __hash__ = None  # mutable, as before

    def __init__(self, segments: "tuple[Segment, ...]", dir_only: bool = False, no_subdirs: bool = False,
                 exclusion: bool = False) -> None:
        # One assignment per attribute: cheaper than unpacking a tuple (one pattern per rule).
        self.segments = segments
        self.dir_only = dir_only
        self.no_subdirs = no_subdirs
        self.exclusion = exclusion

    @property
    def key(self) -> tuple:
        """Equal keys mean the same set of matched paths (used for duplicates)."""
        return (self.exclusion, tuple((s.kind, s.source) for s in self.segments), self.dir_only, self.no_subdirs)

    @property
    def is_catch_all(self) -> bool:
        """True for ``*``, ``**``, ``/**`` and ``**/*``: every path matches."""
        return (
            not self.exclusion and not self.dir_only and not self.no_subdirs
            and len(self.segments) == 2 and self.segments[0].kind == STAR2 and self.segments[1].kind == ANY
        )

    @property
    def slashless(self) -> bool:
        """Matches at any depth (starts with ``**``)."""
        return bool(self.segments) and self.segments[0].kind == STAR2


def _lex(pattern: str, dialect: str) -> list[tuple[str, str, int]]:
    """Split ``pattern`` into ``(kind, text, offset)`` items: ``c`` literal, ``*``, ``?``, ``/``, ``[`` class.

    Raises:
        PatternError: dangling escape, unsupported or unterminated character class.
    """
    items: list[tuple[str, str, int]] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= n:
                raise PatternError("the pattern ends with a lone backslash (a dangling escape)", i,
                                   "remove the trailing `\\`")
            items.append(("c", pattern[i + 1], i))
            i += 2
            continue
        if ch in "[]":
            if dialect == "github":
                raise PatternError(
                    "character ranges `[...]` are not supported by GitHub CODEOWNERS", i,
                    "write one rule per alternative, or escape a literal bracket as `\\[`",
                )
            if ch == "]":  # outside a class, `]` is an ordinary character to fnmatch
                items.append(("c", ch, i))
                i += 1
                continue
            end = _class_end(pattern, i + 1)
            if end < 0:
                raise PatternError("unterminated character class `[`", i, "close it with `]` or escape it as `\\[`")
            body = pattern[i + 1:end]
            if "/" in body:
                raise PatternError("a character class cannot contain `/`", i)
            items.append(("[", body, i))
            i = end + 1
            continue
        if ch in "*?/":
            items.append((ch, ch, i))
        else:
            items.append(("c", ch, i))
        i += 1
    return items


def _segment(items: list[tuple[str, str, int]]) -> Segment:
    """Build the matcher of one segment from its lexical items (no ``/`` inside)."""
    kinds = [k for k, _, _ in items]
    if kinds == ["*", "*"]:
        return STAR2_SEGMENT
    if all(k == "c" for k in kinds):
        text = "".join(t for _, t, _ in items)
        return Segment(LIT, text, a=text)
    source = "".join(_source(k, t) for k, t, _ in items)
    stars = kinds.count("*")
    if "?" not in kinds and "[" not in kinds:
        first = kinds.index("*")
        last = len(kinds) - 1 - kinds[::-1].index("*")
        head = "".join(t for _, t, _ in items[:first])
        tail = "".join(t for _, t, _ in items[last + 1:])
        if stars == 1 or all(k == "*" for k in kinds[first:last + 1]):
            if not head and not tail:
                return ANY_SEGMENT
            if not tail:
                return Segment(PREFIX, source, a=head)
            if not head:
                return Segment(SUFFIX, source, b=tail)
            return Segment(AFFIX, source, a=head, b=tail)
    if stars <= 2:
        regex = re.compile("".join(_regex(k, t) for k, t, _ in items), re.DOTALL)
        return Segment(GLOB, source, test=regex.fullmatch)
    # Many stars: a backtracking regex could take polynomial time of high degree;
    # the two-pointer wildcard match is O(len(pattern) * len(name)) at worst.
    compiled = [(k, re.compile(_regex(k, t)).fullmatch if k == "[" else t) for k, t, _ in items]
    # A name shorter than the characters the pattern needs cannot match: this bounds the
    # quadratic worst case by the name's length, whatever the (possibly hostile) pattern.
    needed = len(items) - stars
    return Segment(GLOB, source, test=lambda name, c=compiled: len(name) >= needed and _wildmatch(c, name))


def _source(kind: str, text: str) -> str:
    if kind == "c":
        return "\\" + text if text in "*?[]\\ #!" else text
    if kind == "[":
        return f"[{text}]"
    return text


def _regex(kind: str, text: str) -> str:
    if kind == "*":
        return "[^/]*"
    if kind == "?":
        return "[^/]"
    if kind == "[":
        return _class_regex(text)
    return re.escape(text)


def _class_end(pattern: str, start: int) -> int:
    """The index of the ``]`` that closes the class opened just before ``start``, as Ruby's
    ``File.fnmatch`` finds it (``dir.c``, ``bracket``: after an optional ``!``/``^`` the class ends at
    the first ``]`` that is not an item, so ``[]`` is empty; ``\\`` escapes the next character; ``a-b``
    is a range unless ``-`` is followed by ``]``); ``-1`` when the class is not closed."""
    n = len(pattern)
    p = start + 1 if start < n and pattern[start] in "!^" else start
    while p < n and pattern[p] != "]":
        p += 2 if pattern[p] == "\\" else 1
        if p < n and pattern[p] == "-" and (p + 1 >= n or pattern[p + 1] != "]"):
            p += 2 if p + 1 < n and pattern[p + 1] == "\\" else 1
            if p >= n:
                return -1
            p += 1
    return p if p < n else -1


def _class_regex(body: str) -> str:
    """The regex of a GitLab character class ``[body]`` as Ruby's ``File.fnmatch`` reads it (``dir.c``,
    ``bracket``): a leading ``!`` or ``^`` negates; ``\\`` escapes the next character; ``a-z`` is a range
    that also matches its two ends, so a reversed one (``e-A``) matches just ``e`` and ``A``; every other
    character is itself (escaped here, so no class text can make an invalid or set-operation regex). An
    empty class matches no character, an empty negated one any."""
    negate = body[:1] in ("!", "^")
    i = 1 if negate else 0
    parts = []
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            i += 1
        low = body[i]
        i += 1
        if i + 1 < len(body) and body[i] == "-":
            i += 1
            if body[i] == "\\" and i + 1 < len(body):
                i += 1
            high = body[i]
            i += 1
            parts.append(re.escape(low) + "-" + re.escape(high) if low <= high else re.escape(low) + re.escape(high))
        else:
            parts.append(re.escape(low))
    if not parts:
        return "[^/]" if negate else "(?!)"
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


def _wildmatch(items, name: str) -> bool:
    """Greedy wildcard match with one backtrack point (``*`` over any run of characters)."""
    p = s = 0
    star_p, star_s = -1, 0
    np, ns = len(items), len(name)
    while s < ns:
        if p < np:
            kind, value = items[p]
            if kind == "*":
                star_p, star_s = p, s
                p += 1
                continue
            if (kind == "?") or (kind == "c" and value == name[s]) or (kind == "[" and value(name[s])):
                p += 1
                s += 1
                continue
        if star_p < 0:
            return False
        p = star_p + 1
        star_s += 1
        s = star_s
    while p < np and items[p][0] == "*":
        p += 1
    return p == np


def compile_pattern(pattern: str, dialect: str = "github", literals: "dict[str, Segment] | None" = None
                    ) -> CompiledPattern:
    """Validate and compile one pattern (as written, escapes included).

    Args:
        pattern: the pattern token; ``\\ `` and ``\\#`` escapes are honoured.
        dialect: ``github`` or ``gitlab``.
        literals: literal segments of a pattern without wildcards or escapes by name, shared by the
            patterns of one file (filled here): a name in many rules is one Segment.

    Returns:
        The compiled pattern.

    Raises:
        PatternError: when GitHub (or GitLab) would reject the pattern; the error
            carries the offending offset and a suggestion.
    """
    exclusion = False
    text = pattern
    if text.startswith("!"):
        if dialect != "gitlab":
            raise PatternError(
                "`!` negation is not supported by GitHub CODEOWNERS", 0,
                "to exempt files, add a later rule with the same pattern and no owners",
            )
        exclusion = True
        text = text[1:]
        if not text:
            raise PatternError("an exclusion needs a pattern after `!`", 0)
    if dialect == "github" and text.startswith("\\#"):
        raise PatternError(
            "GitHub does not support escaping a leading `#` with `\\`", 0,
            "match the file with a wildcard instead, e.g. `?name`",
        )
    if dialect == "gitlab":
        if text != "/" and "//" not in text and not _SPECIAL.search(text):
            return _compile_literal(text, exclusion, literals, True)  # most real rules: no wildcard, no escape
        return _compile_gitlab(text, pattern, exclusion, literals)
    if text == "/":
        raise PatternError("a lone `/` is not a valid pattern", 0, "use `*` to match every file")
    if "//" not in text and not _SPECIAL.search(text):
        return _compile_literal(text, exclusion, literals, False)  # most real rules: no wildcard, no escape
    shift = len(pattern) - len(text)
    star_run = _STAR_RUN.search(text)
    if star_run:
        raise PatternError("`***` is not a valid wildcard", star_run.start() + shift,
                           "use `**` to match any number of directories")
    segments_items = _parts(text, dialect)
    anchored = False
    if not segments_items[0] and len(segments_items) > 1:  # leading "/"
        segments_items.pop(0)
        anchored = True
    dir_only = False
    if len(segments_items) > 1 and not segments_items[-1]:  # trailing "/"
        segments_items.pop()
        dir_only = True
    for seg in segments_items:
        if not seg:
            where = max(text.find("//"), 0)
            raise PatternError("empty path segment (`//`)", where + shift, "remove the doubled `/`")
    if len(segments_items) > 1:
        anchored = True  # a slash at the start or in the middle anchors (gitignore)
    no_subdirs = (len(segments_items) > 1 or anchored) and _lone_star(segments_items[-1]) and not dir_only
    segments = [_any_segment(seg, literals) for seg in segments_items]
    # Collapse runs of "**"; a trailing "**" means "everything below" (a directory rule).
    collapsed: list[Segment] = []
    for seg in segments:
        if seg.kind == STAR2 and collapsed and collapsed[-1].kind == STAR2:
            continue
        collapsed.append(seg)
    if collapsed[-1].kind == STAR2 and dir_only:
        # `x/**/`: a directory at any depth below x (gitignore), i.e. `x/**/*/`.
        collapsed.append(ANY_SEGMENT)
    elif len(collapsed) > 1 and collapsed[-1].kind == STAR2:
        # `x/**`: everything below x, the same as `x/`.
        collapsed.pop()
        dir_only = True
    if collapsed == [STAR2_SEGMENT]:
        collapsed = [ANY_SEGMENT]
        anchored = False
        dir_only = False
    if not anchored and collapsed[0].kind != STAR2:
        collapsed.insert(0, STAR2_SEGMENT)
    return CompiledPattern(tuple(collapsed), dir_only=dir_only, no_subdirs=no_subdirs, exclusion=exclusion)


_SPECIAL = re.compile(r"[\\\[\]*?]")
#: A part of a pattern between `/`: a plain string, or lexical items (see _parts).
_Part = "str | list[tuple[str, str, int]]"


def _parts(text: str, dialect: str) -> list[_Part]:
    """The segments of ``text`` split on unescaped ``/``: plain strings when the pattern has no escape
    and no bracket (the common case, no per-character lexing), else lists of lexical items.

    Raises:
        PatternError: from :func:`_lex`.
    """
    if "\\" not in text and "[" not in text and "]" not in text:
        return text.split("/")
    parts: "list[_Part]" = [[]]
    for item in _lex(text, dialect):
        if item[0] == "/":
            parts.append([])
        else:
            parts[-1].append(item)  # type: ignore[union-attr]
    return parts


def _lone_star(part: _Part) -> bool:
    return part == "*" if isinstance(part, str) else [k for k, _, _ in part] == ["*"]


def _literal_segment(name: str, literals: "dict[str, Segment] | None") -> Segment:
    """The LIT segment of ``name``, from (and added to) ``literals`` when given (see compile_pattern)."""
    if literals is None:
        return Segment(LIT, name, name)
    seg = literals.get(name)
    if seg is None:
        seg = literals[name] = Segment(LIT, name, name)
    return seg


def _any_segment(part: _Part, literals: "dict[str, Segment] | None" = None) -> Segment:
    """:func:`_segment` of a part; a plain string is classified with string operations."""
    if not isinstance(part, str):
        return _segment(part)
    if "*" not in part and "?" not in part:
        return _literal_segment(part, literals)
    if part == "**":
        return STAR2_SEGMENT
    first, last = part.find("*"), part.rfind("*")
    if "?" in part or first < 0 or part.count("*") != last - first + 1:
        return _segment([("c" if ch not in "*?" else ch, ch, 0) for ch in part])
    head, tail = part[:first], part[last + 1:]
    if not head and not tail:
        return ANY_SEGMENT
    source = _ESCAPED.sub(r"\\\g<0>", part)  # the same canonical text as _source gives
    if not tail:
        return Segment(PREFIX, source, a=head)
    if not head:
        return Segment(SUFFIX, source, b=tail)
    return Segment(AFFIX, source, a=head, b=tail)


_ESCAPED = re.compile(r"[ #!]")
_GITLAB_CATCH_ALL = CompiledPattern((STAR2_SEGMENT, ANY_SEGMENT))


def _compile_gitlab(text: str, pattern: str, exclusion: bool, literals: "dict[str, Segment] | None" = None
                    ) -> CompiledPattern:
    """GitLab's matching (``Gitlab::CodeOwners::File#normalize_pattern`` then ``File.fnmatch?`` with
    FNM_PATHNAME | FNM_DOTMATCH against ``/path``): ``*`` is every file; a pattern not starting with
    ``/`` gets ``/**/`` in front (any depth, inner ``/`` or not); a trailing ``/`` gets ``**/*`` after
    it (every file below); otherwise the pattern must match the whole path, so ``docs`` matches only a
    file named ``docs``. ``**`` spans directories only when a ``/`` follows it; elsewhere it is ``*``.
    """
    if text in ("*", "/"):  # "/" normalises to "/**/*" as well
        return CompiledPattern(_GITLAB_CATCH_ALL.segments, exclusion=exclusion)
    shift = len(pattern) - len(text)
    parts = _parts(text, "gitlab")
    anchored = not parts[0] and len(parts) > 1
    if anchored:
        parts.pop(0)
    below = len(parts) > 1 and not parts[-1]  # trailing "/": every file below
    if below:
        parts.pop()
    for part in parts:
        if not part:
            where = max(text.find("//"), 0)
            raise PatternError("empty path segment (`//`): GitLab never matches it", where + shift,
                               "remove the doubled `/`")
    segments: list[Segment] = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1 and not below
        seg = _any_segment(part, literals)
        if seg.kind == STAR2 and last:
            seg = ANY_SEGMENT  # "**" not followed by "/" is "*" under FNM_PATHNAME
        if seg.kind == STAR2 and segments and segments[-1].kind == STAR2:
            continue
        segments.append(seg)
    if not anchored and segments[0].kind != STAR2:
        segments.insert(0, STAR2_SEGMENT)
    if below:
        if segments[-1].kind == STAR2:  # "x/**/" + "**/*": every file below x, as "x/"
            segments.pop()
        if not segments:  # "**/": every file
            return CompiledPattern(_GITLAB_CATCH_ALL.segments, exclusion=exclusion)
        return CompiledPattern(tuple(segments), dir_only=True, exclusion=exclusion)
    return CompiledPattern(tuple(segments), no_subdirs=True, exclusion=exclusion)
_STAR_RUN = re.compile(r"(?<!\\)\*{3,}")


def _compile_literal(text: str, exclusion: bool, literals: "dict[str, Segment] | None", gitlab: bool
                     ) -> CompiledPattern:
    """Fast path for patterns without wildcards, escapes or ``//`` (most real rules), and not ``/``.

    GitHub: any depth when the only slash is a trailing one; a trailing ``/`` matches directories only.
    GitLab (see :func:`_compile_gitlab`): any depth unless it starts with ``/``; a trailing ``/`` means
    every file below, else the pattern must match the whole path.
    """
    if literals is None:
        literals = {}
    get = literals.get
    segments = []
    for part in text.strip("/").split("/"):  # _literal_segment inline: most segments of most files pass here
        seg = get(part)
        if seg is None:
            seg = literals[part] = Segment(LIT, part, part)  # positional: keywords cost more than the rest here
        segments.append(seg)
    if gitlab:
        if not text.startswith("/"):
            segments.insert(0, STAR2_SEGMENT)
        below = text.endswith("/")
        return CompiledPattern(tuple(segments), below, not below, exclusion)
    if len(segments) == 1 and not text.startswith("/"):
        segments.insert(0, STAR2_SEGMENT)
    return CompiledPattern(tuple(segments), text.endswith("/") and len(text) > 1, False, exclusion)


def matches(compiled: CompiledPattern, path: str) -> bool:
    """Whether ``compiled`` matches the repo-relative POSIX ``path`` (slow reference check, one pattern)."""
    parts = path.split("/")
    segs = compiled.segments
    m = len(parts)

    def walk(si: int, pi: int) -> bool:
        if si == len(segs):
            if pi == m:
                return not compiled.dir_only
            return not compiled.no_subdirs
        seg = segs[si]
        if seg.kind == STAR2:
            return any(walk(si + 1, k) for k in range(pi, m))
        if pi >= m or not seg.match(parts[pi]):
            return False
        return walk(si + 1, pi + 1)

    return walk(0, 0)
