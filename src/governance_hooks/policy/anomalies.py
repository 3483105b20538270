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

import ipaddress
from typing import Dict, List, Optional, Sequence, Set

from ..findings import Finding, Location, Severity
from . import evaluate as ev
from . import model as m
from .overlap import OverlapIndex

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
            self._overlap = OverlapIndex(u.hosts, u.tool_index, u.scheme_index, {f: k for k, f in enumerate(u.flags)})
            self._nb = self._overlap.neighbours([r.match for r in self.policy.egress])
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

    def _ask(self, budget: _Budget, *assumptions):
        """One counted assumption query: ``sat``/``unsat``/``unknown``, or ``None`` when the budget is spent."""
        if not budget.take():
            return None
        return self.solver.check(*assumptions)

    def _undecided(self, status, what: str, line: int) -> None:
        severity = Severity.WARNING if self.opts.allow_unknown else Severity.ERROR
        reason = self.solver.reason_unknown() or "unknown"
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
        z3, t, rules = self.z3, self.terms, self.policy.egress
        nb, neg = self._nb, self._negated()
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
            status = self._ask(budget, t.match[i], *[neg[j] for j in cover])
            if status is None:
                return shadowed, list(range(i, len(rules)))
            if status == z3.unsat:
                shadowed.add(i)
                if {"no-shadowed-rules", "no-redundant-rules"} & set(self.policy.invariants):
                    covering = self._cover(budget, t.match[i], [neg[j] for j in cover])
                    self._report_shadow(rule, [rules[cover[k]] for k in covering])
            elif status != z3.sat:
                self._undecided(status, f"shadowing of rule '{rule.id}'", rule.line)
        return shadowed, []

    def _redundancy_pass(self, shadowed: Set[int], budget: _Budget) -> List[int]:
        """Report redundant rules, visiting from last to first; returns the indices not checked."""
        z3, t, rules = self.z3, self.terms, self.policy.egress
        nb, neg = self._nb, self._negated()
        first_match = self.policy.semantics == m.FIRST_MATCH
        removed: Set[int] = set()  # shadowed and redundant: the rules not in K
        removed |= shadowed
        tail = None  # first-match: decision of the kept rules after the current one (None: default deny)
        order = [i for i in range(len(rules) - 1, -1, -1) if i not in shadowed]
        for done, i in enumerate(order):
            self._tick("redundancy", done, len(order))
            rule = rules[i]
            allow = rule.effect == m.ALLOW
            if first_match:
                why = "every request it decides gets the same decision without it, from the rules after it or the default deny"
                earlier = [neg[j] for j in nb[i] if j < i]
                if any(j > i and j not in removed for j in nb[i]):
                    status = self._ask(budget, t.match[i], *earlier, z3.Not(tail) if allow else tail)
                else:
                    status = z3.sat if allow else z3.unsat  # only the default deny follows it here
                if status == z3.unsat:
                    if any(j > i for j in nb[i]):  # alone from P: the rules after it in P decide instead
                        status = self._ask(budget, t.match[i], *earlier,
                                           z3.Not(t.suffix[i + 1]) if allow else t.suffix[i + 1])
            else:
                denies_k = [neg[j] for j in nb[i] if rules[j].effect == m.DENY and j not in removed]
                allows_k = [j for j in nb[i] if rules[j].effect == m.ALLOW and j not in removed]
                if allow:
                    why = "every request it allows is also allowed by another allow rule"
                    # Deleting an allow rule from P denies at least as much as deleting it from K,
                    # so the query on K decides both conditions.
                    status = z3.sat if not allows_k else self._ask(budget, t.match[i], *denies_k, *[neg[j] for j in allows_k])
                else:
                    why = ("every allowed request it matches is also denied by another deny rule" if allows_k else
                           "it overlaps no allow rule, so the default deny already denies what it matches")
                    status = z3.unsat if not allows_k else self._ask(budget, t.match[i], self._any(allows_k), *denies_k)
                    if status == z3.unsat:
                        allows_p = [j for j in nb[i] if rules[j].effect == m.ALLOW]
                        if allows_p:
                            others = [neg[j] for j in nb[i] if rules[j].effect == m.DENY]
                            status = self._ask(budget, t.match[i], self._any(allows_p), *others)
            if status is None:
                return order[done:]
            if status == z3.unsat:
                removed.add(i)
                self._report_redundant(rule, why)
                continue
            if status != z3.sat:
                self._undecided(status, f"redundancy of rule '{rule.id}'", rule.line)
            if first_match:
                kept = z3.Bool(f"kept_from{i}", self.ctx)
                after = tail if tail is not None else self.enc.false
                self.solver.add(kept == (z3.Or(t.match[i], after) if allow else z3.And(z3.Not(t.match[i]), after)))
                tail = kept
        return []

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
        z3, t, rules = self.z3, self.terms, self.policy.egress
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
                if budget.spent or not budget.take(3):
                    unchecked.update((i, j))
                    continue
                request = self._request_from(index.common(compiled[i], compiled[j]))
                a, b = t.match[i], t.match[j]
                statuses = [self.solver.check(self.enc.request(request), a, b),
                            self.solver.check(a, z3.Not(b)), self.solver.check(b, z3.Not(a))]
                if any(s == z3.unknown for s in statuses):
                    self._undecided(z3.unknown, f"conflict of '{earlier.id}' and '{later.id}'", later.line)
                    continue
                if any(s != z3.sat for s in statuses) or not (
                        ev.matches(earlier.match, request) and ev.matches(later.match, request)):
                    raise self._mismatch(f"conflict of '{earlier.id}' and '{later.id}'",
                                         f"{request.describe()}: solver {statuses}, set algebra says they conflict")
                decision = ev.decide(self.policy, request)
                outcome = "allows" if decision.allowed else "denies"
                how = "rule order" if self.policy.semantics == m.FIRST_MATCH else "deny-overrides"
                self._finding("policy/rule-conflict",
                              f"rules '{earlier.id}' ({earlier.effect}, line {earlier.line}) and '{later.id}' "
                              f"({later.effect}, line {later.line}) overlap without one containing the other: "
                              f"{request.describe()} matches both and {how} {outcome} it",
                              later.line,
                              {"rules": self._rules_evidence([earlier.id, later.id]), "witness": request.to_dict()},
                              identity=f"conflict:{earlier.id}:{later.id}")
        return sorted(unchecked)

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
        return m.Request(u.tools[tool], host, port, scheme, flags)

    def _cover(self, budget: _Budget, target, assumptions: List) -> List[int]:
        """Indices into ``assumptions`` (negated rule matches) of a small set of rules whose union
        covers ``target`` (an unsat core, deletion-minimised when small)."""
        z3 = self.z3
        if self._ask(budget, target, *assumptions) != z3.unsat:
            return list(range(len(assumptions)))
        core_ids = {c.get_id() for c in self.solver.unsat_core()}
        chosen = [k for k, a in enumerate(assumptions) if a.get_id() in core_ids]
        if len(chosen) <= 12:
            for k in list(chosen):
                trial = [c for c in chosen if c != k]
                if self._ask(budget, target, *[assumptions[c] for c in trial]) == z3.unsat:
                    chosen = trial
        return chosen

    def _report_shadow(self, rule: m.EgressRule, covering: List[m.EgressRule]) -> None:
        # Replay: the least request the rule matches must be decided without it.
        index = self._index()
        compiled = index.compiled[rule.index]
        request = self._request_from(index.common(compiled, compiled))
        decision = ev.decide(self.policy, request)
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
