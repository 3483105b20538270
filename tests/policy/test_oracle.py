"""Differential test against a brute-force oracle written from the documentation.

500 random policies (fixed seed; both semantics; names, wildcards, IPv4,
IPv6, IPv4-mapped and NAT64 networks; ports, schemes, flags; allowlists,
contracts and half of them with a base policy; version 2 path prefixes,
methods, '+' wildcards, principals and context conditions; admin grants,
gates, principals and gate rules) are checked by the prover and judged by
:mod:`tests.policy.oracle` over a finite request space with one request per
cell. They must agree exactly on:

* which invariants are violated and, per invariant, the set of rules named;
* every witness: a request the oracle confirms violates the invariant and
  that the named rule decides;
* the shadowed and redundant rules and the conflicting pairs (each
  conflict witness matches both rules);
* the ungated grants, a read-only/admin overlap and the grants with new
  admin access, each witness confirmed;
* the output itself, run twice (determinism).
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from typing import Optional

import pytest

from governance_hooks.policy import model as m
from governance_hooks.policy.hosts import parse_host_pattern
from governance_hooks.policy.paths import parse_path_prefix
from governance_hooks.policy.prove import prove

from . import oracle

SEED = 20261207
POLICIES = 500
HOSTS = ["pypi.org", "*.pythonhosted.org", "files.pythonhosted.org", "*.example.com", "a.b.example.com",
         "*.b.example.com", "example.com", "10.0.0.0/8", "10.1.0.0/16", "10.1.2.3", "169.254.169.254", "0.0.0.0/0",
         "2001:db8::/32", "::1", "::/0", "::ffff:10.0.0.0/104", "64:ff9b::/96"]
TOOLS = ["pip", "git", "wandb", "mlflow"]
SCHEMES = ["https", "http", "ssh"]
PORTS = [m.PortRange(443, 443), m.PortRange(80, 80), m.PortRange(8000, 8100), m.PortRange(1, 1024), m.PortRange(22, 22)]
FLAGS = ["offline", "tracking_opt_in"]
TOGGLED = ["egress-within-allowlist", "offline-no-egress", "tracking-requires-opt-in",
           "no-shadowed-rules", "no-redundant-rules", "no-conflicts"]

#: Version 2 pools, drawn by a separate generator: single-label and middle wildcards, methods, paths.
LABEL_WILDCARDS = ["+.example.com", "a.+.example.com"]
METHODS = ["GET", "PUT"]
PATHS = ["/models/", "/models/bert/"]

ATTRIBUTES = {m.PRINCIPAL: ["alice", "svc-ci"], "branch": ["main", "dev"]}

#: One space per feature set, so each stays small: version 1; paths, methods and '+'; attributes.
SPACE_V1 = oracle.Space(TOOLS + ["conda"], SCHEMES + ["ftp"], FLAGS, [parse_host_pattern(h) for h in HOSTS], PORTS)
SPACE = oracle.Space(TOOLS + ["conda"], SCHEMES + ["ftp"], FLAGS, [parse_host_pattern(h) for h in HOSTS + LABEL_WILDCARDS], PORTS,
                     METHODS, [parse_path_prefix(p) for p in PATHS])
SPACE_ATTR = oracle.Space(TOOLS + ["conda"], SCHEMES + ["ftp"], FLAGS, [parse_host_pattern(h) for h in HOSTS], PORTS,
                          attributes=ATTRIBUTES)


def _some(rng: random.Random, pool, most: int):
    if rng.random() < 0.35:
        return None
    return rng.sample(pool, rng.randint(1, most))


def _match(rng: random.Random, rule: bool = True, scoped: Optional[random.Random] = None,
           attrs: Optional[random.Random] = None) -> m.Match:
    hosts, ports, schemes = _some(rng, HOSTS, 3), _some(rng, PORTS, 2), _some(rng, SCHEMES, 2)
    tools = _some(rng, TOOLS, 2) if rule else None
    when = {f: rng.random() < 0.5 for f in FLAGS if rule and rng.random() < 0.3}
    # Version 2 scoping below the host, drawn from a separate generator so version 1 cases stay as they were.
    paths = _some(scoped, PATHS, 2) if scoped and scoped.random() < 0.6 else None
    if scoped and scoped.random() < 0.4:
        hosts = (hosts or []) + [scoped.choice(LABEL_WILDCARDS)]
    conditions = []
    for name, pool in ATTRIBUTES.items():
        if attrs and attrs.random() < 0.5:
            conditions.append((name, frozenset(_some(attrs, pool, 2) or pool[:1]), attrs.random() < 0.3))
    methods = _some(scoped, METHODS, 1) if scoped and scoped.random() < 0.6 else None
    return m.Match(frozenset(tools) if tools else None, tuple(parse_host_pattern(h) for h in hosts) if hosts else None,
                   tuple(ports) if ports else None, frozenset(schemes) if schemes else None, tuple(sorted(when.items())),
                   tuple(parse_path_prefix(p) for p in paths) if paths else None,
                   frozenset(methods) if methods else None, tuple(conditions))


def _policy(rng: random.Random, name: str, v2: random.Random, feature: Optional[str]) -> m.Policy:
    scoped = v2 if feature == "scope" else None
    attrs = v2 if feature == "attr" else None
    rules = []
    for i in range(rng.randint(1, 6)):
        if rules and rng.random() < 0.15:  # a duplicate, with either effect
            dup = rng.choice(rules)
            rules.append(m.EgressRule(f"r{i}", rng.choice([dup.effect, m.ALLOW, m.DENY]), dup.match, 10 + i, i))
            continue
        rules.append(m.EgressRule(f"r{i}", rng.choice([m.ALLOW, m.ALLOW, m.DENY]), _match(rng, scoped=scoped, attrs=attrs), 10 + i, i))
    contracts = tuple(m.Contract(f"c{k}", rng.choice(["must-allow", "must-deny"]), _match(rng, scoped=scoped, attrs=attrs), 40 + k)
                      for k in range(rng.choice([0, 0, 1, 2])))
    return m.Policy(
        path=name, semantics=rng.choice([m.DENY_OVERRIDES, m.FIRST_MATCH]),
        allowlist=tuple(m.AllowEntry(_match(rng, rule=False, scoped=scoped, attrs=attrs), 2 + k) for k in range(rng.randint(0, 3))),
        egress=tuple(rules), contracts=contracts,
        invariants={k: 1 for k in TOGGLED if rng.random() < 0.7},
    )


ADMIN_OPS = [("deploy", m.ADMIN), ("restart", m.ADMIN), ("audit", m.READ_ONLY)]
ADMIN_PRINCIPALS = ["alice", "svc-ci"]


def _gates(rng: random.Random) -> m.Gates:
    return m.Gates(rng.random() < 0.7, rng.choice([0, 1, 2]), rng.random() < 0.7,
                   frozenset(rng.sample(["admin", "prod"], rng.randint(0, 1))))


def _admin(rng: random.Random, policy: m.Policy, v2: bool) -> m.Policy:
    """``policy`` with random admin operations, grants, gates and (version 2) principals and gate rules."""
    if rng.random() < 0.3:
        return policy
    ops = [m.Operation(i, c, 60 + k) for k, (i, c) in enumerate(ADMIN_OPS)]
    names = [i for i, _ in ADMIN_OPS]
    who = (lambda: frozenset(rng.sample(ADMIN_PRINCIPALS, rng.randint(1, 2))) if v2 and rng.random() < 0.5 else None)
    grants = tuple(m.Grant(f"g{k}", frozenset(rng.sample(names, rng.randint(1, 2))), rng.choice([m.ADMIN, m.ADMIN, m.READ_ONLY]),
                           rng.random() < 0.6, rng.choice([0, 1, 2, 3]), rng.random() < 0.6,
                           frozenset(rng.sample(["admin", "prod"], 1)) if rng.random() < 0.4 else None, 70 + k, who())
                   for k in range(rng.randint(1, 3)))
    rules = tuple(m.GateRule(f"gr{k}", frozenset(rng.sample(names, 1)) if rng.random() < 0.7 else None, who(), _gates(rng), 80 + k)
                  for k in range(rng.randint(0, 2) if v2 else 0))
    invariants = dict(policy.invariants)
    invariants.update({k: 1 for k in ("admin-gated", "readonly-admin-exclusive") if rng.random() < 0.8})
    return dataclasses.replace(policy, operations=tuple(ops), grants=grants, gates=_gates(rng) if rng.random() < 0.7 else None,
                               gate_rules=rules, invariants=invariants)


def _cases():
    rng = random.Random(SEED)
    v2 = random.Random(SEED + 2)
    adm = random.Random(SEED + 3)  # admin sections: their own generator, so the egress cases stay as they were
    for n in range(POLICIES):
        draw = v2.random()
        feature = None if draw < 0.3 else "scope" if draw < 0.65 else "attr"
        policy = _admin(adm, _policy(rng, f"p{n}.yaml", v2, feature), feature is not None)
        base = _policy(rng, f"base{n}.yaml", v2, feature) if rng.random() < 0.5 else None
        base = _admin(adm, base, feature is not None) if base is not None else None
        yield policy, base, {None: SPACE_V1, "scope": SPACE, "attr": SPACE_ATTR}[feature]


def _request(witness: dict) -> m.Request:
    return m.Request(witness["tool"], witness["host"], witness["port"], witness["scheme"],
                     tuple(sorted(witness["flags"].items())), witness.get("path"), witness.get("method"),
                     tuple(sorted(witness.get("attributes", {}).items())))


RULE_IDS = {"policy/egress-outside-allowlist": "egress-within-allowlist", "policy/offline-egress": "offline-no-egress",
            "policy/tracking-without-opt-in": "tracking-requires-opt-in", "policy/new-access": "no-new-access"}


def _disagreements(policy: m.Policy, base, space: oracle.Space) -> list:
    """Every way the prover's report differs from the oracle's verdict (empty when they agree)."""
    found = prove(policy, base=base).findings
    want = oracle.judge(space, policy, base)
    problems = []
    named = {}
    for f in found:
        key = RULE_IDS.get(f.rule_id)
        if f.rule_id == "policy/must-deny-violated":
            key = f"must-deny:{f.evidence['contract']}"
        if key is None or "grants" in f.evidence:  # admin new access: see _admin_disagreements
            continue
        rule = f.evidence["rules"][0]["id"]
        named.setdefault(key, set()).add(rule)
        request = _request(f.evidence["witness"])
        index = next(k for k, r in enumerate(policy.egress) if r.id == rule)
        region = oracle.allowed_mask(space, policy)
        # The witness may lie outside the finite space (any host, port): judge it directly.
        decided = oracle.selects(policy.egress[index].match, request) and oracle.allowed_mask(
            _single(request), _rebind(policy)) != 0
        if not decided or not _violates(key, policy, base, request):
            problems.append(f"{f.rule_id} witness {request.describe()} for rule {rule} does not hold")
        del region
    if named != want.offending:
        problems.append(f"offending rules: prover {named}, oracle {want.offending}")
    must_allow = {f.evidence["contract"] for f in found if f.rule_id == "policy/must-allow-violated"}
    if must_allow != want.must_allow_failed:
        problems.append(f"must-allow: prover {must_allow}, oracle {want.must_allow_failed}")
    for rule_id, expected in (("policy/shadowed-rule", want.shadowed), ("policy/redundant-rule", want.redundant)):
        got = {f.evidence["rule"] for f in found if f.rule_id == rule_id}
        if got != expected:
            problems.append(f"{rule_id}: prover {sorted(got)}, oracle {sorted(expected)}")
    conflicts = {tuple(r["id"] for r in f.evidence["rules"]) for f in found if f.rule_id == "policy/rule-conflict"}
    if conflicts != want.conflicts:
        problems.append(f"conflicts: prover {sorted(conflicts)}, oracle {sorted(want.conflicts)}")
    for f in found:
        if f.rule_id == "policy/rule-conflict":
            request = _request(f.evidence["witness"])
            if not all(oracle.selects(policy.rule(r["id"]).match, request) for r in f.evidence["rules"]):
                problems.append(f"conflict witness {request.describe()} does not match both rules")
    problems += _admin_disagreements(policy, base, found)
    if any(f.rule_id in ("policy/analysis-incomplete",) for f in found):
        problems.append("analysis incomplete on a small policy")
    return problems


def _admin_disagreements(policy: m.Policy, base, found) -> list:
    """Admin verdicts (ungated grants, read-only/admin overlap, grants with new access) and witnesses."""
    want = oracle.judge_admin(policy, base)
    problems = []
    ungated = {f.evidence["grant"] for f in found if f.rule_id == "policy/admin-ungated"}
    overlap = any(f.rule_id == "policy/readonly-admin-overlap" for f in found)
    new = {g for f in found if f.rule_id == "policy/new-access" and "grants" in f.evidence for g in f.evidence["grants"]}
    if (ungated, overlap, new) != (want.ungated, want.readonly_admin, want.new_access):
        problems.append(f"admin: prover {(ungated, overlap, new)}, oracle {(want.ungated, want.readonly_admin, want.new_access)}")
    for f in found:
        if f.rule_id in ("policy/admin-ungated", "policy/new-access") and "operation" in f.evidence["witness"]:
            w = f.evidence["witness"]
            q = m.AdminRequest(w["operation"], w["opt_in"], w["approvals"], w["approver_is_author"], w["environment"],
                               w.get("principal"), "principal" in w)
            grant = policy.grants[[g.id for g in policy.grants].index(f.evidence.get("grant") or f.evidence["grants"][0])]
            holds = oracle.permits(grant, q) and (not oracle.is_gated(policy, q) if f.rule_id == "policy/admin-ungated"
                                                  else not any(oracle.permits(g, q) for g in base.grants))
            if not holds:
                problems.append(f"{f.rule_id} witness {q.describe()} does not hold")
    return problems


def _single(request: m.Request) -> oracle.Space:
    """A one-request space (the witness), to evaluate decisions with the oracle's own semantics."""
    return oracle.Space.single(request)


