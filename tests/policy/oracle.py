"""A brute-force oracle for the policy check, written from ``docs/policy.md`` alone.

It shares no code with the checker beyond the data model and the host
pattern parser: matching, decisions, invariants and rule anomalies are
re-implemented here over a *finite* request space that has one request in
every cell of the partition the test's value pools induce (every exact name
and wildcard, every CIDR boundary, every port-range boundary, every tool,
scheme, method, path prefix (a path below it and one beside it), attribute
value (each named one and one unnamed) and flag combination). Policies built only from those pools therefore
have a violation somewhere iff they have one in this space.

Sets of requests are Python integers used as bit sets (bit ``k`` is request
``k``), so a rule is a mask and every definition is a few bit operations.
"""

from __future__ import annotations

import ipaddress
import itertools
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Set, Tuple

from governance_hooks.policy import model as m

#: IPv6 ranges whose addresses reach an IPv4 host (docs: "IPv4-mapped IPv6 and NAT64").
EMBEDDED = (ipaddress.ip_network("::ffff:0:0/96"), ipaddress.ip_network("64:ff9b::/96"))


def v4_reach(net) -> List[ipaddress.IPv4Network]:
    """The IPv4 networks an address pattern reaches."""
    if net.version == 4:
        return [net]
    out = []
    for base in EMBEDDED:
        if net.overlaps(base):
            inner = net if net.prefixlen >= base.prefixlen else base
            out.append(ipaddress.IPv4Network((int(inner.network_address) - int(base.network_address), inner.prefixlen - 96)))
    return out


def _network(pattern: m.HostPattern):
    """The network of an address pattern (an integer alone does not say which family)."""
    family = ipaddress.IPv4Network if pattern.kind == "cidr4" else ipaddress.IPv6Network
    return family((pattern.network, pattern.prefix))


def host_in(pattern: m.HostPattern, host: str) -> bool:
    """The documented meaning of one host pattern on a canonical request host."""
    if pattern.kind == "any":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if pattern.kind == "exact":
        return address is None and host == pattern.name
    if pattern.kind == "wildcard":  # one or more labels before the suffix, never the suffix itself
        return address is None and host.endswith("." + pattern.name)
    if pattern.kind == "labels":  # '+' is exactly one label; a leading '*' one or more
        return address is None and labels_in(pattern.name, host)
    if address is None:
        return False
    net = _network(pattern)
    if address.version == 4:
        return any(address in n for n in v4_reach(net))
    return address in net


