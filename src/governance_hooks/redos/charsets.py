"""Character classes with Python ``re`` semantics, as sorted disjoint intervals.

A class is a tuple of inclusive ``(lo, hi)`` code-point intervals.  ``\\d \\w \\s``
are Unicode for str patterns and ASCII for bytes patterns or ``re.ASCII``;
the Unicode sets are computed by the running interpreter's own ``re`` once
(so they follow its Unicode database).  IGNORECASE closes a class under
CPython's simple case folding plus the extra equivalences of
``re._casefix`` (e.g. ``k``, ``K`` and KELVIN SIGN U+212A).
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from typing import Dict, Iterable, List, Sequence, Tuple

from ..intervals import intersect as _intersect

Interval = Tuple[int, int]
CharSet = Tuple[Interval, ...]

MAX_UNICODE = 0x10FFFF
MAX_BYTE = 0xFF
EMPTY: CharSet = ()


def normalize(intervals: Iterable[Interval]) -> CharSet:
    """Sort and merge overlapping or adjacent intervals."""
    out: List[List[int]] = []
    for lo, hi in sorted(intervals):
        if lo > hi:
            continue
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1][1] = hi
        else:
            out.append([lo, hi])
    return tuple((a, b) for a, b in out)


def union(*sets: CharSet) -> CharSet:
    return normalize(iv for s in sets for iv in s)


def complement(s: CharSet, top: int) -> CharSet:
    """Code points in ``0..top`` that are not in ``s``."""
    out: List[Interval] = []
    start = 0
    for lo, hi in s:
        if lo > top:
            break
        if lo > start:
            out.append((start, lo - 1))
        start = max(start, hi + 1)
    if start <= top:
        out.append((start, top))
    return tuple(out)


def intersect(a: CharSet, b: CharSet) -> CharSet:
    """The code points in both sets (see :func:`governance_hooks.intervals.intersect`)."""
    return _intersect(a, b)


def contains(s: CharSet, cp: int) -> bool:
    idx = bisect_right(s, (cp, MAX_UNICODE + 1)) - 1
    return idx >= 0 and s[idx][0] <= cp <= s[idx][1]


def single(cp: int) -> CharSet:
    return ((cp, cp),)


@functools.lru_cache(maxsize=None)
def _all_chars() -> str:
    return "".join(map(chr, range(MAX_UNICODE + 1)))


@functools.lru_cache(maxsize=None)
def _unicode_category(regex: str) -> CharSet:
    """The code points the running ``re`` matches with ``regex`` (one char class), as intervals."""
    return tuple((m.start(), m.end() - 1) for m in re.finditer(regex + "+", _all_chars()))


_ASCII_DIGIT: CharSet = ((0x30, 0x39),)
_ASCII_WORD: CharSet = normalize([(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)])
_ASCII_SPACE: CharSet = normalize([(0x09, 0x0D), (0x20, 0x20)])


@functools.lru_cache(maxsize=256)
def category(name: str, unicode: bool, top: int) -> CharSet:
    """The class of an sre category name such as ``CATEGORY_DIGIT`` or ``CATEGORY_NOT_WORD``."""
    negated = "_NOT_" in name
    base = name.replace("CATEGORY_", "").replace("NOT_", "").replace("UNI_", "").replace("LOC_", "")
    if base == "LINEBREAK":
        cs: CharSet = ((0x0A, 0x0A),)
    elif unicode:
        cs = _unicode_category({"DIGIT": r"\d", "WORD": r"\w", "SPACE": r"\s"}[base])
    else:
        cs = {"DIGIT": _ASCII_DIGIT, "WORD": _ASCII_WORD, "SPACE": _ASCII_SPACE}[base]
    cs = intersect(cs, ((0, top),))
    return complement(cs, top) if negated else cs


@functools.lru_cache(maxsize=None)
def _unicode_case_classes() -> Tuple[Tuple[int, ...], Dict[int, Tuple[int, ...]]]:
    """Sorted cased code points and, for each, its IGNORECASE equivalence class.

    Two characters match each other under ``re.I`` when their simple lower
    cases are equal, or related by ``re._casefix`` (CPython's ``_sre`` compares
    ``lower(ch)`` against the folded pattern).
    """
    from _sre import unicode_tolower  # the exact folding _sre uses

    from .sre_compat import EXTRA_CASES

    groups: Dict[int, set] = {}
    for cp in range(MAX_UNICODE + 1):
        lo = unicode_tolower(cp)
        if lo != cp:
            groups.setdefault(lo, {lo}).add(cp)
    for lo, others in EXTRA_CASES.items():
        merged = set(groups.get(lo, {lo}))
        for other in others:
            merged |= groups.get(other, {other})
        for member in list(merged):
            groups[unicode_tolower(member)] = merged
    classes: Dict[int, Tuple[int, ...]] = {}
    for members in groups.values():
        frozen = tuple(sorted(members))
        for cp in frozen:
            classes[cp] = tuple(sorted(set(classes.get(cp, ())) | set(frozen)))
    return tuple(sorted(classes)), classes


def _ascii_case_classes() -> Tuple[Tuple[int, ...], Dict[int, Tuple[int, ...]]]:
    classes = {}
    for cp in range(0x41, 0x5B):
        classes[cp] = classes[cp + 32] = (cp, cp + 32)
    return tuple(sorted(classes)), classes


@functools.lru_cache(maxsize=4096)
def fold_closure(cs: CharSet, unicode: bool) -> CharSet:
    """``cs`` closed under IGNORECASE equivalence (Unicode or ASCII folding)."""
    cased, classes = _unicode_case_classes() if unicode else _ascii_case_classes()
    extra: List[Interval] = []
    for lo, hi in cs:
        start = bisect_right(cased, lo - 1)
        stop = bisect_right(cased, hi)
        for cp in cased[start:stop]:
            extra.extend((m, m) for m in classes[cp])
    return union(cs, tuple(extra)) if extra else cs


def partition(sets: Sequence[CharSet], top: int) -> List[CharSet]:
    """The coarsest partition of ``0..top`` such that every set is a union of blocks.

    Returns the blocks (each a CharSet); code points in no set form one block.
    """
    return partition_with_masks(sets, top)[0]


def partition_with_masks(sets: Sequence[CharSet], top: int) -> Tuple[List[CharSet], Dict[CharSet, int]]:
    """Blocks of the coarsest partition and, for each input set, the bitmask of its blocks.

    One sweep over the interval end points; the membership signature of a
    stretch of code points is a bitmask over the (deduplicated) input sets.
    The masks dict is the caller's to extend (a fresh copy each call).
    """
    blocks, masks = _partition(tuple(dict.fromkeys(sets)), top)
    return list(blocks), dict(masks)


@functools.lru_cache(maxsize=512)
def _partition(unique: Tuple[CharSet, ...], top: int) -> Tuple[Tuple[CharSet, ...], Dict[CharSet, int]]:
    """:func:`partition_with_masks` of deduplicated sets, computed once per distinct tuple
    (many patterns share their classes, ``\\w``'s hundreds of Unicode intervals among them)."""
    events: Dict[int, int] = {}
    get = events.get
    for index, s in enumerate(unique):
        bit = 1 << index
        for lo, hi in s:
            if lo > top:
                break
            events[lo] = get(lo, 0) ^ bit
            if hi < top:
                events[hi + 1] = get(hi + 1, 0) ^ bit
    points = sorted(events)
    if not points or points[0] != 0:
        points.insert(0, 0)
    ends = [point - 1 for point in points[1:]] + [top]
    groups: Dict[int, List[Interval]] = {}
    active = 0
    for point, end in zip(points, ends):
        active ^= get(point, 0)
        group = groups.get(active)
        if group is None:
            groups[active] = [(point, end)]
        else:
            group.append((point, end))
    blocks: List[CharSet] = []
    masks: Dict[CharSet, int] = {s: 0 for s in unique}
    for b, (signature, intervals) in enumerate(groups.items()):
        # already normal: increasing, and two stretches with one signature are never adjacent
        # (the signature changes at every end point)
        blocks.append(tuple(intervals))
        index = 0
        while signature:
            if signature & 1:
                masks[unique[index]] |= 1 << b
            signature >>= 1
            index += 1
    return tuple(blocks), masks


_PREFERRED = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_-.!@ \t<>/=:;,'\"#$%&()*+?[]^{|}~`\\\n\r"


@functools.lru_cache(maxsize=4096)
def representative(cs: CharSet) -> int:
    """A readable member of a non-empty ``cs`` (prefers ASCII letters, digits, punctuation)."""
    for ch in _PREFERRED:
        if contains(cs, ord(ch)):
            return ord(ch)
    for lo, hi in cs:
        for cp in range(lo, min(hi, lo + 64) + 1):
            if chr(cp).isprintable() and not 0xD800 <= cp <= 0xDFFF:
                return cp
    return cs[0][0]
