"""Exact overlap test of two matches, used to prune solver queries.

A :class:`~.model.Match` is a product of independent fields, so two matches
share a request iff every field intersects. Each match is compiled once into
bit masks (tools, schemes, required flag values) and integer intervals (ports,
host classes, IPv4 and IPv6 ranges); a pair test is then a few integer
operations. Pruning is sound because it is exact: a rule that overlaps no
other rule can be neither shadowed nor made redundant by them, and needs no
query. z3 decides everything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from .hosts import HostUniverse
from .model import Match

Intervals = Tuple[Tuple[int, int], ...]


@dataclass(frozen=True)
class Compiled:
    tools: int
    schemes: int
    must_true: int
    must_false: int
    ports: Optional[Intervals]
    any_host: bool
    names: Intervals
    v4: Intervals
    v6: Intervals


def _meet(a: Intervals, b: Intervals) -> bool:
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i][1] < b[j][0]:
            i += 1
        elif b[j][1] < a[i][0]:
            j += 1
        else:
            return True
    return False


def _merge(items) -> Intervals:
    out: List[List[int]] = []
    for lo, hi in sorted(items):
        if out and out[-1][1] + 1 >= lo:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return tuple((a, b) for a, b in out)


class OverlapIndex:
    """Compiled matches of one universe, with an exact pairwise overlap test."""

    def __init__(self, universe: HostUniverse, tools: Dict[str, int], schemes: Dict[str, int], flags: Dict[str, int]):
        self.hosts = universe
        self.tools = tools
        self.schemes = schemes
        self.flags = flags

    def compile(self, match: Match) -> Compiled:
        tools = -1 if match.tools is None else sum(1 << self.tools[t] for t in match.tools)
        schemes = -1 if match.schemes is None else sum(1 << self.schemes[s] for s in match.schemes)
        must_true = sum(1 << self.flags[f] for f, v in match.when if v)
        must_false = sum(1 << self.flags[f] for f, v in match.when if not v)
        ports = None if match.ports is None else _merge((p.lo, p.hi) for p in match.ports)
        if match.hosts is None:
            return Compiled(tools, schemes, must_true, must_false, ports, True, (), (), ())
        names, v4, v6 = [], [], []
        for p in match.hosts:
            if p.kind in ("exact", "wildcard"):
                names.append(self.hosts.interval(p))
            else:
                size = 1 << (p.bits - p.prefix)
                (v4 if p.kind == "cidr4" else v6).append((p.network, p.network + size - 1))
        return Compiled(tools, schemes, must_true, must_false, ports, False, _merge(names), _merge(v4), _merge(v6))

    @staticmethod
    def meets(a: Compiled, b: Compiled) -> bool:
        """True iff some request matches both compiled matches."""
        if not (a.tools & b.tools) or not (a.schemes & b.schemes):
            return False
        if (a.must_true & b.must_false) or (a.must_false & b.must_true):
            return False
        if a.ports is not None and b.ports is not None and not _meet(a.ports, b.ports):
            return False
        if a.any_host or b.any_host:
            return True
        return _meet(a.names, b.names) or _meet(a.v4, b.v4) or _meet(a.v6, b.v6)

    def neighbours(self, matches: Sequence[Match]) -> List[List[int]]:
        """For each match, the indices of the other matches it overlaps (ascending)."""
        compiled = [self.compile(mt) for mt in matches]
        out: List[List[int]] = [[] for _ in compiled]
        meets = self.meets
        for j, b in enumerate(compiled):
            for i in range(j):
                if meets(compiled[i], b):
                    out[i].append(j)
                    out[j].append(i)
        for row in out:
            row.sort()
        return out
