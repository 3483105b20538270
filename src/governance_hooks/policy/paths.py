"""Below the host: URL path prefixes and HTTP methods (policy language version 2).

A path prefix is a sequence of path segments; it selects a request path whose
segments begin with it, so ``/myorg/`` selects ``/myorg``, ``/myorg/`` and
``/myorg/model/x`` but never ``/myorg-evil/`` (prefixes end on segment
boundaries). Request paths are compared after RFC 3986 normalisation: dot
segments removed (section 5.2.4), empty segments dropped, percent-encoding of
unreserved characters decoded and other escapes upper-cased (section 6.2.2).

As with host names (:mod:`.hosts`), two paths with the same longest matching
prefix cannot be told apart by a policy, so the encoding ranges over one
*class* per prefix plus an ``other`` class (paths under no prefix, ``/``
among them). Ordering the classes by their segments makes every prefix an
interval of class indices.
"""

from __future__ import annotations

import bisect
import re
from typing import Dict, Iterable, List, Tuple

from .model import PathPrefix

#: HTTP methods in witness preference order: a download before an upload.
METHODS: Tuple[str, ...] = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")
_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]")
_SEGMENT = re.compile(r"^(?:[A-Za-z0-9._~!$&'()+,;=:@-]|%[0-9A-Fa-f]{2})+$")


def _escape_case(segment: str) -> str:
    """Decode escapes of unreserved characters, upper-case the rest (RFC 3986 section 6.2.2)."""
    def one(found):
        char = chr(int(found.group(1), 16))
        return char if _UNRESERVED.fullmatch(char) else "%" + found.group(1).upper()
    return re.sub(r"%([0-9A-Fa-f]{2})", one, segment)


def parse_path_prefix(text: object) -> PathPrefix:
    """Parse a path prefix written in a policy: ``/``, ``/org/`` or ``/bucket/prefix`` (``/`` at the end optional).

    Raises:
        ValueError: with what was found and what is expected.
    """
    if not isinstance(text, str):
        raise ValueError(f"a path must be a string such as /myorg/, found {type(text).__name__} {text!r}")
    expected = "expected an absolute path of segments such as /myorg/ or /bucket/prefix/"
    if not text.startswith("/"):
        hint = " (put the host under hosts:)" if "://" in text or "." in text.split("/", 1)[0] else ""
        raise ValueError(f"bad path {text!r}: found no leading '/', {expected}{hint}")
    for char, what, hint in (("?", "a query", ""), ("#", "a fragment", ""),
                             ("*", "a wildcard", " (a prefix already covers everything below it)")):
        if char in text:
            raise ValueError(f"bad path {text!r}: found {what} ('{char}'), {expected}{hint}")
    body = text[1:-1] if text.endswith("/") and text != "/" else text[1:]
    if not body:
        return PathPrefix(text, ())
    segments = []
    for segment in body.split("/"):
        if segment in ("", ".", ".."):
            shown = "an empty segment ('//')" if not segment else f"a {segment!r} segment"
            raise ValueError(f"bad path {text!r}: found {shown}, {expected}")
        if not _SEGMENT.match(segment):
            raise ValueError(f"bad path {text!r}: found segment {segment!r} with a character that must be "
                             f"percent-encoded (or a broken '%' escape), {expected}")
        segments.append(_escape_case(segment))
    return PathPrefix(text, tuple(segments))


def request_segments(path: str) -> Tuple[str, ...]:
    """The normalised segments of a request path (see the module docstring)."""
    out: List[str] = []
    for segment in path.split("?", 1)[0].split("#", 1)[0].split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if out:
                out.pop()
            continue
        out.append(_escape_case(segment))
    return tuple(out)


def normalize_path(path: str) -> str:
    """A request path in canonical text: ``/`` plus its normalised segments joined by ``/``."""
    return "/" + "/".join(request_segments(path))


def prefix_matches(prefix: PathPrefix, path: str) -> bool:
    """Plain semantics of one prefix on a request path."""
    segments = request_segments(path)
    return segments[:len(prefix.segments)] == prefix.segments


class PathUniverse:
    """The path classes of a set of prefixes, ordered so every prefix is an interval.

    Attributes:
        representatives: one concrete path per class index (for witnesses); index 0 is the
            ``other`` class (``/``: under no prefix).
    """

    other = 0

    def __init__(self, prefixes: Iterable[PathPrefix]):
        self.keys: List[Tuple[str, ...]] = sorted({p.segments for p in prefixes if p.segments} | {()})
        self._index: Dict[Tuple[str, ...], int] = {k: i for i, k in enumerate(self.keys)}
        self.representatives = ["/" + "/".join(k) + ("/" if k else "") for k in self.keys]

    def __len__(self) -> int:
        return len(self.keys)

    def interval(self, prefix: PathPrefix) -> Tuple[int, int]:
        """Class indices ``lo..hi`` (inclusive) a non-root prefix matches."""
        lo = self._index[prefix.segments]
        hi = bisect.bisect_left(self.keys, prefix.segments + ("\U0010ffff",)) - 1
        return lo, hi

    def classify(self, path: str) -> int:
        """The class index of a request path: its longest prefix in the universe, else ``other``."""
        segments = request_segments(path)
        for k in range(len(segments), 0, -1):
            index = self._index.get(segments[:k])
            if index is not None:
                return index
        return self.other