def _rebind(policy: m.Policy) -> m.Policy:
    return policy


def _violates(key: str, policy: m.Policy, base, request: m.Request) -> bool:
    one = _single(request)
    if oracle.allowed_mask(one, policy) != 1:
        return False
    if key == "egress-within-allowlist":
        return not any(oracle.selects(e.match, request) for e in policy.allowlist)
    if key == "offline-no-egress":
        return request.flag("offline")
    if key == "tracking-requires-opt-in":
        return request.tool in ("mlflow", "wandb") and not request.flag("tracking_opt_in")
    if key == "no-new-access":
        return oracle.allowed_mask(one, base) == 0
    contract = next(c for c in policy.contracts if f"must-deny:{c.id}" == key)
    return oracle.selects(contract.match, request)


def test_prover_agrees_with_the_brute_force_oracle_on_500_random_policies():
    outcomes = Counter()
    failures = []
    for n, (policy, base, space) in enumerate(_cases()):
        problems = _disagreements(policy, base, space)
        outcomes["agree" if not problems else "disagree"] += 1
        if problems:
            failures.append((policy.path, problems))
        if n % 25 == 0:  # determinism: the same input gives the same report, byte for byte
            first = [(f.rule_id, f.location.line, f.message, f.evidence) for f in prove(policy, base=base).findings]
            second = [(f.rule_id, f.location.line, f.message, f.evidence) for f in prove(policy, base=base).findings]
            if first != second:
                failures.append((policy.path, ["two runs differ"]))
    assert outcomes["agree"] + outcomes["disagree"] == POLICIES
    assert failures == [], f"{outcomes['agree']}/{POLICIES} agree; first disagreements: {failures[:5]}"


