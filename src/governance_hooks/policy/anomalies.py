"""Rule anomalies: shadowed, redundant and conflicting egress rules.

The definitions are in ``docs/policy.md`` ("Rule anomalies"); in short, for
a policy ``P`` whose decision on a request ``q`` is ``D_P(q)``:

* **shadowed** rule ``r``: ``r`` decides no request. First-match: every request
  ``r`` matches is matched by an earlier rule. Deny-overrides (allow rules
  only): every request ``r`` matches is matched by a deny rule.
* **redundant** rule ``r`` (not shadowed): rules are visited from last to
  first; with ``S`` the shadowed rules and ``R`` the redundant ones found so
  far, ``r`` is redundant iff deleting it from ``K = P - S - R`` changes no
  decision *and* deleting it alone from ``P`` changes no decision. Each report
  is therefore true on its own, and ``S + R`` can be deleted together.
* **conflict**: an allow and a deny rule, neither shadowed, that overlap
  while neither contains the other (Al-Shaer and Hamed's correlation; an
  exception inside a broader rule of the other effect is intended).

Every report is proved by a solver query whose meaning is the definition
(an ``unsat`` for shadowed and redundant, three ``sat`` for a conflict), and
each witness is replayed through the evaluator. Which queries to ask at all
comes from exact set algebra on the rules (:mod:`.overlap`). Budgets count
solver queries (each bounded by ``rlimit``), never wall time, so the result
is a function of the input; a pass stopped by its budget names every rule it
did not check.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from typing import List, Optional, Sequence, Set

from ..findings import Finding, Location, Severity
from . import evaluate as ev
from . import model as m
from .overlap import Cubes, OverlapIndex

MAX_LISTED = 20  # rule ids named in a message; the evidence lists all


class _Budget:
    """Solver queries the anomaly passes may still ask."""

    def __init__(self, limit: int):
        self.limit = limit
        self.used = 0

    def take(self, n: int = 1) -> bool:
        if self.used + n > self.limit:
            self.used = self.limit
            return False
        self.used += n
        return True

    @property
    def spent(self) -> bool:
        return self.used >= self.limit


class AnomalyChecks:
    """Mixed into :class:`~.prove.Prover`; uses its solver, terms, findings and options."""

    def _index(self) -> OverlapIndex:
        if self._overlap is None:
            u = self.universe
            self._overlap = OverlapIndex(u.hosts, u.tool_index, u.scheme_index, {f: k for k, f in enumerate(u.flags)},
                                         *((u.method_index, u.paths) if u.scoped else (None, None)),
                                         u.attribute_index)
            self._nb = self._overlap.neighbours([r.match for r in self.policy.egress])
            self._cubes = Cubes(self._overlap)
            self._cube = [self._cubes.of(c) for c in self._overlap.compiled]
        return self._overlap

    def _neighbours(self) -> List[List[int]]:
        """For each egress rule, the other rules it overlaps (exact, see :mod:`.overlap`)."""
        self._index()
        return self._nb

    def _negated(self) -> List:
        """``Not(match)`` of every egress rule, built once and reused in every query."""
        if self._negated_terms is None:
            self._negated_terms = [self.z3.Not(term) for term in self.terms.match]
        return self._negated_terms

    def _ask(self, budget: _Budget, *terms):
        """One counted query: is the conjunction of ``terms`` satisfiable? ``None`` when the budget is spent.

        Asked on a small solver holding only the request domain and the terms of the rules
        involved (their neighbours), so a query costs the same in a policy of 100 or 10,000 rules.
        """
        if not budget.take():
            return None
        if self._scratch is None:
            # The SMT core with its bit-vector theory: on these small push/pop queries it answers
            # about a quarter faster than the QF_BV bit-blasting pipeline the main solver uses.
            self._scratch = self.z3.SimpleSolver(ctx=self.ctx)
            self._scratch.set("random_seed", self.opts.seed)
            self._scratch.set("rlimit", self.opts.rlimit)
            self._scratch.add(self.enc.domain())
        self._scratch.push()
        try:
            assert_ast, ref, native = self.z3.z3core.Z3_solver_assert, self.ctx.ref(), self._scratch.solver
            for term in terms:  # Solver.add casts every term in Python
                assert_ast(ref, native, term.as_ast())
            status = self._scratch.check()
            if status == self.z3.unknown:
                self._last_unknown = self._scratch.reason_unknown() or "unknown"
            return status
        finally:
            self._scratch.pop()

    def _m(self, i: int):
        """The match term of egress rule ``i``."""
        return self.enc.match(self.policy.egress[i].match)

    def _n(self, i: int):
        """``Not(match)`` of egress rule ``i``, built once."""
        term = self._not_cache.get(i)
        if term is None:
            term = self._not_cache[i] = self.z3.Not(self._m(i))
        return term

    def _fm_after(self, later: Sequence[int], allow: bool):
        """First-match: "the rules ``later`` (in order, then the default deny) decide differently from
        an ``allow`` (or deny) rule" as a term."""
        z3, rules, enc = self.z3, self.policy.egress, self.enc
        core = z3.z3core
        acc = enc.false
        for j in reversed(list(later)):  # the C API directly: z3.Or/And coerce every argument in Python
            acc = enc._nary(core.Z3_mk_or, [self._m(j), acc]) if rules[j].effect == m.ALLOW else \
                enc._nary(core.Z3_mk_and, [self._n(j), acc])
        return z3.BoolRef(core.Z3_mk_not(self.ctx.ref(), acc.as_ast()), self.ctx) if allow else acc

    def _undecided(self, status, what: str, line: int) -> None:
        severity = Severity.WARNING if self.opts.allow_unknown else Severity.ERROR
        reason = self._last_unknown
        self.result.unknown += 1
        self.result.findings.append(Finding(
            "policy/analysis-incomplete", severity, f"could not decide {what} within rlimit {self.opts.rlimit} ({reason})",
            Location(self.policy.path, line), identity=f"unknown:{what}"))

    # -- the passes ----------------------------------------------------------------
    def anomalies(self, want_shadow: bool, want_redundant: bool, want_conflicts: bool) -> None:
        """Run the enabled anomaly passes and report (see the module docstring for the definitions)."""
        rules = self.policy.egress
        if not rules or not (want_shadow or want_redundant or want_conflicts):
            return
        budget = _Budget(self.opts.anomaly_queries)
        self._neighbours()
        shadowed, not_shadow_checked = self._shadow_pass(budget)
        not_redundancy_checked: List[int] = []
        not_conflict_checked: List[int] = []
        if want_redundant:
            not_redundancy_checked = self._redundancy_pass(shadowed, budget)
        if want_conflicts:
            not_conflict_checked = self._conflict_pass(shadowed, budget)
        gaps = [(what, ids) for what, ids, wanted in (
            ("shadowing", not_shadow_checked, True),
            ("redundancy", not_redundancy_checked, want_redundant),
            ("conflicts", not_conflict_checked, want_conflicts)) if wanted and ids]
        if gaps:
            parts = []
            for what, ids in gaps:
                names = [rules[i].id for i in sorted(ids)]
                shown = ", ".join(names[:MAX_LISTED]) + (f" (+{len(names) - MAX_LISTED} more)" if len(names) > MAX_LISTED else "")
                parts.append(f"{what} not checked for {len(names)} rule(s): {shown}")
            self.result.findings.append(Finding(
                "policy/analysis-incomplete", self.opts.budget_severity,
                f"rule anomalies stopped at the budget of {self.opts.anomaly_queries} solver queries; " + "; ".join(parts),
                Location(self.policy.path, self.policy.line),
                evidence={what: [rules[i].id for i in sorted(ids)] for what, ids in gaps},
                identity="anomalies-budget"))

    def _shadow_pass(self, budget: _Budget):
        """``(shadowed indices, indices not checked)``; reports each shadowed rule (when enabled).

        Always run: redundancy and conflicts are defined on the rules that are not shadowed.
        """
        z3, rules = self.z3, self.policy.egress
        nb = self._nb
        first_match = self.policy.semantics == m.FIRST_MATCH
        shadowed: Set[int] = set()
        for i, rule in enumerate(rules):
            self._tick("shadowing", i, len(rules))
            if first_match:
                cover = [j for j in nb[i] if j < i]
            elif rule.effect == m.ALLOW:
                cover = [j for j in nb[i] if rules[j].effect == m.DENY]
            else:
                cover = []  # under deny-overrides a deny rule always takes effect where it matches
            if not cover:
                continue  # a rule is never empty, so something it matches escapes every other rule
            verdict = self._cubes.covered(self._cube[i], [self._cube[j] for j in cover])
            if verdict is False:
                continue  # exact set algebra: part of the rule escapes every covering rule
            wanted = bool({"no-shadowed-rules", "no-redundant-rules"} & set(self.policy.invariants))
            chosen = self._minimal_cover(i, cover) if verdict is True and wanted else cover
            # The proof (or the decision). A covering subset found by the set algebra is proved
            # directly: it covers rule i only if the whole cover does, so one query proves both.
            status = self._ask(budget, self._m(i), *[self._n(j) for j in chosen])
            if chosen != cover and status not in (None, z3.sat, z3.unsat):
                chosen = cover
                status = self._ask(budget, self._m(i), *[self._n(j) for j in cover])
            if status is None:
                return shadowed, list(range(i, len(rules)))
            self._agree(verdict, status, f"shadowing of rule '{rule.id}'")
            if status == z3.unsat:
                shadowed.add(i)
                if wanted:
                    self._report_shadow(rule, [rules[k] for k in chosen])
            elif status != z3.sat:
                self._undecided(status, f"shadowing of rule '{rule.id}'", rule.line)
        return shadowed, []

    def _redundancy_pass(self, shadowed: Set[int], budget: _Budget) -> List[int]:
        """Report redundant rules, visiting from last to first; returns the indices not checked."""
        z3, rules = self.z3, self.policy.egress
        nb = self._nb
        first_match = self.policy.semantics == m.FIRST_MATCH
        removed: Set[int] = set()  # shadowed and redundant: the rules not in K
        removed |= shadowed
        order = [i for i in range(len(rules) - 1, -1, -1) if i not in shadowed]
        for done, i in enumerate(order):
            self._tick("redundancy", done, len(order))
            rule = rules[i]
            allow = rule.effect == m.ALLOW
            if first_match:
                why = "every request it decides gets the same decision without it, from the rules after it or the default deny"
                earlier = [self._n(j) for j in nb[i] if j < i]
                kept_later = [j for j in nb[i] if j > i and j not in removed]
                if kept_later:
                    verdict = self._fm_same(i, kept_later)
                    status = z3.sat if verdict is False else self._ask(budget, self._m(i), *earlier,
                                                                        self._fm_after(kept_later, allow))
                    self._agree(verdict, status, f"redundancy of rule '{rule.id}'")
                else:
                    status = z3.sat if allow else z3.unsat  # only the default deny follows it here
                if status == z3.unsat:
                    later = [j for j in nb[i] if j > i]
                    if later and later != kept_later:  # alone from P: the rules after it in P decide instead
                        verdict = self._fm_same(i, later)
                        status = z3.sat if verdict is False else self._ask(
                            budget, self._m(i), *earlier, self._fm_after(later, allow))
                        self._agree(verdict, status, f"redundancy of rule '{rule.id}'")
            else:
                denies_k = [self._n(j) for j in nb[i] if rules[j].effect == m.DENY and j not in removed]
                allows_k = [j for j in nb[i] if rules[j].effect == m.ALLOW and j not in removed]
                if allow:
                    why = "every request it allows is also allowed by another allow rule"
                    # Deleting an allow rule from P denies at least as much as deleting it from K,
                    # so the query on K decides both conditions.
                    if not allows_k:
                        status = z3.sat
                    else:
                        covers = [j for j in nb[i] if j not in removed]
                        verdict = self._cubes.covered(self._cube[i], [self._cube[j] for j in covers])
                        status = z3.sat if verdict is False else self._ask(
                            budget, self._m(i), *denies_k, *[self._n(j) for j in allows_k])
                        self._agree(verdict, status, f"redundancy of rule '{rule.id}'")
                else:
                    why = ("every allowed request it matches is also denied by another deny rule" if allows_k else
                           "it overlaps no allow rule, so the default deny already denies what it matches")
                    if not allows_k:
                        status = z3.unsat
                    else:
                        other_k = [j for j in nb[i] if rules[j].effect == m.DENY and j not in removed]
                        verdict = self._do_deny_same(i, allows_k, other_k)
                        status = z3.sat if verdict is False else self._ask(
                            budget, self._m(i), self.enc.any_of([self._m(j) for j in allows_k]), *denies_k)
                        self._agree(verdict, status, f"redundancy of rule '{rule.id}'")
                    if status == z3.unsat:
                        allows_p = [j for j in nb[i] if rules[j].effect == m.ALLOW]
                        if allows_p and allows_p != allows_k:
                            others_p = [j for j in nb[i] if rules[j].effect == m.DENY]
                            verdict = self._do_deny_same(i, allows_p, others_p)
                            status = z3.sat if verdict is False else self._ask(
                                budget, self._m(i), self.enc.any_of([self._m(j) for j in allows_p]),
                                *[self._n(j) for j in others_p])
                            self._agree(verdict, status, f"redundancy of rule '{rule.id}'")
            if status is None:
                return order[done:]
            if status == z3.unsat:
                removed.add(i)
                self._report_redundant(rule, why)
                continue
            if status != z3.sat:
                self._undecided(status, f"redundancy of rule '{rule.id}'", rule.line)
        return []

    def _decide_near(self, i: int, request: m.Request) -> ev.Decision:
        """The evaluator's decision on a request that rule ``i`` matches. Only rules overlapping rule
        ``i`` can match it (exact overlap index), so the evaluator runs on those, in policy order."""
        near = sorted({i, *self._nb[i]})
        return ev.decide(dataclasses.replace(self.policy, egress=tuple(self.policy.egress[k] for k in near)), request)

    def _agree(self, verdict: Optional[bool], status, what: str) -> None:
        """The set algebra said "covered" (True): the solver must prove it (unsat)."""
        if verdict is True and status == self.z3.sat:
            raise self._mismatch(what, "the set algebra found the rule covered but the solver found a request it decides")

    def _fm_same(self, i: int, later: Sequence[int]) -> Optional[bool]:
        """First-match: do the rules ``later`` (in order, then the default deny) decide every request
        rule ``i`` decides the way ``i`` does? ``None`` past the cube cap."""
        cube, rules = self._cube, self.policy.egress
        effect = rules[i].effect
        earlier = [(cube[j], None) for j in self._nb[i] if j < i]
        # What is left after the later rules falls to the default deny.
        return self._cubes.decided(cube[i], earlier + [(cube[j], rules[j].effect == effect) for j in later], effect == m.DENY)

    def _do_deny_same(self, i: int, allows: Sequence[int], denies: Sequence[int]) -> Optional[bool]:
        """Deny-overrides: is every request deny rule ``i`` and one of ``allows`` match also matched
        by one of ``denies``? ``None`` past the cube cap."""
        cubes, cube = self._cubes, self._cube
        covers = [cube[j] for j in denies if j != i]
        for a in allows:
            both = cubes.meet(cube[i], cube[a])
            if both is None:
                continue
            verdict = cubes.covered(both, covers)
            if verdict is not True:
                return verdict
        return True

    def _any(self, indices: Sequence[int]):
        """A literal defined as "some of these rules matches" (cached: assumption queries take literals)."""
        key = tuple(indices)
        lit = self._any_cache.get(key)
        if lit is None:
            lit = self.z3.Bool(f"any{len(self._any_cache)}", self.ctx)
            self.solver.add(lit == self.enc.any_of([self.terms.match[j] for j in indices]))
            self._any_cache[key] = lit
        return lit

    def _conflict_pass(self, shadowed: Set[int], budget: _Budget) -> List[int]:
        """Report allow/deny pairs that overlap with neither containing the other; returns rules not checked."""
        rules = self.policy.egress
        index, nb = self._index(), self._nb
        compiled = index.compiled
        unchecked: Set[int] = set()
        for j, later in enumerate(rules):
            self._tick("conflicts", j, len(rules))
            if j in shadowed:
                continue
            for i in nb[j]:
                if i >= j:
                    break
                earlier = rules[i]
                if earlier.effect == later.effect or i in shadowed:
                    continue
                if index.contains(compiled[i], compiled[j]) or index.contains(compiled[j], compiled[i]):
                    continue
                if budget.spent or not budget.take(1):
                    unchecked.update((i, j))
                    continue
                request = self._request_from(index.common(compiled[i], compiled[j]))
                only_a = self._request_from(self._cubes.least_outside(self._cube[i], self._cube[j]))
                only_b = self._request_from(self._cubes.least_outside(self._cube[j], self._cube[i]))
                # Each part of the definition is a satisfiability claim; its certificate is a
                # concrete request, checked against the z3 encoding of the two rules (model check)
                # and against the evaluator. The requests are shown in the evidence.
                # (A conjunction holds at a request iff each conjunct does: each rule's term is evaluated
                # once per request, and the same requests recur across a rule's conflicts.)
                holds = self._holds
                certified = [holds(i, request) and holds(j, request), holds(i, only_a) and not holds(j, only_a),
                             holds(j, only_b) and not holds(i, only_b)]
                replayed = [ev.matches(earlier.match, request) and ev.matches(later.match, request),
                            ev.matches(earlier.match, only_a) and not ev.matches(later.match, only_a),
                            ev.matches(later.match, only_b) and not ev.matches(earlier.match, only_b)]
                if not all(certified) or not all(replayed):
                    raise self._mismatch(f"conflict of '{earlier.id}' and '{later.id}'",
                                         f"{request.describe()}: encoding {certified}, evaluator {replayed}")
                decision = self._decide_near(i, request)
                outcome = "allows" if decision.allowed else "denies"
                how = "rule order" if self.policy.semantics == m.FIRST_MATCH else "deny-overrides"
                self._finding("policy/rule-conflict",
                              f"rules '{earlier.id}' ({earlier.effect}, line {earlier.line}) and '{later.id}' "
                              f"({later.effect}, line {later.line}) overlap without one containing the other: "
                              f"{request.describe()} matches both and {how} {outcome} it",
                              later.line,
                              {"rules": self._rules_evidence([earlier.id, later.id]), "witness": request.to_dict(),
                               "only_first": only_a.to_dict(), "only_second": only_b.to_dict()},
                              identity=f"conflict:{earlier.id}:{later.id}")
        return sorted(unchecked)

    def _holds(self, i: int, request: m.Request) -> bool:
        """Does the z3 match term of egress rule ``i`` hold at ``request`` (:meth:`.Encoder.holds`)? Cached."""
        key = (i, request)
        value = self._holds_cache.get(key)
        if value is None:
            value = self._holds_cache[key] = self.enc.holds(self._m(i), request)
        return value

    # -- reports -------------------------------------------------------------------
    def _request_from(self, common) -> m.Request:
        """The concrete request of :meth:`OverlapIndex.common`."""
        u = self.universe
        tool, schemes, field, value, port, must_true = common
        scheme = next((s for s in ("https", "http") if s in u.scheme_index and schemes >> u.scheme_index[s] & 1),
                      None) or u.schemes[(schemes & -schemes).bit_length() - 1]
        if field == "names":
            host = u.hosts.representatives[value]
        elif field == "v4":
            host = str(ipaddress.IPv4Address(value))
        else:
            host = str(ipaddress.IPv6Address(value))
        flags = tuple((f, bool(must_true >> k & 1)) for k, f in enumerate(u.flags))
        if not u.scoped and not u.attributes:
            return m.Request(u.tools[tool], host, port, scheme, flags)
        # The tool mask folds in methods, path classes and attribute values.
        tool, *rest = self._overlap.split(tool)
        path = method = None
        if u.scoped:
            method, path = u.methods[rest[0]], u.paths.representatives[rest[1]]
            rest = rest[2:]
        attributes = tuple((a, values[k] if k < len(values) else None) for (a, values), k in zip(u.attributes.items(), rest))
        return m.Request(u.tools[tool], host, port, scheme, flags, path, method, attributes)

    def _minimal_cover(self, i: int, cover: List[int]) -> List[int]:
        """A small subset of ``cover`` (rule indices) whose union covers rule ``i``, deletion-minimised
        with the set algebra (the caller proves it with one solver query)."""
        cubes, cube = self._cubes, self._cube
        chosen = list(cover)
        if len(chosen) <= 12:  # as the unsat-core minimisation did: longer covers are named whole
            for k in reversed(list(chosen)):  # keep the earliest rules: they read as the cause
                trial = [c for c in chosen if c != k]
                if trial and cubes.covered(cube[i], [cube[c] for c in trial]) is True:
                    chosen = trial
        return chosen

    def _report_shadow(self, rule: m.EgressRule, covering: List[m.EgressRule]) -> None:
        # Replay: the least request the rule matches must be decided without it.
        index = self._index()
        compiled = index.compiled[rule.index]
        request = self._request_from(index.common(compiled, compiled))
        decision = self._decide_near(rule.index, request)
        if rule.id in decision.rules and (self.policy.semantics == m.FIRST_MATCH or rule.effect == m.ALLOW):
            raise self._mismatch(f"shadowing of rule '{rule.id}'", f"{request.describe()} is decided by it")
        names = ", ".join(f"'{r.id}' (line {r.line})" for r in covering)
        if "no-shadowed-rules" not in self.policy.invariants:
            # Shadowed rules are redundant too: with that warning off they are reported as redundant.
            self._report_redundant(rule, f"it never decides a request: every request it matches is decided by {names}")
            return
        if self.policy.semantics == m.FIRST_MATCH:
            message = f"rule '{rule.id}' never applies: every request it matches is decided first by {names}"
        else:
            message = f"allow rule '{rule.id}' never allows anything: every request it matches is denied by {names}"
        self._finding("policy/shadowed-rule", message, rule.line,
                      {"rule": rule.id, "shadowed_by": [r.id for r in covering], "example": request.to_dict()},
                      identity=f"shadowed:{rule.id}")

    def _report_redundant(self, rule: m.EgressRule, why: str) -> None:
        if "no-redundant-rules" not in self.policy.invariants:
            return
        self._finding("policy/redundant-rule", f"rule '{rule.id}' is redundant: {why}", rule.line,
                      {"rule": rule.id}, identity=f"redundant:{rule.id}")

    def _tick(self, what: str, done: int, total: int) -> None:
        if self.opts.progress is not None and done % 256 == 0:
            self.opts.progress(f"policy {self.policy.path}: {what}", done, total)
