"""The z3 encoding of requests and policies over a finite universe.

A symbolic egress request is ``tool`` (index into the tool universe),
``kind`` (0 name, 1 IPv4, 2 IPv6), ``host`` (a host class, see
:class:`~.hosts.HostUniverse`), ``ip4``/``ip6`` (32/128-bit vectors), ``port``
(16-bit, 1..65535), ``scheme`` (index), ``method`` (index into
:data:`~.paths.METHODS`), ``path`` (a path class, see
:class:`~.paths.PathUniverse`), one index per attribute (principal, branch,
environment, repository: the values the policies name, then one index for
every other value) and one Boolean per flag. A symbolic
admin request is ``op`` (index), ``opt_in``, ``approvals`` (11-bit, 0..1001),
``approver_is_author`` and ``env`` (index; the last index is "none or unlisted").

Every set of values a policy names becomes a disjunction of intervals, so a
rule is a small conjunction of bit-vector comparisons. This module builds
terms only; :mod:`.prove` asks the questions.
"""

from __future__ import annotations

import ipaddress
from typing import Dict, Iterable, List, Sequence, Tuple

from . import model as m
from .hosts import EMBEDDED_V4, HostUniverse, ip_networks, normalize_host
from .paths import METHODS, PathUniverse

NAME, IPV4, IPV6 = 0, 1, 2
MAX_APPROVALS = 1001
APPROVAL_BITS = 11


def _intervals(indices: Iterable[int]) -> List[Tuple[int, int]]:
    """Sorted, merged inclusive intervals covering ``indices``."""
    out: List[List[int]] = []
    for i in sorted(set(indices)):
        if out and out[-1][1] + 1 >= i:
            out[-1][1] = max(out[-1][1], i)
        else:
            out.append([i, i])
    return [(a, b) for a, b in out]


def _width(n: int) -> int:
    return max(1, (max(n, 1) - 1).bit_length())


class Universe:
    """The finite value sets shared by one or more policies (a policy and its base)."""

    def __init__(self, policies: Sequence[m.Policy]):
        self.tools = tuple(sorted(set().union(*(p.tools for p in policies))))
        self.flags = tuple(sorted(set().union(*(p.flags for p in policies))))
        self.schemes = tuple(sorted(set().union(*(p.schemes for p in policies))))
        patterns, prefixes = [], []
        for p in policies:
            for item in (*[e.match for e in p.allowlist], *[r.match for r in p.egress], *[c.match for c in p.contracts]):
                patterns.extend(item.hosts or ())
                prefixes.extend(item.paths or ())
            if p.tracking is not None:
                from .hosts import parse_host_pattern

                for endpoint in p.tracking.endpoints:
                    patterns.append(parse_host_pattern(endpoint.host))
        self.paths = PathUniverse(prefixes)
        self.methods = METHODS
        self.method_index = {x: i for i, x in enumerate(METHODS)}
        #: Requests carry a path and a method (witnesses show them) when some policy uses them.
        self.scoped = any(p.scoped for p in policies)
        named: Dict[str, set] = {}
        for p in policies:
            for name, values in p.attribute_values().items():
                named.setdefault(name, set()).update(values)
        #: attribute -> its named values (sorted); index ``len(values)`` is every other value
        self.attributes: Dict[str, Tuple[str, ...]] = {k: tuple(sorted(v)) for k, v in sorted(named.items())}
        self.attribute_index = {k: {x: i for i, x in enumerate(v)} for k, v in self.attributes.items()}
        self.hosts = HostUniverse(patterns)
        ops: Dict[str, str] = {}
        envs = set()
        for p in policies:
            for op in p.operations:
                ops.setdefault(op.id, op.cls)
            for g in p.grants:
                envs |= set(g.environments or ())
            if p.gates is not None:
                envs |= set(p.gates.protected_environments)
            for rule in p.gate_rules:
                envs |= set(rule.gates.protected_environments)
        admins = set()
        for p in policies:
            for item in (*p.grants, *p.gate_rules):
                admins |= set(item.principals or ())
        #: principals named by grants and gate rules (index ``len``: any other); witnesses show the
        #: principal only when some are named
        self.admin_principals = tuple(sorted(admins))
        self.admin_principal_index = {x: i for i, x in enumerate(self.admin_principals)}
        self.admin_named = any(g.principals is not None for p in policies for g in (*p.grants, *p.gate_rules))
        self.operations = tuple(sorted(ops))
        self.environments = tuple(sorted(envs))  # index len(...) is "none"
        self.tool_index = {t: i for i, t in enumerate(self.tools)}
        self.scheme_index = {s: i for i, s in enumerate(self.schemes)}
        self.op_index = {o: i for i, o in enumerate(self.operations)}
        self.env_index = {e: i for i, e in enumerate(self.environments)}


