"""Inline suppression comments: ``governance: ignore[rule-id, other-id]``.

A bare ``governance: ignore`` (no brackets) suppresses every rule on that line.
Checks of formats with comments call :func:`ignored_on_line` with the text of
the line a finding points at.
"""

from __future__ import annotations

import re
from typing import FrozenSet, Optional

_MARKER = re.compile(r"governance:\s*ignore(?:\[([^\]]*)\])?")

#: Returned when a bare marker suppresses everything.
ALL: FrozenSet[str] = frozenset({"*"})


def ignored_on_line(line: str) -> Optional[FrozenSet[str]]:
    """Rule ids suppressed by a marker on ``line``; ``ALL`` for a bare marker; ``None`` if none."""
    match = _MARKER.search(line)
    if match is None:
        return None
    if match.group(1) is None:
        return ALL
    return frozenset(part.strip() for part in match.group(1).split(",") if part.strip())


def is_suppressed(rule_id: str, line: str) -> bool:
    """True if ``line`` carries a marker that covers ``rule_id`` (exact id or ``check/*``)."""
    ids = ignored_on_line(line)
    if ids is None:
        return False
    if ids is ALL:
        return True
    check = rule_id.split("/", 1)[0]
    return rule_id in ids or f"{check}/*" in ids
