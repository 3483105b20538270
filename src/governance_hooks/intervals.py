"""Sets of integers as sorted, merged tuples of closed intervals ``((lo, hi), ...)``.

Shared by the checks that reason over such sets (regex character classes,
policy address and port ranges), so the set algebra is written once.
"""

from __future__ import annotations

from typing import List, Tuple

Intervals = Tuple[Tuple[int, int], ...]


def intersect(a: Intervals, b: Intervals) -> Intervals:
    """The points in both ``a`` and ``b`` (both sorted and merged; so is the result). Linear in their lengths."""
    out: List[Tuple[int, int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)