class Encoder:
    """Symbolic request variables and term builders, in one z3 context."""

    def __init__(self, universe: Universe, ctx):
        import z3

        self.z3 = z3
        self.u = universe
        self.ctx = ctx
        u = universe
        self.w_tool = _width(len(u.tools))
        self.w_host = _width(len(u.hosts))
        self.w_scheme = _width(len(u.schemes))
        self.tool = z3.BitVec("tool", self.w_tool, ctx)
        self.kind = z3.BitVec("kind", 2, ctx)
        self.host = z3.BitVec("host", self.w_host, ctx)
        self.ip4 = z3.BitVec("ip4", 32, ctx)
        self.ip6 = z3.BitVec("ip6", 128, ctx)
        self.port = z3.BitVec("port", 16, ctx)
        self.scheme = z3.BitVec("scheme", self.w_scheme, ctx)
        self.flag = {f: z3.Bool(f"flag.{f}", ctx) for f in u.flags}
        self.w_method = _width(len(u.methods))
        self.w_path = _width(len(u.paths))
        self.method = z3.BitVec("method", self.w_method, ctx)
        self.path = z3.BitVec("path", self.w_path, ctx)
        self.attr = {a: z3.BitVec(f"attr.{a}", _width(len(v) + 1), ctx) for a, v in u.attributes.items()}
        self.w_op = _width(len(u.operations))
        self.w_env = _width(len(u.environments) + 1)
        self.op = z3.BitVec("op", self.w_op, ctx)
        self.opt_in = z3.Bool("opt_in", ctx)
        self.approvals = z3.BitVec("approvals", APPROVAL_BITS, ctx)
        self.author = z3.Bool("approver_is_author", ctx)
        self.env = z3.BitVec("env", self.w_env, ctx)
        self.who = z3.BitVec("admin_principal", _width(len(u.admin_principals) + 1), ctx)
        self.true = z3.BoolVal(True, ctx)
        self.false = z3.BoolVal(False, ctx)
        # Rules share field values (the same ports, tools, hosts): build each term once.
        self._cache: Dict[tuple, object] = {}

    # -- helpers -------------------------------------------------------------
    def _nary(self, make, parts: List) -> object:
        # Direct C API call: z3.And/z3.Or re-check and coerce every argument, which
        # dominates encoding time for policies of a thousand rules.
        z3 = self.z3
        array = (z3.Ast * len(parts))(*[p.as_ast() for p in parts])
        return z3.BoolRef(make(self.ctx.ref(), len(parts), array), self.ctx)

    def all_of(self, parts: Sequence) -> object:
        parts = list(parts)
        if not parts:
            return self.true
        return parts[0] if len(parts) == 1 else self._nary(self.z3.z3core.Z3_mk_and, parts)

    def any_of(self, parts: Sequence) -> object:
        parts = list(parts)
        if not parts:
            return self.false
        return parts[0] if len(parts) == 1 else self._nary(self.z3.z3core.Z3_mk_or, parts)

    def eq(self, a, b) -> object:
        """``a == b`` for two terms of one sort (the C API: no coercion in Python)."""
        return self.z3.BoolRef(self.z3.z3core.Z3_mk_eq(self.ctx.ref(), a.as_ast(), b.as_ast()), self.ctx)

    def not_(self, a) -> object:
        """``Not(a)`` for a Boolean term (the C API)."""
        return self.z3.BoolRef(self.z3.z3core.Z3_mk_not(self.ctx.ref(), a.as_ast()), self.ctx)

    def in_intervals(self, var, intervals: Sequence[Tuple[int, int]]) -> object:
        z3 = self.z3
        w = var.size()
        parts = []
        for lo, hi in intervals:
            if lo == hi:
                parts.append(var == self.bv(lo, w))
            elif lo == 0:
                parts.append(z3.ULE(var, self.bv(hi, w)))
            elif hi == (1 << w) - 1:
                parts.append(z3.ULE(self.bv(lo, w), var))
            else:
                parts.append(self.all_of([z3.ULE(self.bv(lo, w), var), z3.ULE(var, self.bv(hi, w))]))
        return self.any_of(parts)

    def bv(self, value: int, width: int):
        key = ("bv", value, width)
        term = self._cache.get(key)
        if term is None:
            term = self._cache[key] = self.z3.BitVecVal(value, width, self.ctx)
        return term

    def _cached(self, key: tuple, build):
        term = self._cache.get(key)
        if term is None:
            term = self._cache[key] = build()
        return term

    # -- egress --------------------------------------------------------------
    def domain(self) -> object:
        """Constraints every egress request satisfies (value ranges, unused fields pinned)."""
        z3, u = self.z3, self.u
        return self.all_of([
            z3.ULE(self.tool, self.bv(len(u.tools) - 1, self.w_tool)),
            z3.ULE(self.host, self.bv(len(u.hosts) - 1, self.w_host)),
            z3.ULE(self.scheme, self.bv(len(u.schemes) - 1, self.w_scheme)),
            z3.ULE(self.kind, self.bv(IPV6, 2)),
            # Only when some policy scopes below the host: version 1 queries stay exactly as they were.
            *([z3.ULE(self.method, self.bv(len(u.methods) - 1, self.w_method)),
               z3.ULE(self.path, self.bv(len(u.paths) - 1, self.w_path))] if u.scoped else []),
            *[z3.ULE(var, self.bv(len(u.attributes[a]), var.size())) for a, var in self.attr.items()],
            z3.Not(self.port == self.bv(0, 16)),
            z3.Implies(self.kind != self.bv(NAME, 2), self.host == self.bv(u.hosts.other, self.w_host)),
            z3.Implies(self.kind != self.bv(IPV4, 2), self.ip4 == self.bv(0, 32)),
            z3.Implies(self.kind != self.bv(IPV6, 2), self.ip6 == self.bv(0, 128)),
            # An IPv6 address that reaches an IPv4 host is that IPv4 request (hosts.normalize_host).
            *[z3.Extract(127, 32, self.ip6) != self.bv(base >> 32, 96) for base, _ in EMBEDDED_V4],
        ])

    def hosts_term(self, patterns: Sequence[m.HostPattern]) -> object:
        names = _intervals_of_ranges([iv for p in patterns if p.kind in ("exact", "wildcard", "labels")
                                      for iv in self.u.hosts.intervals(p)])
        parts = []
        if names:
            parts.append(self.all_of([self._kind_is(NAME), self.any_of([self._host_atom(lo, hi) for lo, hi in names])]))
        v4, v6 = set(), set()
        for p in patterns:
            if p.kind in ("cidr4", "cidr6"):
                nets4, nets6 = ip_networks(p)
                v4.update(nets4)
                v6.update(nets6)
        for nets, kind, bits in ((v4, IPV4, 32), (v6, IPV6, 128)):
            if nets:
                parts.append(self.all_of([self._kind_is(kind),
                                          self.any_of([self._net_atom(kind, bits, n, p) for n, p in sorted(nets)])]))
        return self.any_of(parts)

    # Atoms shared by many rules (the same host groups recur): each is built once.
    def _kind_is(self, kind: int):
        return self._cached(("kind", kind), lambda: self.kind == self.bv(kind, 2))

    def _host_atom(self, lo: int, hi: int):
        return self._cached(("host", lo, hi), lambda: self.in_intervals(self.host, [(lo, hi)]))

    def _net_atom(self, kind: int, bits: int, network: int, prefix: int):
        if prefix == 0:
            return self.true
        var = self.ip4 if kind == IPV4 else self.ip6
        return self._cached(("net", kind, network, prefix), lambda: self.z3.Extract(bits - 1, bits - prefix, var)
                            == self.bv(network >> (bits - prefix), prefix))

    def match(self, match: m.Match) -> object:
        """The term that holds exactly for the requests ``match`` selects."""
        return self._cached(("match", match), lambda: self._match(match))

    def _match(self, match: m.Match) -> object:
        z3, u = self.z3, self.u
        parts = []
        if match.tools is not None:
            parts.append(self._cached(("tools", match.tools), lambda: self.in_intervals(
                self.tool, _intervals(u.tool_index[t] for t in match.tools))))
        if match.schemes is not None:
            parts.append(self._cached(("schemes", match.schemes), lambda: self.in_intervals(
                self.scheme, _intervals(u.scheme_index[s] for s in match.schemes))))
        if match.ports is not None:
            parts.append(self._cached(("ports", match.ports), lambda: self.in_intervals(
                self.port, _intervals_of_ranges([(p.lo, p.hi) for p in match.ports]))))
        for flag, value in match.when:
            parts.append(self.flag[flag] if value else self._cached(("not", flag), lambda: z3.Not(self.flag[flag])))
        if match.hosts is not None:
            parts.append(self._cached(("hosts", match.hosts), lambda: self.hosts_term(match.hosts)))
        if match.methods is not None:
            parts.append(self._cached(("methods", match.methods), lambda: self.in_intervals(
                self.method, _intervals(u.method_index[x] for x in match.methods))))
        if match.paths is not None:
            parts.append(self._cached(("paths", match.paths), lambda: self.in_intervals(
                self.path, _intervals_of_ranges([u.paths.interval(p) for p in match.paths]))))
        for condition in match.attributes:
            parts.append(self._cached(("attr", condition), lambda: self.in_intervals(
                self.attr[condition[0]], _intervals(self.attribute_indices(*condition)))))
        return self.all_of(parts)

    def attribute_indices(self, name: str, values, negated: bool) -> List[int]:
        """Indices of attribute ``name`` that a condition accepts (the last index: every other value)."""
        index = self.u.attribute_index[name]
        chosen = {index[v] for v in values}
        return [i for i in range(len(index) + 1) if i not in chosen] if negated else sorted(chosen)

    def attribute_value(self, name: str, request: m.Request) -> int:
        value = request.attribute(name)
        index = self.u.attribute_index[name]
        return index.get(value, len(index)) if value is not None else len(index)

    def request(self, request: m.Request) -> object:
        """The term that pins the symbolic request to a concrete one.

        Raises:
            KeyError: a tool, scheme or flag outside the universe.
        """
        u = self.u
        parts = [
            self.tool == self.bv(u.tool_index[request.tool], self.w_tool),
            self.scheme == self.bv(u.scheme_index[request.scheme], self.w_scheme),
            self.port == self.bv(request.port, 16),
        ]
        parts.append(self.destination(request.host))
        parts += [self.method == self.bv(u.method_index[request.method or "GET"], self.w_method),
                  self.path == self.bv(u.paths.classify(request.path or "/"), self.w_path)]
        parts += [var == self.bv(self.attribute_value(a, request), var.size()) for a, var in self.attr.items()]
        given = dict(request.flags)
        for flag, var in self.flag.items():
            parts.append(var if given.get(flag, False) else self.z3.Not(var))
        return self.all_of(parts)

    def destination(self, host: str) -> object:
        """The term pinning the destination to ``host`` (normalised first: embedded IPv4 counts as IPv4)."""
        host = normalize_host(host)
        kind = m.destination_kind(host)
        if kind == "name":
            return self.all_of([self.kind == self.bv(NAME, 2), self.host == self.bv(self.u.hosts.classify(host), self.w_host)])
        if kind == "ipv4":
            return self.all_of([self.kind == self.bv(IPV4, 2), self.ip4 == self.bv(int(ipaddress.ip_address(host)), 32)])
        return self.all_of([self.kind == self.bv(IPV6, 2), self.ip6 == self.bv(int(ipaddress.ip_address(host)), 128)])

    def holds(self, term, request: m.Request) -> bool:
        """Evaluate ``term`` with the request variables replaced by ``request`` (a model check:
        for a satisfiability claim, the concrete request is the certificate). The request's
        fields come from the universe, so it satisfies :meth:`domain` by construction."""
        z3, u = self.z3, self.u
        host = normalize_host(request.host)
        kind = m.destination_kind(host)
        given = dict(request.flags)
        values = [self.bv(u.tool_index[request.tool], self.w_tool),
                  self.bv(u.scheme_index[request.scheme], self.w_scheme),
                  self.bv(request.port, 16),
                  self.bv({"name": NAME, "ipv4": IPV4, "ipv6": IPV6}[kind], 2),
                  self.bv(u.hosts.classify(host) if kind == "name" else u.hosts.other, self.w_host),
                  self.bv(int(ipaddress.ip_address(host)) if kind == "ipv4" else 0, 32),
                  self.bv(int(ipaddress.ip_address(host)) if kind == "ipv6" else 0, 128),
                  self.bv(u.method_index[request.method or "GET"], self.w_method),
                  self.bv(u.paths.classify(request.path or "/"), self.w_path)]
        values += [self.bv(self.attribute_value(a, request), var.size()) for a, var in self.attr.items()]
        values += [self.true if given.get(flag, False) else self.false for flag in self.flag]
        variables = self._cached(("pin-vars",), lambda: [self.tool, self.scheme, self.port, self.kind, self.host,
                                                          self.ip4, self.ip6, self.method, self.path,
                                                          *self.attr.values(), *self.flag.values()])
        n = len(variables)
        # The C API directly: z3.substitute re-checks every pair in Python, which dominated large policies.
        froms = (z3.Ast * n)(*[v.as_ast() for v in variables])
        tos = (z3.Ast * n)(*[v.as_ast() for v in values])
        substituted = z3.BoolRef(z3.z3core.Z3_substitute(self.ctx.ref(), term.as_ast(), n, froms, tos), self.ctx)
        return z3.is_true(z3.simplify(substituted))

    def decode(self, model) -> m.Request:
        """The concrete request a model assigns (host classes become their representatives)."""
        val = lambda t: model.eval(t, model_completion=True)  # noqa: E731
        u = self.u
        kind = val(self.kind).as_long()
        if kind == IPV4:
            host = str(ipaddress.IPv4Address(val(self.ip4).as_long()))
        elif kind == IPV6:
            host = str(ipaddress.IPv6Address(val(self.ip6).as_long()))
        else:
            host = normalize_host(u.hosts.representatives[val(self.host).as_long()])
        flags = tuple((f, self.z3.is_true(val(var))) for f, var in sorted(self.flag.items()))
        path = method = None
        if u.scoped:
            path = u.paths.representatives[val(self.path).as_long()]
            method = u.methods[val(self.method).as_long()]
        attributes = []
        for a, var in self.attr.items():
            k = val(var).as_long()
            attributes.append((a, u.attributes[a][k] if k < len(u.attributes[a]) else None))
        return m.Request(
            u.tools[val(self.tool).as_long()], host, val(self.port).as_long(), u.schemes[val(self.scheme).as_long()], flags,
            path, method, tuple(attributes),
        )

    # -- admin ---------------------------------------------------------------
    def admin_domain(self) -> object:
        z3, u = self.z3, self.u
        return self.all_of([
            z3.ULE(self.op, self.bv(max(len(u.operations) - 1, 0), self.w_op)),
            z3.ULE(self.env, self.bv(len(u.environments), self.w_env)),
            z3.ULE(self.approvals, self.bv(MAX_APPROVALS, APPROVAL_BITS)),
            *([z3.ULE(self.who, self.bv(len(u.admin_principals), self.who.size()))] if u.admin_named else []),
        ])

    def who_in(self, names: Iterable[str]) -> object:
        return self.in_intervals(self.who, _intervals(self.u.admin_principal_index[n] for n in names))

    def env_in(self, names: Iterable[str]) -> object:
        return self.in_intervals(self.env, _intervals(self.u.env_index[n] for n in names))

    def op_in(self, names: Iterable[str]) -> object:
        return self.in_intervals(self.op, _intervals(self.u.op_index[n] for n in names))

    def grant(self, grant: m.Grant) -> object:
        """The term for "``grant`` permits the symbolic admin request"."""
        z3 = self.z3
        parts = [self.op_in(grant.operations)]
        if grant.opt_in:
            parts.append(self.opt_in)
        if grant.min_approvals:
            parts.append(z3.UGE(self.approvals, self.bv(grant.min_approvals, APPROVAL_BITS)))
        if grant.approver_not_author:
            parts.append(z3.Not(self.author))
        if grant.environments is not None:
            parts.append(self.env_in(grant.environments))
        if grant.principals is not None:
            parts.append(self.who_in(grant.principals))
        return self.all_of(parts)

    def gated(self, policy: m.Policy) -> object:
        """The term "the admin request satisfies one of its applicable gates" (:func:`.evaluate.gated`)."""
        z3 = self.z3
        default = self.gates(policy.gates or m.Gates())
        if not policy.gate_rules:
            return default
        applies, satisfied = [], []
        for rule in policy.gate_rules:
            scope = [self.op_in(rule.operations)] if rule.operations is not None else []
            if rule.principals is not None:
                scope.append(self.who_in(rule.principals))
            applies.append(self.all_of(scope))
            satisfied.append(self.all_of([applies[-1], self.gates(rule.gates)]))
        return z3.Or(self.any_of(satisfied), z3.And(z3.Not(self.any_of(applies)), default))

    def gates(self, gates: m.Gates) -> object:
        z3 = self.z3
        parts = []
        if gates.opt_in:
            parts.append(self.opt_in)
        if gates.min_approvals:
            parts.append(z3.UGE(self.approvals, self.bv(gates.min_approvals, APPROVAL_BITS)))
        if gates.approver_not_author:
            parts.append(z3.Not(self.author))
        if gates.protected_environments:
            parts.append(self.env_in(gates.protected_environments))
        return self.all_of(parts)

    def decode_admin(self, model) -> m.AdminRequest:
        val = lambda t: model.eval(t, model_completion=True)  # noqa: E731
        env = val(self.env).as_long()
        return m.AdminRequest(
            self.u.operations[val(self.op).as_long()],
            self.z3.is_true(val(self.opt_in)),
            val(self.approvals).as_long(),
            self.z3.is_true(val(self.author)),
            self.u.environments[env] if env < len(self.u.environments) else None,
            *self._who(val),
        )

    def _who(self, val) -> tuple:
        if not self.u.admin_named:
            return ()
        k = val(self.who).as_long()
        return (self.u.admin_principals[k] if k < len(self.u.admin_principals) else None), True


