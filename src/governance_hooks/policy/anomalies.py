"""Rule anomalies: shadowed, redundant and conflicting egress rules.

Definitions follow Al-Shaer and Hamed, "Discovery of policy anomalies in
distributed firewalls" (INFOCOM 2004), for both policy semantics:

* **shadowed**: the rule never decides a request (first-match: earlier rules
  match everything it matches; deny-overrides: deny rules deny everything an
  allow rule matches);
* **redundant**: deleting the rule changes no decision; rules are visited
  from last to first and a rule found shadowed or redundant no longer counts
  for the ones after, so every reported rule can be deleted together;
* **conflict** (correlation): an allow and a deny rule overlap and neither
  contains the other; a contained exception is intended and not reported.

All questions are assumption queries on the prover's shared solver, asked
only about rules that overlap (:mod:`.overlap`, exact).
"""

from __future__ import annotations

import time

from typing import List

from ..findings import Finding, Location, Severity
from . import evaluate as ev
from . import model as m
from .overlap import OverlapIndex


class AnomalyChecks:
    """Mixed into :class:`~.prove.Prover`; uses its solver, terms, findings and options."""

    def _neighbours(self) -> List[List[int]]:
        """For each egress rule, the other rules it overlaps (exact, see :mod:`.overlap`)."""
        if self._nb is None:
            u = self.universe
            index = OverlapIndex(u.hosts, u.tool_index, u.scheme_index, {f: k for k, f in enumerate(u.flags)})
            self._nb = index.neighbours([r.match for r in self.policy.egress])
        return self._nb

    def shadowed_and_redundant(self, want_shadow: bool, want_redundant: bool, want_set: bool = False) -> set:
        """Report shadowed and redundant rules; returns the indices of shadowed rules.

        Only overlapping rules can shadow a rule or make it redundant, so each
        query assumes the negation of the overlapping rules' literals only,
        and a rule overlapping nothing needs no query at all.
        """
        if not (want_shadow or want_redundant or want_set) or not self.policy.egress:
            return set()
        if len(self.policy.egress) > self.opts.max_anomaly_rules:
            self.result.findings.append(Finding(
                "policy/analysis-incomplete", Severity.WARNING,
                f"rule anomalies (shadowing, redundancy, conflicts) are checked for at most "
                f"{self.opts.max_anomaly_rules} egress rules; this policy has {len(self.policy.egress)}",
                Location(self.policy.path, self.policy.line), identity="anomalies-budget",
            ))
            self._nb = [[] for _ in self.policy.egress]
            return set()
        if self.policy.semantics == m.FIRST_MATCH:
            return self._anomalies_first_match(want_shadow, want_redundant)
        return self._anomalies_deny_overrides(want_shadow, want_redundant)

    def _anomalies_first_match(self, want_shadow: bool, want_redundant: bool) -> set:
        """Shadowing and redundancy under first-match, in one pass from the last rule to the first.

        A rule found shadowed or redundant counts as removed for the rules
        before it, so the reported rules can all be deleted together and the
        policy keeps every decision (two duplicates: only the later one is
        reported). ``tail`` is the decision of the kept rules after the
        current one, extended one literal per kept rule.
        """
        z3, t, rules = self.z3, self.terms, self.policy.egress
        nb, neg = self._neighbours(), self._negated()
        shadowed: set = set()
        removed: set = set()
        tail = None  # None: no kept rule after this one (the default deny)
        clock = _Deadline(self, len(rules))
        for i in range(len(rules) - 1, -1, -1):
            if clock.expired(len(rules) - 1 - i):
                break
            rule = rules[i]
            earlier = [j for j in nb[i] if j < i]
            no_earlier = [neg[j] for j in earlier]
            if earlier:
                status = self.solver.check(t.match[i], *no_earlier)
                if status == z3.unsat:
                    shadowed.add(i)
                    removed.add(i)
                    if want_shadow:
                        covering = self._cover(t.match[i], no_earlier)
                        self._report_shadow(rule, [rules[earlier[k]] for k in covering], "earlier")
                    continue
                if status != z3.sat:
                    self._tally(status, f"shadowing of rule '{rule.id}'", rule.line)
            redundant = False
            if want_redundant:
                if not any(j > i and j not in removed for j in nb[i]):
                    redundant = rule.effect == m.DENY  # its requests fall to the default deny without it
                    why = "nothing after it overlaps it, so the default deny already denies every request it decides"
                else:
                    differs = z3.Not(tail) if rule.effect == m.ALLOW else tail
                    status = self.solver.check(t.match[i], *no_earlier, differs)
                    redundant = status == z3.unsat
                    why = "every request it decides gets the same decision from the rules after it or the default deny"
                    if status not in (z3.sat, z3.unsat):
                        self._tally(status, f"redundancy of rule '{rule.id}'", rule.line)
            if redundant:
                removed.add(i)
                self._report_redundant(rule, why)
                continue
            kept = z3.Bool(f"kept_from{i}", self.ctx)
            after = tail if tail is not None else self.enc.false
            if rule.effect == m.ALLOW:
                self.solver.add(kept == z3.Or(t.match[i], after))
            else:
                self.solver.add(kept == z3.And(z3.Not(t.match[i]), after))
            tail = kept
        return shadowed

    def _anomalies_deny_overrides(self, want_shadow: bool, want_redundant: bool) -> set:
        """Shadowing and redundancy under deny-overrides, removing as it goes (see the first-match pass).

        Allow rules are visited last to first, then deny rules; a rule found
        shadowed or redundant no longer counts for the rules visited after it.
        """
        z3, t, rules = self.z3, self.terms, self.policy.egress
        nb, neg = self._neighbours(), self._negated()
        shadowed: set = set()
        removed: set = set()
        clock = _Deadline(self, len(t.allow_ids) + (len(t.deny_ids) if want_redundant else 0))
        for done, i in enumerate(reversed(t.allow_ids)):
            if clock.expired(done):
                return shadowed
            rule = rules[i]
            denies = [j for j in nb[i] if rules[j].effect == m.DENY]
            allows = [j for j in nb[i] if rules[j].effect == m.ALLOW and j not in removed]
            no_deny = [neg[j] for j in denies]
            if denies:
                status = self.solver.check(t.match[i], *no_deny)
                if status == z3.unsat:
                    shadowed.add(i)
                    removed.add(i)
                    if want_shadow:
                        covering = self._cover(t.match[i], no_deny)
                        self._report_shadow(rule, [rules[denies[k]] for k in covering], "deny")
                    continue
                if status != z3.sat:
                    self._tally(status, f"shadowing of rule '{rule.id}'", rule.line)
                    continue
            if want_redundant and allows:
                status = self.solver.check(t.match[i], *no_deny, *[neg[j] for j in allows])
                if status == z3.unsat:
                    removed.add(i)
                    self._report_redundant(rule, "every request it allows is also allowed by another allow rule")
                elif status != z3.sat:
                    self._tally(status, f"redundancy of rule '{rule.id}'", rule.line)
        if want_redundant:
            for done, i in enumerate(reversed(t.deny_ids), start=len(t.allow_ids)):
                if clock.expired(done):
                    break
                rule = rules[i]
                allows = [j for j in nb[i] if rules[j].effect == m.ALLOW and j not in removed]
                if not allows:
                    removed.add(i)
                    self._report_redundant(rule, "it overlaps no allow rule, so the default deny already denies what it matches")
                    continue
                others = [neg[j] for j in nb[i] if rules[j].effect == m.DENY and j not in removed]
                self.solver.push()
                self.solver.add(self.enc.any_of([t.match[j] for j in allows]))
                status = self.solver.check(t.match[i], *others)
                self.solver.pop()
                if status == z3.unsat:
                    removed.add(i)
                    self._report_redundant(rule, "every allowed request it matches is also denied by another deny rule")
                elif status != z3.sat:
                    self._tally(status, f"redundancy of rule '{rule.id}'", rule.line)
        return shadowed

    def _negated(self) -> List:
        """``Not(match)`` of every egress rule, built once: the passes below reuse each one for
        every rule it overlaps, and building z3 terms dominates large policies otherwise."""
        if self._negated_terms is None:
            self._negated_terms = [self.z3.Not(term) for term in self.terms.match]
        return self._negated_terms

    def _cover(self, target, assumptions: List) -> List[int]:
        """Indices into ``assumptions`` (negated rule matches) of a small set of rules whose union
        covers ``target`` (an unsat core)."""
        z3 = self.z3
        if self.solver.check(target, *assumptions) != z3.unsat:
            return list(range(len(assumptions)))
        core_ids = {c.get_id() for c in self.solver.unsat_core()}
        chosen = [k for k, a in enumerate(assumptions) if a.get_id() in core_ids]
        if len(chosen) <= 12:  # deletion-minimise small cores
            for k in list(chosen):
                trial = [c for c in chosen if c != k]
                if self.solver.check(target, *[assumptions[c] for c in trial]) == z3.unsat:
                    chosen = trial
        return chosen

    def _report_shadow(self, rule: m.EgressRule, covering: List[m.EgressRule], how: str) -> None:
        # Replay: a request the rule matches must be decided by a covering rule, not by it.
        status, model = self._query([self.terms.match[rule.index]])
        if status == self.z3.sat:
            request = self.enc.decode(model)
            decision = ev.decide(self.policy, request)
            if rule.id in decision.rules and (self.policy.semantics == m.FIRST_MATCH or rule.effect == m.ALLOW):
                raise self._mismatch(f"shadowing of rule '{rule.id}'", f"{request.describe()} is decided by it")
        names = ", ".join(f"'{r.id}' (line {r.line})" for r in covering)
        if how == "deny":
            message = f"allow rule '{rule.id}' never allows anything: every request it matches is denied by {names}"
        else:
            message = f"rule '{rule.id}' never applies: every request it matches is decided first by {names}"
        self._finding("policy/shadowed-rule", message, rule.line,
                      {"rule": rule.id, "shadowed_by": [r.id for r in covering]}, identity=f"shadowed:{rule.id}")

    def _report_redundant(self, rule: m.EgressRule, why: str) -> None:
        self._finding("policy/redundant-rule", f"rule '{rule.id}' is redundant: {why}", rule.line,
                      {"rule": rule.id}, identity=f"redundant:{rule.id}")

    def conflicts(self, shadowed: set) -> None:
        """Allow/deny pairs that overlap with neither containing the other (correlation anomaly)."""
        z3, t, rules = self.z3, self.terms, self.policy.egress
        budget = self.opts.max_pair_checks
        skipped = 0
        nb = self._neighbours()
        end = time.monotonic() + self.opts.anomaly_seconds  # each conflict also costs a witness search
        timed_out = False
        for j, later in enumerate(rules):
            if j in shadowed:
                continue
            for i in nb[j]:
                if i >= j:
                    break
                earlier = rules[i]
                if earlier.effect == later.effect or i in shadowed:
                    continue
                if budget > 0 and not timed_out and time.monotonic() > end:
                    timed_out = True
                if budget <= 0 or timed_out:
                    skipped += 1
                    continue
                budget -= 2
                a, b = t.match[i], t.match[j]
                if self.solver.check(a, z3.Not(b)) != z3.sat or self.solver.check(b, z3.Not(a)) != z3.sat:
                    continue  # one contains the other: shadowing or an intended exception
                status, request = self._egress_witness([], [a, b])
                if status != z3.sat:
                    continue
                if not (ev.matches(earlier.match, request) and ev.matches(later.match, request)):
                    raise self._mismatch(f"conflict of '{earlier.id}' and '{later.id}'", f"{request.describe()} does not match both")
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
        if skipped:
            spent = (f"{self.opts.max_pair_checks - budget} solver queries, when its "
                     f"{self.opts.anomaly_seconds:g} s budget ran out" if timed_out
                     else f"{self.opts.max_pair_checks} solver queries")
            self.result.findings.append(Finding(
                "policy/analysis-incomplete", Severity.WARNING,
                f"conflict search stopped after {spent}; {skipped} overlapping rule pairs unchecked",
                Location(self.policy.path, self.policy.line), identity="conflicts-budget",
            ))


class _Deadline:
    """The wall-clock budget of one anomaly pass (``ProveOptions.anomaly_seconds``).

    Each rule costs solver queries over every rule it overlaps, so a large policy of
    mutually overlapping rules could run for hours; past the budget the pass stops
    and says how far it got, as a ``policy/analysis-incomplete`` warning.
    """

    def __init__(self, prover, total: int):
        self.prover = prover
        self.total = total
        self.end = time.monotonic() + prover.opts.anomaly_seconds

    def expired(self, done: int) -> bool:
        """True (after recording the finding) when the budget is spent with ``done`` of ``total`` rules checked."""
        if time.monotonic() <= self.end:
            return False
        policy = self.prover.policy
        self.prover.result.findings.append(Finding(
            "policy/analysis-incomplete", Severity.WARNING,
            f"rule anomalies (shadowing, redundancy) were checked for {done} of {self.total} egress rules "
            f"before the {self.prover.opts.anomaly_seconds:g} s budget ran out; the others were not checked",
            Location(policy.path, policy.line), identity="anomalies-time-budget",
        ))
        return True
