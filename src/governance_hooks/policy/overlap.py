"""Exact overlap test of two matches, used to find candidate rule conflicts.

A :class:`~.model.Match` is a product of independent fields, so two matches
share a request iff every field intersects. This is plain set arithmetic
(class intervals for DNS names, nested-or-disjoint networks for CIDRs); z3
then decides containment and produces the witness for each candidate pair.
"""

from __future__ import annotations

from typing import Dict, Optional, Sequence, Tuple

from .hosts import HostUniverse
from .model import HostPattern, Match


def _sets_meet(a: Optional[frozenset], b: Optional[frozenset]) -> bool:
    return a is None or b is None or bool(a & b)


def _ports_meet(a, b) -> bool:
    if a is None or b is None:
        return True
    return any(p.lo <= q.hi and q.lo <= p.hi for p in a for q in b)


def _hosts_meet(a: Optional[Sequence[HostPattern]], b: Optional[Sequence[HostPattern]], universe: HostUniverse) -> bool:
    if a is None or b is None:
        return True
    for p in a:
        for q in b:
            if p.kind in ("exact", "wildcard") and q.kind in ("exact", "wildcard"):
                (plo, phi), (qlo, qhi) = universe.interval(p), universe.interval(q)
                if plo <= qhi and qlo <= phi:
                    return True
            elif p.kind == q.kind and p.kind in ("cidr4", "cidr6"):
                bits = p.bits
                shift = bits - min(p.prefix, q.prefix)
                if p.network >> shift == q.network >> shift:
                    return True
    return False


def _when_meets(a: Tuple[Tuple[str, bool], ...], b: Tuple[Tuple[str, bool], ...]) -> bool:
    left: Dict[str, bool] = dict(a)
    return all(left.get(k, v) == v for k, v in b)


def overlaps(a: Match, b: Match, universe: HostUniverse) -> bool:
    """True iff some request matches both ``a`` and ``b``."""
    return (
        _sets_meet(a.tools, b.tools)
        and _sets_meet(a.schemes, b.schemes)
        and _ports_meet(a.ports, b.ports)
        and _when_meets(a.when, b.when)
        and _hosts_meet(a.hosts, b.hosts, universe)
    )