def _intervals_of_ranges(ranges: Iterable[Tuple[int, int]]) -> List[Tuple[int, int]]:
    out: List[List[int]] = []
    for lo, hi in sorted(ranges):
        if out and out[-1][1] + 1 >= lo:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [(a, b) for a, b in out]


class PolicyTerms:
    """One policy's rule literals and decision terms, defined on an :class:`Encoder`.

    Attributes:
        match: one Boolean literal per egress rule, defined equal to its match term.
        allowed: the decision term (see :mod:`.evaluate` for the semantics).
        within: "the destination is in the allowlist".
        definitions: the defining equations; assert them once on a solver.
    """

    def __init__(self, enc: Encoder, policy: m.Policy, tag: str):
        z3 = enc.z3
        self.policy = policy
        self.enc = enc
        ctx = enc.ctx
        self.definitions: List[object] = []
        self.match = [z3.Bool(f"{tag}.rule{i}", ctx) for i in range(len(policy.egress))]
        for lit, rule in zip(self.match, policy.egress):
            self.definitions.append(enc.eq(lit, enc.match(rule.match)))
        self.allow_ids = [i for i, r in enumerate(policy.egress) if r.effect == m.ALLOW]
        self.deny_ids = [i for i, r in enumerate(policy.egress) if r.effect == m.DENY]
        if policy.semantics == m.FIRST_MATCH:
            n = len(policy.egress)
            # prefix[i]: no rule before i matches; suffix[i]: rules i.. allow (first match among them).
            self.prefix = [z3.Bool(f"{tag}.none_before{i}", ctx) for i in range(n + 1)]
            self.suffix = [z3.Bool(f"{tag}.allow_from{i}", ctx) for i in range(n + 1)]
            self.definitions.append(self.prefix[0] == enc.true)
            self.definitions.append(self.suffix[n] == enc.false)
            for i, rule in enumerate(policy.egress):
                negated = enc.not_(self.match[i])
                self.definitions.append(enc.eq(self.prefix[i + 1], enc.all_of([self.prefix[i], negated])))
                if rule.effect == m.ALLOW:
                    self.definitions.append(enc.eq(self.suffix[i], enc.any_of([self.match[i], self.suffix[i + 1]])))
                else:
                    self.definitions.append(enc.eq(self.suffix[i], enc.all_of([negated, self.suffix[i + 1]])))
            self.allowed = self.suffix[0]
        else:
            self.any_allow = z3.Bool(f"{tag}.any_allow", ctx)
            self.any_deny = z3.Bool(f"{tag}.any_deny", ctx)
            self.definitions.append(self.any_allow == enc.any_of([self.match[i] for i in self.allow_ids]))
            self.definitions.append(self.any_deny == enc.any_of([self.match[i] for i in self.deny_ids]))
            self.allowed = z3.And(self.any_allow, z3.Not(self.any_deny))
        self.within = enc.any_of([enc.match(e.match) for e in policy.allowlist])
        # admin
        self.grant = [enc.grant(g) for g in policy.grants] if enc.u.operations else []
        self.permitted = enc.any_of(self.grant)
        self.read_only = enc.any_of([t for t, g in zip(self.grant, policy.grants) if g.mode == m.READ_ONLY])
        admin_ops = [op.id for op in policy.operations if op.cls == m.ADMIN]
        self.is_admin = enc.op_in(admin_ops) if admin_ops else enc.false
