"""Check a policy's invariants with z3: one satisfiability query per invariant.

For each invariant the query asks for a request that violates it: ``unsat``
proves the invariant, ``sat`` yields a witness (made readable by
:mod:`.witness`) that is replayed through :mod:`.evaluate` before it becomes a
finding, and ``unknown`` (resource limit) is a ``policy/analysis-incomplete``
finding. Every check runs in a fresh z3 context with a fixed seed and an
``rlimit`` budget per query. Rule anomalies (shadowing, redundancy,
conflicts) follow Al-Shaer and Hamed, "Discovery of policy anomalies in
distributed firewalls" (INFOCOM 2004); the proof style follows Backes et al.,
"Semantic-based automated reasoning for AWS access policies using SMT" (Zelkova, FMCAD 2018).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from ..findings import Finding, Location, Severity
from . import evaluate as ev
from . import model as m
from .encode import Encoder, PolicyTerms, Universe
from .paths import normalize_path
from .anomalies import AnomalyChecks
from .rules import RULES
from .witness import refine_admin, refine_egress

_SEVERITY = {r.id: r.severity for r in RULES}
#: Offending rules per invariant whose witness is fully minimised; the rest get the cheap preferences.
FULL_WITNESSES = 10


@dataclass
class ProveOptions:
    """Budgets and switches.

    Attributes:
        rlimit: z3 resource limit per query (deterministic, unlike wall time).
        seed: z3 random seed.
        allow_unknown: report undecided invariants as warnings instead of errors.
        anomaly_queries: solver queries the rule-anomaly passes may ask in all (then
            ``policy/analysis-incomplete`` naming every rule not checked).
        budget_severity: severity of that finding (a note unless the user asks for more).
        max_witnesses: most solver queries spent enumerating the offending rules of one
            violated invariant (one finding per offending rule).
        progress: ``callback(what, done, total)`` for a progress display, or ``None``.
    """

    rlimit: int = 20_000_000
    seed: int = 0
    allow_unknown: bool = False
    anomaly_queries: int = 250_000
    budget_severity: Severity = Severity.NOTE
    max_witnesses: int = 20_000
    progress: Optional[Callable[[str, int, int], None]] = None


@dataclass
class ProveResult:
    findings: List[Finding] = field(default_factory=list)
    proved: int = 0
    violated: int = 0
    unknown: int = 0

    def stats(self) -> Dict[str, int]:
        return {"invariants_proved": self.proved, "invariants_violated": self.violated, "invariants_unknown": self.unknown}


class Prover(AnomalyChecks):
    """All queries about one policy (and optionally its base) in one z3 context."""

    def __init__(self, policy: m.Policy, options: Optional[ProveOptions] = None, base: Optional[m.Policy] = None):
        import z3

        self.z3 = z3
        self.policy = policy
        self.base = base
        self.opts = options or ProveOptions()
        self.ctx = z3.Context()
        self.universe = Universe([policy] + ([base] if base is not None else []))
        self.enc = Encoder(self.universe, self.ctx)
        self.terms = PolicyTerms(self.enc, policy, "new")
        self.base_terms = PolicyTerms(self.enc, base, "base") if base is not None else None
        # Everything is bit-vectors and Booleans: the QF_BV solver bit-blasts to an
        # incremental SAT solver, which answers assumption queries fast.
        self.solver = z3.SolverFor("QF_BV", ctx=self.ctx)
        self.solver.set("random_seed", self.opts.seed)
        self.solver.set("rlimit", self.opts.rlimit)
        self.solver.add(self.enc.domain())
        self._assert_all(self.terms.definitions)
        if self.base_terms is not None:
            self._assert_all(self.base_terms.definitions)
        if self.universe.operations:
            self.solver.add(self.enc.admin_domain())
        self.result = ProveResult()
        self._nb: Optional[List[List[int]]] = None
        self._overlap = None
        self._cubes = None
        self._by_id: Optional[Dict[str, Any]] = None
        self._definitions: Dict[str, str] = {}
        self._memo: Dict[Any, Any] = {}
        self._cube: List[tuple] = []
        self._negated_terms: Optional[List] = None
        self._any_cache: Dict[tuple, object] = {}
        self._scratch = None
        self._not_cache: Dict[int, object] = {}
        self._holds_cache: Dict[tuple, bool] = {}
        self._last_unknown = "unknown"
        self.tracking = policy.tracking or m.Tracking()

    # -- plumbing --------------------------------------------------------------
    def _assert_all(self, terms: Sequence) -> None:
        """``solver.add(*terms)`` through the C API (Solver.add casts every term in Python)."""
        assert_ast, ref, native = self.z3.z3core.Z3_solver_assert, self.ctx.ref(), self.solver.solver
        for term in terms:
            assert_ast(ref, native, term.as_ast())

    def _query(self, constraints: Sequence, assumptions: Sequence = (), model: bool = True):
        """The status of ``constraints``. Callers use only the status (witnesses come from
        :meth:`_egress_witness`), but on sat the model is still built unless ``model`` is False: z3's
        later hard queries depend on it (measured at 10,000 realistic-v2 first-match rules: without
        it the allowlist's final blocking query ran out of rlimit after 5.8 s; with it, unsat in
        3.6 s). The pinned proofs of region witnesses skip it, where it cost 190 ms per query."""
        self.solver.push()
        try:
            self.solver.add(*constraints)
            status = self.solver.check(*assumptions)
            if model and status == self.z3.sat:
                self.solver.model()
            return status
        finally:
            self.solver.pop()

    def _egress_witness(self, constraints: Sequence, assumptions: Sequence = (), light: bool = False):
        """``(status, Request | None)`` with a refined witness for a sat egress query (see
        :func:`.witness.refine_egress` for ``light``)."""
        z3 = self.z3
        self.solver.push()
        try:
            self.solver.add(*constraints)
            status = self.solver.check(*assumptions)
            if status != z3.sat:
                return status, None
            model = refine_egress(self.solver, self.enc, assumptions, self.solver.model(), light)
            return status, self.enc.decode(model)
        finally:
            self.solver.pop()

    def _admin_witness(self, constraints: Sequence):
        z3 = self.z3
        self.solver.push()
        try:
            self.solver.add(*constraints)
            status = self.solver.check()
            if status != z3.sat:
                return status, None
            model = refine_admin(self.solver, self.enc, (), self.solver.model())
            return status, self.enc.decode_admin(model)
        finally:
            self.solver.pop()

    def _finding(self, rule_id: str, message: str, line: int, evidence: Optional[dict] = None,
                 identity: Optional[str] = None, path: Optional[str] = None) -> None:
        payload = self._payload(evidence)
        if payload is not None:
            evidence = {**evidence, "payload": payload}
        self.result.findings.append(Finding(
            rule_id, _SEVERITY[rule_id], message, Location(path or self.policy.path, line),
            evidence=evidence, identity=identity,
        ))

    def _payload(self, evidence: Optional[dict]) -> Optional[str]:
        """``sha256:<hex>`` of the definitions of the rules, grants and contract a finding names.

        Identities name rules by id only; the payload pins what they say (hosts,
        ports, tools, operations, gates), so a baseline entry for rule ``x`` does
        not absorb ``x`` rewritten to allow something else. Positions (``line``,
        ``index``) are left out: moving a rule keeps its baseline entry.
        """
        if not evidence:
            return None
        rules = [r["id"] if isinstance(r, dict) else r for r in evidence.get("rules") or []]
        rules += [evidence["rule"]] if isinstance(evidence.get("rule"), str) else []
        rules += list(evidence.get("shadowed_by") or [])
        grants = list(evidence.get("grants") or []) + ([evidence["grant"]] if isinstance(evidence.get("grant"), str) else [])
        if self._by_id is None:  # first object per id, as a linear search would find it
            self._by_id = {}
            for kind, items in (("rule", self.policy.egress), ("grant", self.policy.grants),
                                ("contract", self.policy.contracts)):
                for item in items:
                    self._by_id.setdefault(f"{kind}:{item.id}", item)
        keys = [f"rule:{name}" for name in rules] + [f"grant:{name}" for name in grants]
        if isinstance(evidence.get("contract"), str):
            keys.append(f"contract:{evidence['contract']}")
        if not keys:
            return None
        # The JSON object of {key: definition} with sorted keys, joined from per-key parts computed once.
        text = "{" + ",".join(self._definition_of(key) for key in sorted(set(keys))) + "}"
        return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def _definition_of(self, key: str) -> str:
        """``"key":definition`` as compact sorted JSON (:func:`_definition`; ``null`` when absent), computed once."""
        part = self._definitions.get(key)
        if part is None:
            part = self._definitions[key] = _dumps(key) + ":" + _dumps(_definition(self._by_id.get(key), self._memo))
        return part

    def _tally(self, status, what: str, line: int) -> bool:
        """Count a query's status; record unknowns. True when the status is sat."""
        z3 = self.z3
        if status == z3.unsat:
            self.result.proved += 1
            return False
        if status == z3.sat:
            self.result.violated += 1
            return True
        self.result.unknown += 1
        reason = self.solver.reason_unknown() or "unknown"
        severity = Severity.WARNING if self.opts.allow_unknown else Severity.ERROR
        self.result.findings.append(Finding(
            "policy/analysis-incomplete", severity,
            f"could not decide {what} within rlimit {self.opts.rlimit} ({reason})",
            Location(self.policy.path, line), identity=f"unknown:{what}",
        ))
        return False

    def _mismatch(self, what: str, detail: str) -> ev.SemanticsMismatch:
        return ev.SemanticsMismatch(
            f"{self.policy.path}: internal error: solver and evaluator disagree on {what}: {detail}"
        )

    def _rules_evidence(self, ids: Sequence[str], policy: Optional[m.Policy] = None) -> List[dict]:
        policy = policy or self.policy
        return [{"id": i, "path": policy.path, "line": policy.rule(i).line} for i in ids]

    def _explain(self, decision: ev.Decision) -> str:
        if not decision.rules:
            return "the default deny"
        return ", ".join(f"rule '{i}' (line {self.policy.rule(i).line})" for i in decision.rules)

    # -- invariants ------------------------------------------------------------
    def run(self) -> ProveResult:
        """Check every enabled invariant (and no-new-access when a base is given)."""
        inv = self.policy.invariants
        if "egress-within-allowlist" in inv:
            self.egress_within_allowlist(inv["egress-within-allowlist"])
        if "offline-no-egress" in inv:
            self.offline_no_egress(inv["offline-no-egress"])
        if "tracking-requires-opt-in" in inv:
            self.tracking_requires_opt_in(inv["tracking-requires-opt-in"])
        if "tracking-endpoints-allowed" in inv:
            self.tracking_endpoints_allowed()
        for contract in self.policy.contracts:
            self.contract(contract)
        if self.universe.operations:
            if "admin-gated" in inv:
                self.admin_gated(inv["admin-gated"])
            if "readonly-admin-exclusive" in inv:
                self.readonly_admin_exclusive(inv["readonly-admin-exclusive"])
        self.anomalies("no-shadowed-rules" in inv, "no-redundant-rules" in inv, "no-conflicts" in inv)
        for name, rule_id in (("no-shadowed-rules", "policy/shadowed-rule"), ("no-redundant-rules", "policy/redundant-rule"),
                              ("no-conflicts", "policy/rule-conflict")):
            if name in inv and self.policy.egress:
                if any(f.rule_id == rule_id for f in self.result.findings):
                    self.result.violated += 1
                else:
                    self.result.proved += 1
        if self.base_terms is not None:
            self.no_new_access()
        self.result.findings.sort(key=Finding.sort_key)
        return self.result

    def _decides(self, index: int):
        """The term "egress rule ``index`` decides the request" (first-match: first match; else: matches)."""
        t = self.terms
        if self.policy.semantics == m.FIRST_MATCH:
            return self.z3.And(t.match[index], t.prefix[index])
        return t.match[index]

    def _allowed_violation(self, invariant: str, rule_id: str, line: int, extra, describe, violates=None,
                           evidence=None, identity: Optional[str] = None, at_line: Optional[int] = None,
                           outside: Optional[Sequence[m.Match]] = None, inside: Optional[m.Match] = None) -> None:
        """Ask for an allowed request satisfying ``extra``; on sat, name every allow rule responsible.

        A rule is responsible when it decides some allowed request satisfying
        ``extra``. A proved invariant costs one query. On a violation the
        rules that allow the witness are reported and blocked and the query
        repeats; with first-match the regions where rules decide are disjoint,
        so that finds every responsible rule. With deny-overrides a rule whose
        violations all lie inside an already reported rule's is then asked
        about on its own. Each responsible rule gets one finding with its own
        witness, replayed through the evaluator (``violates(request)``
        confirms the invariant-specific part).

        ``outside``: ``extra`` is "matched by none of these" (the allowlist);
        ``inside``: ``extra`` is "matched by this" (a contract, the trackers
        without opt-in). Then the set algebra (:mod:`.overlap`) computes each rule's violations
        exactly and the least witness of each, in the order of
        :mod:`.witness` (so the same witnesses the solver's refinement finds,
        in the same order); each is proved by a solver query pinning it, and a
        last query blocking every reported rule proves none is missing. Past
        the cube cap this falls back to the solver loop.
        """
        z3, t = self.z3, self.terms
        violates = violates or (lambda request: self._violates(invariant, request))
        status = self._query([t.allowed, extra])
        if not self._tally(status, invariant, line):
            return
        reported: set = set()
        queries = self.opts.max_witnesses

        def report(request: m.Request, only: Optional[int] = None) -> None:
            decision = ev.decide(self.policy, request)
            if not decision.allowed:
                raise self._mismatch(invariant, f"{request.describe()} is denied by the evaluator")
            if not violates(request):
                raise self._mismatch(invariant, f"witness {request.describe()} does not violate it when evaluated")
            for rule_name in decision.rules:
                rule = self.policy.rule(rule_name)
                if rule.index in reported or (only is not None and rule.index != only):
                    continue
                reported.add(rule.index)
                self._finding(rule_id, describe(request, ev.Decision(True, (rule.id,))), at_line or rule.line,
                              {"invariant": invariant, "witness": request.to_dict(),
                               "rules": self._rules_evidence([rule.id]), **(evidence or {})},
                              identity=f"{identity or invariant}:{rule.id}")
            if only is not None and only not in reported:
                raise self._mismatch(invariant, f"{request.describe()} is not allowed by rule '{self.policy.egress[only].id}'")

        blocked: List = []
        regions = self._violation_regions(outside or (), inside) if outside is not None or inside is not None else None
        if regions is not None and len(regions) < queries:
            done = self._violations_by_regions(regions, reported, blocked, report, invariant, line, extra)
            if done:
                return
        while queries > 0:
            queries -= 1
            status, request = self._egress_witness([t.allowed, extra] + blocked, light=len(reported) >= FULL_WITNESSES)
            if status != z3.sat:
                if status != z3.unsat:
                    self._tally(status, invariant, line)
                    return
                break
            before = set(reported)
            report(request)
            blocked += [z3.Not(self._decides(k)) for k in sorted(reported - before)]
        if self.policy.semantics != m.FIRST_MATCH:
            # The loop ended: every remaining violation lies where a reported rule matches, so only
            # allow rules overlapping a reported one can still offend (exact overlap index).
            nb = self._neighbours()
            near = {j for k in reported for j in nb[k]}
            for k in t.allow_ids:
                if k in reported or k not in near:
                    continue
                if queries <= 0:
                    missing = [self.policy.egress[k].id for k in t.allow_ids if k not in reported]
                    self.result.findings.append(Finding(
                        "policy/analysis-incomplete", self.opts.budget_severity,
                        f"{invariant}: stopped after {self.opts.max_witnesses} queries; not asked whether these rules "
                        f"also violate it: {', '.join(missing[:20])}" + (f" (+{len(missing) - 20} more)" if len(missing) > 20 else ""),
                        Location(self.policy.path, line), evidence={"rules": missing}, identity=f"witness-budget:{invariant}"))
                    return
                queries -= 1
                status, request = self._egress_witness([t.match[k], t.allowed, extra], light=len(reported) >= FULL_WITNESSES)
                if status == z3.sat:
                    report(request, only=k)
                elif status != z3.unsat:
                    self._tally(status, f"{invariant} for rule '{self.policy.egress[k].id}'", self.policy.egress[k].line)

    def _violation_regions(self, outside: Sequence[m.Match], inside: Optional[m.Match] = None) -> Optional[Dict[int, List[tuple]]]:
        """For each allow rule, the cubes of the requests it decides and allows that ``inside`` (when
        given) and no match of ``outside`` select (rules with none left out); ``None`` past the cube cap."""
        index, rules, t = self._index(), self.policy.egress, self.terms
        cubes, nb = self._cubes, self._nb
        first_match = self.policy.semantics == m.FIRST_MATCH
        compiled = [index.compile(match) for match in outside]
        outside_cubes = [cubes.of(c) for c in compiled]
        near = index.cross([index.compiled[k] for k in t.allow_ids], compiled)
        within = None if inside is None else cubes.of(index.compile(inside))
        regions: Dict[int, List[tuple]] = {}
        for k, covering in zip(t.allow_ids, near):
            start = self._cube[k] if within is None else cubes.meet(self._cube[k], within)
            if start is None:
                continue
            pieces: Optional[List[tuple]] = [start]
            before = [j for j in nb[k] if j < k] if first_match else [j for j in nb[k] if rules[j].effect == m.DENY]
            for c in [outside_cubes[e] for e in covering] + [self._cube[j] for j in before]:
                pieces = cubes.subtract(pieces, c)
                if pieces is None:
                    return None
                if not pieces:
                    break
            if pieces:
                regions[k] = pieces
        return regions

    def _least(self, pieces: Sequence[tuple]):
        """``(key, request)``: the least request of a union of cubes in the preference order of
        :func:`.witness.refine_egress` (flags false, a name before an IPv4 before an IPv6 address, the
        lowest tool, the lowest host, https then http then the lowest scheme, port 443 then 80 then
        the lowest; then the lowest method and path class, and "(other)" for each attribute)."""
        u = self.universe
        best = None
        for piece in pieces:
            tool, schemes, field, value, port, must_true = self._cubes.least(piece)
            tool, tail = self._preferred_fold(piece[0]) if u.scoped or u.attributes else (tool, ())
            scheme = next((k for k, s in enumerate(("https", "http")) if s in u.scheme_index
                           and schemes >> u.scheme_index[s] & 1), None)
            scheme = scheme if scheme is not None else 2 + (schemes & -schemes).bit_length() - 1
            key = (tuple(bool(must_true >> k & 1) for k in range(len(u.flags))), ("names", "v4", "v6").index(field),
                   self._overlap.split(tool)[0] if tail else tool, value, scheme, {443: 0, 80: 1}.get(port, 2 + port), tail)
            if best is None or key < best[0]:
                best = (key, (tool, schemes, field, value, port, must_true))
        return best[0], self._request_from(best[1])

    def _preferred_fold(self, finite: tuple) -> Tuple[int, tuple]:
        """The point of a cube's finite fields (one mask per field: tool, [method, path class,]
        attribute values) that :func:`.witness.refine_egress` would choose, as one folded index, and
        its preference key after the tool: the lowest tool, method and path class, and for each
        attribute a value no rule names ("(other)", the last index) before the first named one. The
        least point of each mask alone would name a branch or principal the witness does not need."""
        u, index = self.universe, self._overlap
        n_scoped = 3 if u.scoped else 1
        digits, key = [], []
        for k, (size, mask) in enumerate(zip(index.sizes, finite)):
            lowest = (mask & -mask).bit_length() - 1
            if k >= n_scoped and mask >> (size - 1) & 1:  # the attribute's "(other)" value
                digits.append(size - 1)
                key.append((0, 0))
            else:
                digits.append(lowest)
                key.append((1, lowest) if k >= n_scoped else lowest)
        folded = 0
        for size, digit in zip(index.sizes, digits):
            folded = folded * size + digit
        return folded, tuple(key[1:])

    def _violations_by_regions(self, regions: Dict[int, List[tuple]], reported: set, blocked: List, report,
                               invariant: str, line: int, extra) -> bool:
        """Report every responsible rule from exact regions (see :meth:`_allowed_violation`); False when
        the cube cap stops it (``reported``/``blocked`` then hold what was reported, for the solver loop)."""
        z3, t = self.z3, self.terms

        def proved(request: m.Request, k: Optional[int] = None) -> bool:
            # ``allowed`` and ``extra`` are asserted once around all these queries (see below).
            status = self._query([self.enc.request(request)] + ([t.match[k]] if k is not None else []), model=False)
            if status == z3.unsat:
                raise self._mismatch(invariant, f"the set algebra found {request.describe()} but the solver refutes it")
            if status != z3.sat:
                self._tally(status, invariant, line)
                return False
            return True

        self.solver.push()
        try:
            self.solver.add(t.allowed, extra)
            return self._report_regions(regions, reported, blocked, report, proved, invariant, line)
        finally:
            self.solver.pop()

    def _report_regions(self, regions, reported, blocked, report, proved, invariant: str, line: int) -> bool:
        """The loop of :meth:`_violations_by_regions`, inside its solver scope."""
        z3, t, cubes = self.z3, self.terms, self._cubes
        first_match = self.policy.semantics == m.FIRST_MATCH
        left = dict(regions)
        while left:
            best = None
            for j, pieces in left.items():
                key, candidate = self._least(pieces)
                if best is None or key < best[0]:
                    best = (key, j, candidate)
            _, k, request = best
            if not proved(request):
                return True
            before = set(reported)
            report(request)
            new = sorted(reported - before)
            if k not in new:
                raise self._mismatch(invariant, f"{request.describe()} is not allowed by rule '{self.policy.egress[k].id}'")
            blocked += [z3.Not(self._decides(r)) for r in new]
            for j in list(left):
                if j in reported or first_match:  # first-match: the regions of different rules are disjoint
                    if j in reported:
                        del left[j]
                    continue
                pieces: Optional[List[tuple]] = left[j]
                for r in new:
                    pieces = cubes.subtract(pieces, self._cube[r])
                    if pieces is None:
                        return False
                if pieces:
                    left[j] = pieces
                else:
                    del left[j]
        status = self._query(blocked)
        if status == z3.sat:
            raise self._mismatch(invariant, "the solver finds a violation outside every rule the set algebra reported")
        if status != z3.unsat:
            self._tally(status, invariant, line)
            return True
        for k in t.allow_ids:  # deny-overrides: violations inside a reported rule's (see the solver loop)
            if k in regions and k not in reported:
                request = self._least(regions[k])[1]
                if not proved(request, k):
                    return True
                report(request, only=k)
        return True

    def _violates(self, invariant: str, request: m.Request) -> bool:
        """The invariant-specific part of a witness, evaluated."""
        if invariant == "egress-within-allowlist":
            return not ev.within_allowlist(self.policy, request)
        if invariant == "offline-no-egress":
            return request.flag("offline")
        if invariant == "tracking-requires-opt-in":
            return request.tool in self.tracking.tools and not request.flag(self.tracking.opt_in_flag)
        return True

    def egress_within_allowlist(self, line: int) -> None:
        self._allowed_violation(
            "egress-within-allowlist", "policy/egress-outside-allowlist", line, self.z3.Not(self.terms.within),
            lambda r, d: f"{self._explain(d)} allows {r.describe()}, outside the allowlist",
            outside=[entry.match for entry in self.policy.allowlist],
        )

    def offline_no_egress(self, line: int) -> None:
        offline = self.enc.flag["offline"]
        self._allowed_violation(
            "offline-no-egress", "policy/offline-egress", line, offline,
            lambda r, d: f"{self._explain(d)} allows {r.describe()} although offline is set",
        )

    def tracking_requires_opt_in(self, line: int) -> None:
        tools = sorted(self.tracking.tools & set(self.universe.tools))
        if not tools:
            return
        z3 = self.z3
        is_tracker = self.enc.any_of([self.enc.tool == self.enc.bv(self.universe.tool_index[t], self.enc.w_tool) for t in tools])
        flag = self.enc.flag[self.tracking.opt_in_flag]
        self._allowed_violation(
            "tracking-requires-opt-in", "policy/tracking-without-opt-in", line, z3.And(is_tracker, z3.Not(flag)),
            lambda r, d: f"{self._explain(d)} allows tracking {r.describe()} without {self.tracking.opt_in_flag}",
            inside=m.Match(tools=frozenset(tools), when=((self.tracking.opt_in_flag, False),)),
        )

    def tracking_endpoints_allowed(self) -> None:
        z3, enc, t = self.z3, self.enc, self.terms
        for endpoint in self.tracking.endpoints:
            flags = {f: False for f in self.universe.flags}
            flags[self.tracking.opt_in_flag] = True
            request = m.Request(endpoint.tool, endpoint.host, endpoint.port, endpoint.scheme, tuple(sorted(flags.items())))
            if self.universe.scoped:  # the query leaves path and method free; the report shows a logging POST
                request = dataclasses.replace(request, path=normalize_path(urlsplit(endpoint.url).path), method="POST")
            # Only offline and the opt-in are fixed; other flags may take any value.
            fixed = [z3.Not(enc.flag["offline"]), enc.flag[self.tracking.opt_in_flag]]
            core = [enc.tool == enc.bv(self.universe.tool_index[endpoint.tool], enc.w_tool)]
            core.append(_destination(enc, request))
            core += [enc.port == enc.bv(endpoint.port, 16),
                     enc.scheme == enc.bv(self.universe.scheme_index[endpoint.scheme], enc.w_scheme)]
            status = self._query(core + fixed + [t.allowed, t.within])
            what = f"tracking endpoint {endpoint.url}"
            if status == z3.sat:
                self.result.proved += 1
                continue
            if status != z3.unsat:
                self._tally(status, what, endpoint.line)
                continue
            self.result.violated += 1
            decision = ev.decide(self.policy, request)
            inside = ev.within_allowlist(self.policy, request)
            if decision.allowed and inside:
                raise self._mismatch(what, f"{request.describe()} is allowed and inside the allowlist when evaluated")
            reason = f"denied by {self._explain(decision)}" if not decision.allowed else "outside the allowlist"
            self._finding("policy/tracking-endpoint-denied",
                          f"{endpoint.tool} endpoint {endpoint.url} is listed under tracking but {request.describe()} is {reason}",
                          endpoint.line, {"witness": request.to_dict()}, identity=f"endpoint:{endpoint.url}")

    def contract(self, contract: m.Contract) -> None:
        z3, t = self.z3, self.terms
        covered = self.enc.match(contract.match)
        what = f"{contract.kind} contract '{contract.id}'"
        if contract.kind == "must-deny":
            self._allowed_violation(
                what, "policy/must-deny-violated", contract.line, covered,
                lambda r, d: f"{what} fails: {r.describe()} is allowed by {self._explain(d)}",
                violates=lambda r: ev.matches(contract.match, r),
                evidence={"contract": contract.id}, identity=f"must-deny:{contract.id}", at_line=contract.line,
                inside=contract.match)
            return
        status, request = self._egress_witness([covered, z3.Not(t.allowed)])
        if not self._tally(status, what, contract.line):
            return
        decision = ev.decide(self.policy, request)
        if not ev.matches(contract.match, request) or decision.allowed:
            raise self._mismatch(what, f"witness {request.describe()} satisfies the contract when evaluated")
        self._finding("policy/must-allow-violated", f"{what} fails: {request.describe()} is denied by {self._explain(decision)}",
                      contract.line,
                      {"invariant": contract.kind, "contract": contract.id, "witness": request.to_dict(),
                       "rules": self._rules_evidence(decision.rules)},
                      identity=f"{contract.kind}:{contract.id}")

    def admin_gated(self, line: int) -> None:
        """Every admin operation gated: one query; on sat, one witness per offending grant."""
        z3, t = self.z3, self.terms
        ungated = z3.Not(self.enc.gated(self.policy))
        status = self._query([t.permitted, t.is_admin, ungated])
        if not self._tally(status, "admin-gated", line):
            return
        for grant, term in zip(self.policy.grants, t.grant):
            status, request = self._admin_witness([term, t.is_admin, ungated])
            if status != z3.sat:
                continue
            decision = ev.admin_decide(self.policy, request)
            if grant.id not in decision.grants or not decision.admin or ev.gated(self.policy, request):
                raise self._mismatch("admin-gated", f"witness {request.describe()} is gated when evaluated")
            missing = "; or ".join(_missing_gates(g, request) for g in ev.applicable_gates(self.policy, request))
            self._finding("policy/admin-ungated",
                          f"grant '{grant.id}' permits admin operation {request.describe()}; missing gate: {missing}",
                          grant.line,
                          {"invariant": "admin-gated", "witness": dict(request.to_dict()), "grant": grant.id},
                          identity=f"admin-gated:{grant.id}")

    def readonly_admin_exclusive(self, line: int) -> None:
        t = self.terms
        status, request = self._admin_witness([t.permitted, t.read_only, t.is_admin])
        if not self._tally(status, "readonly-admin-exclusive", line):
            return
        decision = ev.admin_decide(self.policy, request)
        if not (decision.read_only and decision.admin):
            raise self._mismatch("readonly-admin-exclusive", f"witness {request.describe()} is not both when evaluated")
        grant = next(g for g in self.policy.grants if g.id in decision.grants and g.mode == m.READ_ONLY)
        self._finding("policy/readonly-admin-overlap",
                      f"read-only grant '{grant.id}' permits admin operation '{request.operation}', "
                      f"so {request.describe()} is both a read-only and an admin action",
                      grant.line, {"invariant": "readonly-admin-exclusive", "witness": dict(request.to_dict())},
                      identity=f"readonly-admin:{grant.id}")

    # -- no new access -----------------------------------------------------------
    def no_new_access(self) -> None:
        """Every rule (and grant) that allows what the base denied, each with its own witness."""
        z3, new, old = self.z3, self.terms, self.base_terms
        base = self.base
        self._allowed_violation(
            "no-new-access", "policy/new-access", self.policy.line, z3.Not(old.allowed),
            lambda r, d: (f"the policy now allows {r.describe()} via {self._explain(d)}; "
                          f"the base policy ({base.path}) denied it"),
            violates=lambda r: not ev.decide(base, r).allowed, identity="new-access")
        if not self.universe.operations:
            return
        status = self._query([new.permitted, z3.Not(old.permitted)])
        if not self._tally(status, "no-new-access (admin)", self.policy.line):
            return
        for grant, term in zip(self.policy.grants, new.grant):
            status, admin = self._admin_witness([term, z3.Not(old.permitted)])
            if status != z3.sat:
                if status != z3.unsat:
                    self._tally(status, f"no-new-access (admin) for grant '{grant.id}'", grant.line)
                continue
            now, before = ev.admin_decide(self.policy, admin), ev.admin_decide(base, admin)
            if grant.id not in now.grants or before.permitted:
                raise self._mismatch("no-new-access (admin)", admin.describe())
            self._finding("policy/new-access",
                          f"grant '{grant.id}' now permits {admin.describe()}; the base policy ({base.path}) did not",
                          grant.line, {"witness": dict(admin.to_dict()), "grants": [grant.id]},
                          identity=f"new-access-admin:{grant.id}")


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _field_names(cls: type) -> Tuple[Tuple[str, bool, Any], ...]:
    """``(name, is a v2 field, default)`` of each field of ``cls`` but its position."""
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple((f.name, bool(f.metadata.get("v2")), f.default) for f in dataclasses.fields(cls)
                                     if f.name not in ("line", "index"))
    return names


