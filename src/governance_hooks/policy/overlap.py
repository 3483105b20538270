"""Exact set algebra on matches: overlap, containment and a least common request.

A :class:`~.model.Match` is a product of independent fields, so two matches
share a request iff every field intersects, and a match contains another iff
every field contains the other's (matches are never empty). Each match is
compiled once into bit masks (tools, schemes, required flag values) and
integer intervals (ports, host classes, IPv4 and IPv6 ranges). The finite
fields beside the tool (HTTP method, path class, principal, branch,
environment, repository) make the ``tools`` field a tuple of one bit mask per
field, a product: one mask over the folded product would have as many bits as
the product of the field sizes (hundreds of millions for a 10,000-rule
policy). Witnesses still name a point by its folded index (see ``split``). The
anomaly passes use this to decide which solver queries to ask at all; z3
then proves every report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from ..intervals import intersect as _intersection
from .hosts import EMBEDDED_V4, HostUniverse, ip_networks
from .model import Match

Intervals = Tuple[Tuple[int, int], ...]
FULL_PORTS: Intervals = ((1, 65535),)


Finite = Tuple[int, ...]  # one bit mask per finite field: tool[, method, path class], attribute values...


@dataclass(frozen=True)
class Compiled:
    tools: Finite
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


def _within(a: Intervals, b: Intervals) -> bool:
    """Every point of ``a`` lies in ``b`` (both merged and sorted)."""
    j = 0
    for lo, hi in a:
        while j < len(b) and b[j][1] < lo:
            j += 1
        if j == len(b) or b[j][0] > lo or b[j][1] < hi:
            return False
    return True


def _merge(items) -> Intervals:
    out: List[List[int]] = []
    for lo, hi in sorted(items):
        if out and out[-1][1] + 1 >= lo:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return tuple((a, b) for a, b in out)


def _minus_embedded(v6: Intervals) -> Intervals:
    """IPv6 intervals without the ranges that reach IPv4 hosts (no request is ever there)."""
    out = list(v6)
    for base, _ in EMBEDDED_V4:
        cut, top = base, base + 0xFFFFFFFF
        nxt = []
        for lo, hi in out:
            if hi < cut or lo > top:
                nxt.append((lo, hi))
                continue
            if lo < cut:
                nxt.append((lo, cut - 1))
            if hi > top:
                nxt.append((top + 1, hi))
        out = nxt
    return _merge(out)


class OverlapIndex:
    """Compiled matches of one universe: exact overlap, containment and candidate pairs."""

    def __init__(self, universe: HostUniverse, tools: Dict[str, int], schemes: Dict[str, int], flags: Dict[str, int],
                 methods: Optional[Dict[str, int]] = None, paths=None, attributes: Optional[Dict[str, Dict[str, int]]] = None):
        self.hosts = universe
        self.tools = tools
        self.schemes = schemes
        self.flags = flags
        self.methods = methods  # with ``paths`` (a PathUniverse): only when the policies scope below the host
        self.paths = paths
        self.attributes = attributes or {}  # attribute -> value index (the next index: every other value)
        sizes = [len(tools)] + ([len(methods), len(paths)] if methods else []) + [len(v) + 1 for v in self.attributes.values()]
        self.sizes = sizes
        self.all_tools: Finite = tuple((1 << size) - 1 for size in sizes)
        self.all_schemes = (1 << len(schemes)) - 1

    def split(self, finite: int) -> Tuple[int, ...]:
        """The digits ``(tool, [method, path class,] attribute values...)`` of a bit index of the folded tool mask."""
        digits = []
        for size in reversed(self.sizes):
            finite, digit = divmod(finite, size)
            digits.append(digit)
        return tuple(reversed(digits))

    def fold(self, finite: Finite) -> int:
        """The least point of a non-empty product, as one index (the inverse of ``split``)."""
        index = 0
        for size, mask in zip(self.sizes, finite):
            index = index * size + (mask & -mask).bit_length() - 1
        return index

    def _finite(self, match: Match) -> Finite:
        """The masks of ``match``'s tools, methods, path classes and attribute values."""
        if len(self.sizes) == 1:
            return self.all_tools if match.tools is None else (sum(1 << self.tools[t] for t in match.tools),)
        chosen: List[Optional[List[int]]] = [None if match.tools is None else [self.tools[t] for t in match.tools]]
        if self.methods:
            chosen.append(None if match.methods is None else [self.methods[x] for x in match.methods])
            chosen.append(None if match.paths is None else
                          [i for lo, hi in _merge(self.paths.interval(p) for p in match.paths) for i in range(lo, hi + 1)])
        conditions = {name: (values, negated) for name, values, negated in match.attributes}
        for name, index in self.attributes.items():
            if name not in conditions:
                chosen.append(None)
                continue
            values, negated = conditions[name]
            picked = {index[v] for v in values}
            chosen.append([i for i in range(len(index) + 1) if (i in picked) != negated])
        return tuple((1 << size) - 1 if values is None else sum(1 << v for v in set(values))
                     for size, values in zip(self.sizes, chosen))

    def compile(self, match: Match) -> Compiled:
        tools = self._finite(match)
        schemes = self.all_schemes if match.schemes is None else sum(1 << self.schemes[s] for s in match.schemes)
        must_true = sum(1 << self.flags[f] for f, v in match.when if v)
        must_false = sum(1 << self.flags[f] for f, v in match.when if not v)
        ports = None if match.ports is None else _merge((p.lo, p.hi) for p in match.ports)
        if match.hosts is None:
            return Compiled(tools, schemes, must_true, must_false, ports, True, (), (), ())
        names, v4, v6 = [], [], []
        for p in match.hosts:
            if p.kind in ("exact", "wildcard", "labels"):
                names.extend(self.hosts.intervals(p))
            else:
                nets4, nets6 = ip_networks(p)
                v4 += [(net, net + (1 << (32 - prefix)) - 1) for net, prefix in nets4]
                v6 += [(net, net + (1 << (128 - prefix)) - 1) for net, prefix in nets6]
        return Compiled(tools, schemes, must_true, must_false, ports, False, _merge(names), _merge(v4),
                        _minus_embedded(_merge(v6)))

    @staticmethod
    def meets(a: Compiled, b: Compiled) -> bool:
        """True iff some request matches both compiled matches."""
        if not (a.schemes & b.schemes) or not all(x & y for x, y in zip(a.tools, b.tools)):
            return False
        if (a.must_true & b.must_false) or (a.must_false & b.must_true):
            return False
        if a.ports is not None and b.ports is not None and not _meet(a.ports, b.ports):
            return False
        if a.any_host or b.any_host:
            return True
        return _meet(a.names, b.names) or _meet(a.v4, b.v4) or _meet(a.v6, b.v6)

    @staticmethod
    def contains(a: Compiled, b: Compiled) -> bool:
        """True iff every request ``b`` matches is matched by ``a`` (``b`` is never empty)."""
        if b.schemes & ~a.schemes or any(y & ~x for x, y in zip(a.tools, b.tools)):
            return False
        if a.must_true & ~b.must_true or a.must_false & ~b.must_false:
            return False
        if a.ports is not None and not _within(b.ports or FULL_PORTS, a.ports):
            return False
        if a.any_host:
            return True
        if b.any_host:
            return False
        return _within(b.names, a.names) and _within(b.v4, a.v4) and _within(b.v6, a.v6)

    def common(self, a: Compiled, b: Compiled) -> Optional[Tuple[int, int, str, int, int, int]]:
        """The least request both match, or ``None``: ``(tool, scheme-mask, kind, host value, port, must_true)``.

        Readable and deterministic, in the order of :mod:`.witness`: a DNS name
        before an address, the lowest tool, host class and address, ``https``
        then ``http``, port 443 then 80 then the lowest, flags false unless required.
        """
        if not self.meets(a, b):
            return None
        tool = self.fold(tuple(x & y for x, y in zip(a.tools, b.tools)))
        ports = _intersection(a.ports or FULL_PORTS, b.ports or FULL_PORTS)
        port = next((p for p in (443, 80) if _within(((p, p),), ports)), ports[0][0])
        for field, full in (("names", ((0, len(self.hosts) - 1),)), ("v4", ((0, (1 << 32) - 1),)),
                            ("v6", _minus_embedded(((0, (1 << 128) - 1),)))):
            both = _intersection(full if a.any_host else getattr(a, field), full if b.any_host else getattr(b, field))
            if both:
                return tool, a.schemes & b.schemes, field, both[0][0], port, a.must_true | b.must_true
        return None  # unreachable: meets() found a common host

    def neighbours(self, matches: Sequence[Match]) -> List[List[int]]:
        """For each match, the indices of the other matches it overlaps (ascending).

        Candidate pairs come from a sweep over host intervals (rules with
        disjoint destinations never meet), so the cost follows the number of
        overlapping pairs rather than the square of the rule count.
        """
        compiled = self.compiled = [self.compile(mt) for mt in matches]
        candidates = set()
        anyhost = [i for i, c in enumerate(compiled) if c.any_host]
        n = len(compiled)
        for i in anyhost:
            candidates.update((min(i, j), max(i, j)) for j in range(n) if j != i)
        for field in ("names", "v4", "v6"):
            events = sorted((lo, hi, i) for i, c in enumerate(compiled) if not c.any_host for lo, hi in getattr(c, field))
            active: List[Tuple[int, int]] = []  # (hi, rule)
            for lo, hi, i in events:
                active = [(h, j) for h, j in active if h >= lo]
                for _, j in active:
                    if j != i:
                        candidates.add((min(i, j), max(i, j)))
                active.append((hi, i))
        out: List[List[int]] = [[] for _ in compiled]
        meets = self.meets
        for i, j in candidates:
            if meets(compiled[i], compiled[j]):
                out[i].append(j)
                out[j].append(i)
        for row in out:
            row.sort()
        return out

    def cross(self, a: Sequence[Compiled], b: Sequence[Compiled]) -> List[List[int]]:
        """For each of ``a``, the indices of the ``b`` it overlaps (ascending), by the same host sweep."""
        out: List[set] = [set() for _ in a]
        any_a = [i for i, c in enumerate(a) if c.any_host]
        any_b = [j for j, c in enumerate(b) if c.any_host]
        for i in any_a:
            out[i].update(range(len(b)))
        for j in any_b:
            for row in out:
                row.add(j)
        for field in ("names", "v4", "v6"):
            events = sorted([(lo, hi, 0, i) for i, c in enumerate(a) if not c.any_host for lo, hi in getattr(c, field)]
                            + [(lo, hi, 1, j) for j, c in enumerate(b) if not c.any_host for lo, hi in getattr(c, field)])
            active: Tuple[List[Tuple[int, int]], List[Tuple[int, int]]] = ([], [])  # (hi, index) of a, of b
            for lo, hi, side, k in events:
                other = [(h, x) for h, x in active[1 - side] if h >= lo]
                active[1 - side][:] = other
                for _, x in other:
                    out[k if side == 0 else x].add(x if side == 0 else k)
                active[side].append((hi, k))
        meets = self.meets
        return [sorted(j for j in row if meets(a[i], b[j])) for i, row in enumerate(out)]