def path_in(prefix: m.PathPrefix, path: str) -> bool:
    """The documented meaning of a path prefix: the request path's segments begin with the prefix's
    (segments end at '/'; empty and '.' segments are dropped, '..' removes the one before it)."""
    segments: List[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            segments = segments[:-1]
        else:
            segments.append(part)
    return tuple(segments[:len(prefix.segments)]) == prefix.segments


def labels_in(pattern: str, host: str) -> bool:
    """``+`` matches exactly one label, a leading ``*`` one or more, other labels themselves."""
    want, have = pattern.split("."), host.split(".")
    if want[0] == "*":
        if len(have) <= len(want) - 1:
            return False
        want, have = want[1:], have[len(have) - len(want) + 1:]
    return len(want) == len(have) and all(w in ("+", h) for w, h in zip(want, have))


def selects(match: m.Match, request: m.Request) -> bool:
    """A rule selects a request when every present field contains the request's value (a request
    without a path or method is at ``/`` with ``GET``)."""
    return ((match.tools is None or request.tool in match.tools)
            and (match.schemes is None or request.scheme in match.schemes)
            and (match.ports is None or any(p.lo <= request.port <= p.hi for p in match.ports))
            and all(request.flag(k) == v for k, v in match.when)
            and (match.hosts is None or any(host_in(p, request.host) for p in match.hosts))
            and (match.methods is None or (request.method or "GET") in match.methods)
            and (match.paths is None or any(path_in(p, request.path or "/") for p in match.paths))
            and all((dict(request.attributes).get(name) in values) != negated for name, values, negated in match.attributes))


class Space:
    """A finite request space: the product of one value list per field.

    Request ``k`` has, in each field, the digit of ``k`` in mixed radix (the last field varies
    fastest); sets of requests are integers used as bit sets. One mask per field value is built
    arithmetically (a block of ones repeated with the field's period), so a space of a million
    requests costs no Python loop over its requests.
    """

    def __init__(self, tools: Sequence[str], schemes: Sequence[str], flags: Sequence[str],
                 host_patterns: Sequence[m.HostPattern], port_ranges: Sequence[m.PortRange],
                 methods: Sequence[str] = (), path_prefixes: Sequence[m.PathPrefix] = (),
                 attributes: Optional[Dict[str, Sequence[str]]] = None):
        ports = {1}
        for p in port_ranges:
            ports.add(p.lo)
            if p.hi < 65535:
                ports.add(p.hi + 1)
        # Every method the pool names and one it does not; every prefix, a path below it, a path
        # beside it that shares its text but not its segments, and the root.
        method_values = sorted(set(methods)) + [x for x in ("DELETE", "GET") if x not in methods][:1]
        paths = {"/", "/h"}
        for prefix in path_prefixes:
            text = "/" + "/".join(prefix.segments)
            paths |= {text + "/", text + "/h", text + "x"}
        # Each attribute: the values the pool names and None, a value it does not name.
        named = {k: sorted(v) + [None] for k, v in sorted((attributes or {}).items())}
        self._build(tools, self._hosts(host_patterns), sorted(ports), schemes, method_values, sorted(paths), flags,
                    attributes=named)

    @classmethod
    def single(cls, request: m.Request) -> "Space":
        """The space of one request (to evaluate decisions with the oracle's own semantics)."""
        space = cls.__new__(cls)
        flags = [k for k, _ in request.flags]
        space._build([request.tool], [request.host], [request.port], [request.scheme], [request.method or "GET"],
                     [request.path or "/"], flags, values=dict(request.flags),
                     attributes={k: [v] for k, v in request.attributes})
        return space

    def _build(self, tools, hosts, ports, schemes, methods, paths, flags, values=None, attributes=None) -> None:
        self.flags = tuple(sorted(flags))
        self.hosts = list(hosts)
        fields = [("tool", list(tools)), ("host", self.hosts), ("port", list(ports)), ("scheme", list(schemes)),
                  ("method", list(methods)), ("path", list(paths))]
        self.attributes = dict(attributes or {})
        fields += [(("attr", a), list(vals)) for a, vals in self.attributes.items()]
        fields += [(("flag", f), [values[f]] if values is not None else [False, True]) for f in self.flags]
        self.fields = fields
        self.size = 1
        for _, vals in fields:
            self.size *= len(vals)
        self.full = (1 << self.size) - 1
        self._masks: Dict[object, int] = {}
        tables = []
        stride = self.size
        for _, vals in fields:
            period = stride
            stride //= len(vals)
            repeats = self.size // period
            comb = ((1 << (period * repeats)) - 1) // ((1 << period) - 1)
            ones = (1 << stride) - 1
            tables.append({v: (ones << (k * stride)) * comb for k, v in enumerate(vals)})
        self.by_tool, self.by_host, self.by_port, self.by_scheme, self.by_method, self.by_path = tables[:6]
        n_attr = len(self.attributes)
        self.by_attr: Dict[str, Dict[Optional[str], int]] = {
            a: table for ((_, a), _values), table in zip(fields[6:6 + n_attr], tables[6:6 + n_attr])}
        self.by_flag: Dict[Tuple[str, bool], int] = {}
        for ((_, f), _values), table in zip(fields[6 + n_attr:], tables[6 + n_attr:]):
            for value in (False, True):
                self.by_flag[(f, value)] = table.get(value, 0)

    def request(self, k: int) -> m.Request:
        digits = []
        for _, vals in reversed(self.fields):
            k, d = divmod(k, len(vals))
            digits.append(vals[d])
        tool, host, port, scheme, method, path, *rest = reversed(digits)
        n_attr = len(self.attributes)
        return m.Request(tool, host, port, scheme, tuple(zip(self.flags, rest[n_attr:])), path, method,
                         tuple(zip(self.attributes, rest[:n_attr])))

    @staticmethod
    def _hosts(patterns: Sequence[m.HostPattern]) -> List[str]:
        names = {"unlisted.test"}
        v4 = {0}
        v6 = {0, 1}
        # Single-label wildcards: every '+' (and a leading '*') replaced by each label the pool
        # names and by one it does not ("h"), so every name a '+' can stand for has its cell.
        alphabet = {"h"} | {label for p in patterns if p.kind in ("exact", "wildcard", "labels")
                             for label in p.name.split(".") if label not in ("+", "*")}
        for p in patterns:
            if p.kind == "labels":
                options = [sorted(alphabet) + (["h.h"] if label == "*" else []) if label in ("+", "*") else [label]
                           for label in p.name.split(".")]
                names |= {".".join(choice) for choice in itertools.product(*options)}
            if p.kind == "exact":
                names |= {p.name, "h." + p.name}
            elif p.kind == "wildcard":
                names |= {p.name, "h." + p.name, "h.h." + p.name}
            elif p.kind in ("cidr4", "cidr6"):
                net = _network(p)
                for n in v4_reach(net):
                    v4 |= {int(n.network_address), int(n.broadcast_address) + 1}
                if net.version == 6:
                    v6 |= {int(net.network_address), int(net.broadcast_address) + 1}
        out = sorted(names)
        out += [str(ipaddress.IPv4Address(a)) for a in sorted(v4) if a < 2 ** 32]
        reachable6 = [a for a in sorted(v6) if a < 2 ** 128 and not any(ipaddress.IPv6Address(a) in b for b in EMBEDDED)]
        return out + [str(ipaddress.IPv6Address(a)) for a in reachable6]

    def mask(self, match: m.Match) -> int:
        found = self._masks.get(match)
        if found is None:
            found = self.full
            if match.tools is not None:
                found &= _union(v for t, v in self.by_tool.items() if t in match.tools)
            if match.schemes is not None:
                found &= _union(v for s, v in self.by_scheme.items() if s in match.schemes)
            if match.ports is not None:
                found &= _union(v for p, v in self.by_port.items() if any(r.lo <= p <= r.hi for r in match.ports))
            for flag_value in match.when:
                found &= self.by_flag[flag_value]
            if match.hosts is not None:
                found &= _union(v for h, v in self.by_host.items() if any(host_in(p, h) for p in match.hosts))
            if match.methods is not None:
                found &= _union(v for x, v in self.by_method.items() if x in match.methods)
            if match.paths is not None:
                found &= _union(v for x, v in self.by_path.items() if any(path_in(p, x) for p in match.paths))
            for name, values, negated in match.attributes:
                found &= _union(v for x, v in self.by_attr[name].items() if (x in values) != negated)
            self._masks[match] = found
        return found


def _union(masks) -> int:
    out = 0
    for mask in masks:
        out |= mask
    return out


@dataclass
class Verdict:
    """What the docs say the check must report for one policy."""

    offending: Dict[str, Set[str]]        # invariant -> ids of the allow rules that decide a violation
    must_allow_failed: Set[str]           # contract ids
    shadowed: Set[str]
    redundant: Set[str]
    conflicts: Set[Tuple[str, str]]       # (earlier id, later id)


def allowed_mask(space: Space, policy: m.Policy, rules: Optional[Sequence[m.EgressRule]] = None) -> int:
    rules = policy.egress if rules is None else rules
    if policy.semantics == m.FIRST_MATCH:
        allowed = decided = 0
        for r in rules:
            mask = space.mask(r.match) & ~decided
            if r.effect == m.ALLOW:
                allowed |= mask
            decided |= mask
        return allowed
    allows = denies = 0
    for r in rules:
        if r.effect == m.ALLOW:
            allows |= space.mask(r.match)
        else:
            denies |= space.mask(r.match)
    return allows & ~denies


def decides_mask(space: Space, policy: m.Policy, index: int) -> int:
    """Requests the rule decides: first-match, it is the first match; deny-overrides, it matches
    (the callers intersect with the allowed requests)."""
    mask = space.mask(policy.egress[index].match)
    if policy.semantics == m.FIRST_MATCH:
        for r in policy.egress[:index]:
            mask &= ~space.mask(r.match)
    return mask


def offending(space: Space, policy: m.Policy, violation: int) -> Set[str]:
    allowed = allowed_mask(space, policy)
    return {r.id for k, r in enumerate(policy.egress)
            if r.effect == m.ALLOW and decides_mask(space, policy, k) & allowed & violation}


def judge(space: Space, policy: m.Policy, base: Optional[m.Policy] = None,
          trackers: Sequence[str] = ("mlflow", "wandb")) -> Verdict:
    inv = policy.invariants
    allowed = allowed_mask(space, policy)
    within = 0
    for entry in policy.allowlist:
        within |= space.mask(entry.match)
    flag = {f: space.by_flag[(f, True)] for f in space.flags}
    regions: Dict[str, int] = {}
    if "egress-within-allowlist" in inv:
        regions["egress-within-allowlist"] = allowed & ~within
    if "offline-no-egress" in inv:
        regions["offline-no-egress"] = allowed & flag["offline"]
    if "tracking-requires-opt-in" in inv:
        regions["tracking-requires-opt-in"] = allowed & _union(space.by_tool.get(t, 0) for t in trackers) & ~flag["tracking_opt_in"]
    must_allow_failed = set()
    for c in policy.contracts:
        if c.kind == "must-deny":
            regions[f"must-deny:{c.id}"] = allowed & space.mask(c.match)
        elif space.mask(c.match) & ~allowed:
            must_allow_failed.add(c.id)
    if base is not None:
        regions["no-new-access"] = allowed & ~allowed_mask(space, base)
    result = Verdict({k: offending(space, policy, v) for k, v in regions.items() if v}, must_allow_failed, set(), set(), set())
    shadowed = _shadowed(space, policy)
    if "no-shadowed-rules" in inv:
        result.shadowed = {policy.egress[k].id for k in shadowed}
    if "no-redundant-rules" in inv:
        result.redundant = {policy.egress[k].id for k in _redundant(space, policy, shadowed)}
        if "no-shadowed-rules" not in inv:
            result.redundant |= {policy.egress[k].id for k in shadowed}
    if "no-conflicts" in inv:
        rules = policy.egress
        for j, later in enumerate(rules):
            for i in range(j):
                earlier = rules[i]
                if earlier.effect == later.effect or i in shadowed or j in shadowed:
                    continue
                a, b = space.mask(earlier.match), space.mask(later.match)
                if a & b and a & ~b and b & ~a:
                    result.conflicts.add((earlier.id, later.id))
    return result


def _shadowed(space: Space, policy: m.Policy) -> Set[int]:
    """Rules that decide no request (deny-overrides: allow rules whose every request a deny matches)."""
    out = set()
    denies = 0
    for r in policy.egress:
        if r.effect == m.DENY:
            denies |= space.mask(r.match)
    for k, r in enumerate(policy.egress):
        if policy.semantics == m.FIRST_MATCH:
            if not decides_mask(space, policy, k):
                out.add(k)
        elif r.effect == m.ALLOW and not space.mask(r.match) & ~denies:
            out.add(k)
    return out


def _redundant(space: Space, policy: m.Policy, shadowed: Set[int]) -> Set[int]:
    """Visit the other rules last to first; K = P - shadowed - redundant so far. A rule is redundant
    iff deleting it from K and deleting it alone from P both keep every decision."""
    rules = list(policy.egress)
    whole = allowed_mask(space, policy)
    kept = [k for k in range(len(rules)) if k not in shadowed]
    found: Set[int] = set()
    for k in reversed(range(len(rules))):
        if k in shadowed:
            continue
        in_k = [rules[j] for j in kept]
        without_k = [rules[j] for j in kept if j != k]
        alone = [r for j, r in enumerate(rules) if j != k]
        if allowed_mask(space, policy, without_k) == allowed_mask(space, policy, in_k) \
                and allowed_mask(space, policy, alone) == whole:
            found.add(k)
            kept.remove(k)
    return found


# -- admin requests ----------------------------------------------------------------------------------

def admin_requests(policies: Sequence[m.Policy]) -> List[m.AdminRequest]:
    """Every admin request that can matter to ``policies``: each operation, opt-in and author value,
    each named environment and none, each named principal and one unnamed, and the approval counts
    on both sides of every threshold the policies write."""
    ops = sorted({op.id for p in policies for op in p.operations})
    envs, principals, counts = {None}, {None}, {0}
    named = False
    for p in policies:
        gates = [g.gates for g in p.gate_rules] + [p.gates or m.Gates()]
        for g in gates:
            envs |= set(g.protected_environments)
            counts |= {g.min_approvals, max(g.min_approvals - 1, 0)}
        for grant in p.grants:
            envs |= set(grant.environments or ())
            counts |= {grant.min_approvals, max(grant.min_approvals - 1, 0)}
        for item in (*p.grants, *p.gate_rules):
            if item.principals is not None:
                named = True
                principals |= set(item.principals)
    return [m.AdminRequest(op, opt_in, n, author, env, who, named)
            for op, opt_in, n, author, env, who in itertools.product(
                ops, (False, True), sorted(counts), (False, True), sorted(envs, key=str), sorted(principals, key=str))]


def permits(grant: m.Grant, q: m.AdminRequest) -> bool:
    """A grant permits a request on an operation it lists, by a principal it names (if it names any),
    when every requirement holds."""
    return (q.operation in grant.operations
            and (grant.principals is None or q.principal in grant.principals)
            and (q.opt_in or not grant.opt_in)
            and q.approvals >= grant.min_approvals
            and not (grant.approver_not_author and q.approver_is_author)
            and (grant.environments is None or q.environment in grant.environments))


def satisfies(gates: m.Gates, q: m.AdminRequest) -> bool:
    return ((q.opt_in or not gates.opt_in) and q.approvals >= gates.min_approvals
            and not (gates.approver_not_author and q.approver_is_author)
            and (not gates.protected_environments or q.environment in gates.protected_environments))


def is_gated(policy: m.Policy, q: m.AdminRequest) -> bool:
    """Gated: the gate rules whose operations and principals include the request apply, else
    ``admin.gates``; satisfying one applicable gate is enough."""
    applying = [g.gates for g in policy.gate_rules
                if (g.operations is None or q.operation in g.operations)
                and (g.principals is None or q.principal in g.principals)]
    return any(satisfies(g, q) for g in applying or [policy.gates or m.Gates()])


@dataclass
class AdminVerdict:
    ungated: Set[str]          # grants that permit some admin request missing its gates
    readonly_admin: bool       # some request is both a read-only and an admin action
    new_access: Set[str]       # grants that permit a request the base permitted by no grant


def judge_admin(policy: m.Policy, base: Optional[m.Policy] = None) -> AdminVerdict:
    inv = policy.invariants
    admin_ops = {op.id for op in policy.operations if op.cls == m.ADMIN}
    verdict = AdminVerdict(set(), False, set())
    for q in admin_requests([policy] + ([base] if base is not None else [])):
        granting = [g for g in policy.grants if permits(g, q)]
        if "admin-gated" in inv and q.operation in admin_ops and not is_gated(policy, q):
            verdict.ungated |= {g.id for g in granting}
        if "readonly-admin-exclusive" in inv and q.operation in admin_ops and any(g.mode == m.READ_ONLY for g in granting):
            verdict.readonly_admin = True
        if base is not None and not any(permits(g, q) for g in base.grants):
            verdict.new_access |= {g.id for g in granting}
    return verdict