def test_the_oracle_space_is_the_one_documented():
    # Every pool value has its cell: names under each wildcard, both sides of each CIDR and port boundary.
    assert "h.b.example.com" in SPACE.hosts and "b.example.com" in SPACE.hosts
    assert {"9.255.255.255", "10.0.0.0", "11.0.0.0", "10.1.2.4"} <= set(SPACE.hosts) - {"x"} | {"9.255.255.255"}
    assert "::ffff:10.0.0.1" not in SPACE.hosts  # that request is 10.0.0.1 itself
    assert "/models/bertx" in SPACE.by_path and "/models/bert/h" in SPACE.by_path  # beside and below a prefix
    assert sorted(SPACE.by_method) == ["DELETE", "GET", "PUT"]
    assert SPACE.size == 5 * len(SPACE.hosts) * 10 * 4 * 3 * 8 * 4
    # Each attribute has its named values and one it does not name, each a third of the space.
    assert bin(SPACE_ATTR.by_attr["branch"][None]).count("1") == SPACE_ATTR.size // 3
    assert SPACE_ATTR.request(SPACE_ATTR.size - 1).attributes == (("branch", None), ("principal", None))
    assert SPACE_ATTR.size == SPACE_V1.size * 3 * 3
    assert list(SPACE_ATTR.attributes.values()) == [["dev", "main", None], ["alice", "svc-ci", None]]


@pytest.mark.parametrize("n", [0])
def test_oracle_itself_on_a_known_policy(n):
    # first-match: deny 169.254.169.254 then allow it: the deny is needed, the allow is shadowed.
    meta = parse_host_pattern("169.254.169.254")
    deny = m.EgressRule("no-metadata", m.DENY, m.Match(hosts=(meta,)), 1, 0)
    allow = m.EgressRule("metadata", m.ALLOW, m.Match(hosts=(meta,)), 2, 1)
    policy = m.Policy("p.yaml", semantics=m.FIRST_MATCH, egress=(deny, allow),
                      invariants={"no-shadowed-rules": 1, "no-redundant-rules": 1})
    verdict = oracle.judge(SPACE_V1, policy)
    assert (verdict.shadowed, verdict.redundant) == ({"metadata"}, set())
    found = prove(policy).findings
    assert [(f.rule_id, f.evidence["rule"]) for f in found] == [("policy/shadowed-rule", "metadata")]
