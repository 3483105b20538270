"""Glob patterns for repository paths (``schemas`` and ``exclude`` keys).

``*`` and ``?`` stay within a path segment, ``**`` crosses segments
(``runs/**/eval.ndjson``), ``[...]`` is a character class; a pattern without
``/`` matches the file name in any folder (as in ``.gitignore``).
"""

from __future__ import annotations

import re
from typing import Pattern


def compile_glob(glob: str) -> Pattern[str]:
    """Compile ``glob`` to a regex matching a whole POSIX path relative to the root.

    Raises:
        ValueError: an empty pattern or an unterminated ``[``.
    """
    if not glob:
        raise ValueError("empty pattern")
    anchored = "/" in glob.rstrip("/")
    glob = glob.lstrip("/")
    out = []
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        elif glob[i] == "[":
            close = glob.find("]", i + 2)
            if close < 0:
                raise ValueError("unterminated [")
            body = glob[i + 1:close]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = close + 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(prefix + "".join(out) + r"\Z")
