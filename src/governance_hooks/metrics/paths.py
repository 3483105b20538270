"""JSONPath and JSON Pointer spelling of locations inside a record and a schema.

``json_path`` writes RFC 9535 normalized paths, except that member names that
are plain identifiers use the shorter dot form (``$.metrics.loss``); other
names use the bracket form (``$['train/loss']``) with RFC 9535 §2.7 escaping.
"""

from __future__ import annotations

import re
from typing import Iterable, Union

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_ESCAPES = {"\\": "\\\\", "'": "\\'", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _quote(name: str) -> str:
    out = []
    for ch in name:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "'" + "".join(out) + "'"


def json_path(tokens: Iterable[Union[str, int]]) -> str:
    """``["metrics", "loss"]`` -> ``$.metrics.loss``; ``["a b", 0]`` -> ``$['a b'][0]``."""
    parts = ["$"]
    for token in tokens:
        if isinstance(token, int):
            parts.append(f"[{token}]")
        elif _IDENT.match(token):
            parts.append("." + token)
        else:
            parts.append("[" + _quote(token) + "]")
    return "".join(parts)


def json_pointer(tokens: Iterable[Union[str, int]]) -> str:
    """RFC 6901 pointer: ``["properties", "a/b"]`` -> ``/properties/a~1b`` (``""`` for the root)."""
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)
