"""The reference semantics: a plain-Python evaluator of concrete requests.

The z3 encoding (:mod:`.encode`) must agree with these functions on every
request; each solver witness is replayed here and a disagreement stops the
check (:class:`SemanticsMismatch`, exit 2). Semantics (``docs/policy.md``):

* a :class:`~.model.Match` selects a request when every present field
  contains the request's value (tools, hosts, ports, schemes, methods; a path
  lies under one of the path prefixes) and every ``when`` flag has the stated value;
* ``deny-overrides``: allowed iff some allow rule and no deny rule matches;
  ``first-match``: the first matching rule decides; no match denies;
* an admin request is permitted iff some grant lists its operation and every
  requirement of that grant holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

from ..errors import ToolError
from . import model as m
from .hosts import host_matches
from .paths import prefix_matches


class SemanticsMismatch(ToolError):
    """The solver and the reference evaluator disagree: an internal error (exit 2)."""


@dataclass(frozen=True)
class Decision:
    """An egress decision and the rule ids that made it (empty for the default deny)."""

    allowed: bool
    rules: Tuple[str, ...]


def matches(match: m.Match, request: m.Request) -> bool:
    """True when ``match`` selects ``request``."""
    return _matches(match, request, dict(request.flags))


def _matches(match: m.Match, request: m.Request, flags) -> bool:
    if match.tools is not None and request.tool not in match.tools:
        return False
    if match.schemes is not None and request.scheme not in match.schemes:
        return False
    if match.ports is not None and not any(p.lo <= request.port <= p.hi for p in match.ports):
        return False
    for flag, value in match.when:
        if flags.get(flag, False) != value:
            return False
    if match.hosts is not None and not any(host_matches(p, request.host) for p in match.hosts):
        return False
    if match.methods is not None and (request.method or "GET") not in match.methods:
        return False
    if match.paths is not None and not any(prefix_matches(p, request.path or "/") for p in match.paths):
        return False
    for name, values, negated in match.attributes:
        if (request.attribute(name) in values) == negated:
            return False
    return True


def decide(policy: m.Policy, request: m.Request) -> Decision:
    """The policy's decision on ``request`` and the deciding rules.

    With deny-overrides the deciding rules are every matching deny rule if any,
    else every matching allow rule; with first-match, the first matching rule.
    """
    flags = dict(request.flags)
    if policy.semantics == m.FIRST_MATCH:
        for rule in policy.egress:
            if _matches(rule.match, request, flags):
                return Decision(rule.effect == m.ALLOW, (rule.id,))
        return Decision(False, ())
    allows, denies = [], []
    for rule in policy.egress:
        if _matches(rule.match, request, flags):
            (allows if rule.effect == m.ALLOW else denies).append(rule.id)
    if denies:
        return Decision(False, tuple(denies))
    return Decision(bool(allows), tuple(allows))


def within_allowlist(policy: m.Policy, request: m.Request) -> bool:
    """True when some allowlist entry contains the request's destination."""
    return any(matches(entry.match, request) for entry in policy.allowlist)


@dataclass(frozen=True)
class AdminDecision:
    """Whether an admin request is permitted, by which grants, and as what kind of action."""

    permitted: bool
    grants: Tuple[str, ...]
    read_only: bool
    admin: bool


def grant_matches(grant: m.Grant, request: m.AdminRequest) -> bool:
    """True when ``grant`` covers the operation and all its requirements hold."""
    if request.operation not in grant.operations:
        return False
    if grant.opt_in and not request.opt_in:
        return False
    if request.approvals < grant.min_approvals:
        return False
    if grant.approver_not_author and request.approver_is_author:
        return False
    if grant.environments is not None and request.environment not in grant.environments:
        return False
    if grant.principals is not None and request.principal not in grant.principals:
        return False
    return True


def admin_decide(policy: m.Policy, request: m.AdminRequest) -> AdminDecision:
    """Evaluate an admin request: permitted iff some grant matches.

    ``read_only`` is true when a read-only grant matches; ``admin`` when the
    operation's class is admin.
    """
    matched = [g for g in policy.grants if grant_matches(g, request)]
    try:
        is_admin = policy.operation(request.operation).cls == m.ADMIN
    except KeyError:
        is_admin = False
    return AdminDecision(
        bool(matched), tuple(g.id for g in matched), any(g.mode == m.READ_ONLY for g in matched), is_admin,
    )


def applicable_gates(policy: m.Policy, request: m.AdminRequest) -> Tuple[m.Gates, ...]:
    """The gates an admin request must satisfy one of: those of the gate rules that apply to its
    operation and principal, else ``admin.gates`` (the defaults when absent)."""
    rules = [g.gates for g in policy.gate_rules
             if (g.operations is None or request.operation in g.operations)
             and (g.principals is None or request.principal in g.principals)]
    return tuple(rules) or (policy.gates or m.Gates(),)


def gated(policy: m.Policy, request: m.AdminRequest) -> bool:
    """True when ``request`` satisfies one of its applicable gates."""
    return any(gates_hold(g, request) for g in applicable_gates(policy, request))


def gates_hold(gates: m.Gates, request: m.AdminRequest) -> bool:
    """True when ``request`` satisfies every gate an admin operation must have."""
    if gates.opt_in and not request.opt_in:
        return False
    if request.approvals < gates.min_approvals:
        return False
    if gates.approver_not_author and request.approver_is_author:
        return False
    if gates.protected_environments and request.environment not in gates.protected_environments:
        return False
    return True