# -- cubes: exact set differences of matches ---------------------------------------
#
# A cube is a product of field sets: (tools mask, schemes mask, port intervals,
# one 2-bit mask per flag (bit 0: false allowed, bit 1: true allowed), host
# names, IPv4 and IPv6 intervals). Matches are cubes; the difference of two
# cubes is a list of at most a handful of disjoint cubes, so "is this rule
# covered by those?" is decided exactly by subtracting them one by one.

def _minus(a: Intervals, b: Intervals) -> Intervals:
    out = []
    for lo, hi in a:
        for blo, bhi in b:
            if bhi < lo or blo > hi:
                continue
            if blo > lo:
                out.append((lo, blo - 1))
            lo = bhi + 1
            if lo > hi:
                break
        if lo <= hi:
            out.append((lo, hi))
    return tuple(out)


class Cubes:
    """Exact union/difference reasoning over the matches of one :class:`OverlapIndex`."""

    def __init__(self, index: OverlapIndex, cap: int = 4000):
        self.index = index
        self.cap = cap
        self.nflags = len(index.flags)
        self.full_names = ((0, len(index.hosts) - 1),)
        self.full_v4 = ((0, (1 << 32) - 1),)
        self.full_v6 = _minus_embedded(((0, (1 << 128) - 1),))

    def of(self, c: Compiled) -> tuple:
        flags = tuple((2 if c.must_true >> k & 1 else 1 if c.must_false >> k & 1 else 3) for k in range(self.nflags))
        if c.any_host:
            hosts = (self.full_names, self.full_v4, self.full_v6)
        else:
            hosts = (c.names, c.v4, c.v6)
        return (c.tools, c.schemes, c.ports or FULL_PORTS, flags, hosts)

    @staticmethod
    def meet(a: tuple, b: tuple) -> Optional[tuple]:
        # The hot loop of every pass: cheap fields first, and no intersection where a side is
        # empty or both are equal.
        ta, tb = a[0], b[0]
        if ta == tb:
            tools = ta
        else:
            tools = tuple(x & y for x, y in zip(ta, tb))
            if 0 in tools:
                return None
        schemes = a[1] & b[1]
        if not schemes:
            return None
        fa, fb = a[3], b[3]
        if fa == fb:
            flags = fa
        else:
            flags = tuple(x & y for x, y in zip(fa, fb))
            if 0 in flags:
                return None
        hosts = []
        for x, y in zip(a[4], b[4]):
            hosts.append(() if not x or not y else x if x == y else _intersection(x, y))
        if not (hosts[0] or hosts[1] or hosts[2]):
            return None
        pa, pb = a[2], b[2]
        ports = pa if pb is FULL_PORTS or pa == pb else pb if pa is FULL_PORTS else _intersection(pa, pb)
        if not ports:
            return None
        return (tools, schemes, ports, flags, tuple(hosts))

    def minus(self, a: tuple, b: tuple, both: Optional[tuple] = None) -> List[tuple]:
        """``a - b`` as disjoint cubes (``both``: their meet, when the caller has it)."""
        both = both or self.meet(a, b)
        if both is None:
            return [a]
        out = []
        tools, schemes, ports, flags, hosts = a
        # The finite fields first, field by field as the flags below: these pieces keep every
        # other field of ``a`` (``least_outside`` relies on it).
        for k, (x, y) in enumerate(zip(tools, b[0])):
            if x & ~y:
                out.append((tools[:k] + (x & ~y,) + tools[k + 1:], schemes, ports, flags, hosts))
                tools = tools[:k] + (x & y,) + tools[k + 1:]
        rest = schemes & ~b[1]
        if rest:
            out.append((tools, rest, ports, flags, hosts))
        schemes &= b[1]
        rest_ports = _minus(ports, b[2])
        if rest_ports:
            out.append((tools, schemes, rest_ports, flags, hosts))
        ports = both[2]  # the meet's ports: ``ports`` intersected with ``b``'s
        for k, (x, y) in enumerate(zip(flags, b[3])):
            if x & ~y:
                out.append((tools, schemes, ports, flags[:k] + (x & ~y,) + flags[k + 1:], hosts))
            flags = flags[:k] + (x & y,) + flags[k + 1:]
        rest_hosts = tuple(_minus(x, y) for x, y in zip(hosts, b[4]))
        if any(rest_hosts):
            out.append((tools, schemes, ports, flags, rest_hosts))
        return out

    def subtract(self, pieces: List[tuple], b: tuple) -> Optional[List[tuple]]:
        """``pieces - b``, or ``None`` past the piece cap (the caller then asks the solver)."""
        out: List[tuple] = []
        for p in pieces:
            out.extend(self.minus(p, b))
            if len(out) > self.cap:
                return None
        return out

    def covered(self, a: tuple, covers: Sequence[tuple]) -> Optional[bool]:
        """True iff every request of ``a`` lies in some cube of ``covers``; ``None`` past the cap."""
        return self.decided(a, [(c, True) for c in covers if self.meet(a, c) is not None], False)

    def decided(self, a: tuple, steps: Sequence[Tuple[tuple, Optional[bool]]], rest: bool) -> Optional[bool]:
        """Walk ``a``'s requests through ``steps`` in order, each request stopping at the first step
        whose cube holds it: True iff every request stops at a step marked True, or (``rest``) at
        none; a step marked ``None`` only removes its requests (a rule decided before). ``None`` past
        the cap.

        Depth first: a piece left by subtracting step ``k`` needs only the steps after ``k`` that meet
        it, and the first piece that stops badly answers False at once (most rules are neither covered
        nor redundant, so this stops long before the whole difference is built)."""
        meet, minus = self.meet, self.minus
        stack: List[Tuple[tuple, int]] = [(a, 0)]
        while stack:
            piece, start = stack.pop()
            for k in range(start, len(steps)):
                both = meet(piece, steps[k][0])
                if both is not None:
                    break
            else:
                if not rest:
                    return False
                continue
            if steps[k][1] is False:
                return False
            stack.extend((p, k + 1) for p in reversed(minus(piece, steps[k][0], both)))
            if len(stack) > self.cap:
                return None
        return True

    def least(self, cube: tuple) -> Tuple[int, int, str, int, int, int]:
        """The least request of a non-empty cube, in the format of :meth:`OverlapIndex.common`."""
        tools, schemes, ports, flags, hosts = cube
        tool = self.index.fold(tools)
        port = next((p for p in (443, 80) if _within(((p, p),), ports)), ports[0][0])
        must_true = sum(1 << k for k, f in enumerate(flags) if f == 2)
        for field, values in zip(("names", "v4", "v6"), hosts):
            if values:
                return tool, schemes, field, values[0][0], port, must_true
        raise ValueError("empty cube")

    def least_outside(self, a: tuple, b: tuple) -> Tuple[int, int, str, int, int, int]:
        """The least request of the first field of ``a`` that ``b`` does not cover, in ``least``'s format
        (``a - b`` must be non-empty): where the finite fields differ, the least of all such requests."""
        pieces = self.minus(a, b)
        finite = [p for p in pieces if p[1:] == a[1:]]  # the pieces ``minus`` cut from the finite fields
        return min((self.least(p) for p in finite), key=lambda r: r[0]) if finite else self.least(pieces[0])
