"""Shadowed, redundant and conflicting rules under both semantics (exact findings)."""

from __future__ import annotations

import pytest

from governance_hooks.policy.prove import prove

from .helpers import findings, only, policy, summary

RULES = """\
version: 1
semantics: first-match
egress:
  - id: deny-internal
    effect: deny
    hosts: ["*.internal.example.com"]
  - id: allow-www
    effect: allow
    hosts: [www.example.com]
    ports: 443
  - id: allow-example
    effect: allow
    hosts: ["*.example.com"]
    ports: [443, 8443]
  - id: allow-api
    effect: allow
    hosts: [api.internal.example.com]
  - id: deny-mirror-http
    effect: deny
    hosts: 10.0.0.0/8
    schemes: http
  - id: allow-mirror
    effect: allow
    hosts: 10.0.0.0/8
  - id: deny-nothing-left
    effect: deny
    hosts: 10.9.0.0/16
    schemes: http
"""
DENY_OVERRIDES = RULES.replace("first-match", "deny-overrides")


def test_first_match_shadowing_names_the_covering_rule():
    found = findings(RULES + only("no-shadowed-rules"))
    assert summary(found) == [
        ("policy/shadowed-rule", 15,
         "rule 'allow-api' never applies: every request it matches is decided first by 'deny-internal' (line 4)"),
        ("policy/shadowed-rule", 25,
         "rule 'deny-nothing-left' never applies: every request it matches is decided first by 'deny-mirror-http' (line 18)"),
    ]
    assert [{k: v for k, v in _without_payload(f.evidence).items() if k != "example"} for f in found] == [
        {"rule": "allow-api", "shadowed_by": ["deny-internal"]},
        {"rule": "deny-nothing-left", "shadowed_by": ["deny-mirror-http"]},
    ]


def test_shadowing_by_a_union_of_rules_names_both():
    text = """\
version: 1
semantics: first-match
egress:
  - {id: low, effect: allow, ports: "1-1000"}
  - {id: high, effect: allow, ports: "1001-65535"}
  - {id: unrelated, effect: deny, tools: git, ports: 22}
  - {id: late-deny, effect: deny, ports: "900-1100"}
""" + only("no-shadowed-rules")
    assert [{k: v for k, v in _without_payload(f.evidence).items() if k != "example"} for f in findings(text)] == [
        {"rule": "unrelated", "shadowed_by": ["low"]},
        {"rule": "late-deny", "shadowed_by": ["low", "high"]},
    ]


def test_first_match_redundancy():
    # With the shadowing warning off, shadowed rules are reported as redundant (deleting them changes nothing).
    assert summary(findings(RULES + only("no-redundant-rules"))) == [
        ("policy/redundant-rule", 7, "rule 'allow-www' is redundant: every request it decides gets the same decision "
                                     "without it, from the rules after it or the default deny"),
        ("policy/redundant-rule", 15, "rule 'allow-api' is redundant: it never decides a request: every request it "
                                      "matches is decided by 'deny-internal' (line 4)"),
        ("policy/redundant-rule", 25, "rule 'deny-nothing-left' is redundant: it never decides a request: every "
                                      "request it matches is decided by 'deny-mirror-http' (line 18)"),
    ]


def test_first_match_conflict_is_a_warning_with_a_witness_matching_both_rules():
    found = findings(RULES + only("no-conflicts"))
    assert summary(found) == [(
        "policy/rule-conflict", 11,
        "rules 'deny-internal' (deny, line 4) and 'allow-example' (allow, line 11) overlap without one containing the "
        "other: conda -> https://host.internal.example.com:443 (offline=false tracking_opt_in=false) matches both and "
        "rule order denies it",
    )]
    assert found[0].severity.label == "warning"
    assert found[0].evidence["witness"] == {
        "tool": "conda", "host": "host.internal.example.com", "port": 443, "scheme": "https",
        "flags": {"offline": False, "tracking_opt_in": False},
    }


def test_deny_overrides_anomalies():
    assert summary(findings(DENY_OVERRIDES + only("no-shadowed-rules"))) == [(
        "policy/shadowed-rule", 15,
        "allow rule 'allow-api' never allows anything: every request it matches is denied by 'deny-internal' (line 4)",
    )]
    assert summary(findings(DENY_OVERRIDES + only("no-redundant-rules"))) == [
        ("policy/redundant-rule", 7, "rule 'allow-www' is redundant: every request it allows is also allowed by another allow rule"),
        ("policy/redundant-rule", 15, "rule 'allow-api' is redundant: it never decides a request: every request it "
                                      "matches is decided by 'deny-internal' (line 4)"),
        ("policy/redundant-rule", 25,
         "rule 'deny-nothing-left' is redundant: every allowed request it matches is also denied by another deny rule"),
    ]
    assert [f.location.line for f in findings(DENY_OVERRIDES + only("no-conflicts"))] == [11]


def test_deny_rule_overlapping_no_allow_rule_is_redundant_because_of_the_default_deny():
    text = """\
version: 1
egress:
  - {id: pip, effect: allow, tools: pip, hosts: pypi.org}
  - {id: no-ssh, effect: deny, schemes: ssh, tools: git}
""" + only("no-redundant-rules")
    assert summary(findings(text)) == [(
        "policy/redundant-rule", 4,
        "rule 'no-ssh' is redundant: it overlaps no allow rule, so the default deny already denies what it matches",
    )]


@pytest.mark.parametrize("semantics", ["first-match", "deny-overrides"])
def test_clean_rule_set_has_no_anomalies(semantics):
    text = f"""\
version: 1
semantics: {semantics}
egress:
  - {{id: pip, effect: allow, tools: pip, hosts: pypi.org, ports: 443, schemes: https}}
  - {{id: git, effect: allow, tools: git, hosts: github.com, ports: 443, schemes: https}}
"""
    result = prove(policy(text + only("no-shadowed-rules").replace("no-redundant-rules: false", "no-redundant-rules: true")
                          .replace("no-conflicts: false", "no-conflicts: true")))
    assert result.findings == []
    assert (result.proved, result.violated) == (3, 0)


def test_anomaly_budget_is_a_warning_not_a_hang():
    text = """\
version: 1
egress:
  - {id: a, effect: allow, ports: 443}
  - {id: b, effect: allow, ports: 443}
""" + only("no-shadowed-rules").replace("no-redundant-rules: false", "no-redundant-rules: true")
    found = findings(text, anomaly_queries=0)
    assert [(f.rule_id, f.severity.label, f.message, f.evidence) for f in found] == [(
        "policy/analysis-incomplete", "note",
        "rule anomalies stopped at the budget of 0 solver queries; redundancy not checked for 2 rule(s): a, b",
        {"redundancy": ["a", "b"]},
    )]
    # Of two duplicates only the later one is reported: deleting every reported rule keeps every decision.
    assert [f.message for f in findings(text)] == [
        "rule 'b' is redundant: every request it allows is also allowed by another allow rule",
    ]


def _without_payload(evidence):
    """Evidence minus ``payload`` (a hash of the named rules' definitions, see tests/pipeline/test_content_payloads.py)."""
    assert evidence["payload"].startswith("sha256:")
    return {k: v for k, v in evidence.items() if k != "payload"}