_FIELDS: Dict[type, Tuple[Tuple[str, bool, Any], ...]] = {}


def _definition(value: Any, memo: Optional[Dict[Any, Any]] = None) -> Any:
    """A policy object as plain JSON data without its position (``line``, ``index``); sets sorted.

    ``memo`` caches the data of hashable dataclasses (host patterns, port ranges and matches recur
    across rules); callers must not modify what it returns.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        try:
            key = (type(value), value) if memo is not None else None
            done = memo.get(key) if key is not None else None
        except TypeError:  # not hashable
            key = done = None
        if done is None:
            # v2 fields left at their default are omitted, so a version 1 rule's definition is unchanged
            done = {name: _definition(getattr(value, name), memo) for name, v2, default in _field_names(type(value))
                    if not (v2 and getattr(value, name) == default)}
            if key is not None:
                memo[key] = done
        return done
    if isinstance(value, (set, frozenset)):
        return sorted((_definition(v, memo) for v in value), key=lambda v: json.dumps(v, sort_keys=True, default=str))
    if isinstance(value, (list, tuple)):
        return [_definition(v, memo) for v in value]
    if isinstance(value, dict):
        return {str(k): _definition(v, memo) for k, v in value.items()}
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


def _destination(enc: Encoder, request: m.Request):
    """The term pinning only the destination of ``request``."""
    return enc.destination(request.host)


def _missing_gates(gates: m.Gates, request: m.AdminRequest) -> str:
    missing = []
    if gates.opt_in and not request.opt_in:
        missing.append("opt-in")
    if request.approvals < gates.min_approvals:
        missing.append(f"{gates.min_approvals} approval(s)")
    if gates.approver_not_author and request.approver_is_author:
        missing.append("approver other than the author")
    if gates.protected_environments and request.environment not in gates.protected_environments:
        missing.append("protected environment (" + ", ".join(sorted(gates.protected_environments)) + ")")
    return ", ".join(missing)


def prove(policy: m.Policy, options: Optional[ProveOptions] = None, base: Optional[m.Policy] = None) -> ProveResult:
    """Check every enabled invariant of ``policy`` (and no-new-access against ``base``).

    Returns:
        findings plus counts of proved / violated / unknown queries.

    Raises:
        SemanticsMismatch: a witness the evaluator does not confirm (exit 2).
    """
    return Prover(policy, options, base).run()
