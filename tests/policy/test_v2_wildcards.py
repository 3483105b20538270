"""Policy language version 2: the single-label wildcard '+' (first or middle label) beside '*'."""

from __future__ import annotations

import pytest

from governance_hooks.policy.hosts import HostUniverse, host_matches, parse_host_pattern
from governance_hooks.policy.parse import load_policy

from .helpers import ALL_OFF, error_of, findings, only, summary

NAMES = ["example.com", "api.example.com", "x.api.example.com", "api.eu.example.com", "api.x.y.example.com",
         "eu.example.com", "10.0.0.1"]


@pytest.mark.parametrize("pattern, matched", [
    ("*.example.com", [False, True, True, True, True, True, False]),      # one or more labels (version 1)
    ("+.example.com", [False, True, False, False, False, True, False]),   # exactly one label (RFC 6125 6.4.3)
    ("api.+.example.com", [False, False, False, True, False, False, False]),  # one label in the middle
    ("*.+.example.com", [False, False, True, True, True, False, False]),  # two or more labels
])
def test_wildcard_semantics(pattern, matched):
    p = parse_host_pattern(pattern)
    assert [host_matches(p, n) for n in NAMES] == matched


def test_each_class_of_the_host_universe_is_one_signature():
    patterns = [parse_host_pattern(t) for t in ("+.example.com", "api.+.example.com", "*.example.com", "api.eu.example.com")]
    u = HostUniverse(patterns)
    # Classes ordered by their first name read right to left; "host" stands for every unnamed label.
    assert u.representatives == ["api.eu.example.com", "host.example.com", "api.host.example.com",
                                 "host.host.example.com", "unlisted.invalid"]
    # Every name lands in the class of a representative that matches exactly the same patterns.
    for name in NAMES[:-1] + ["a.b.c.d.example.com", "api.host.example.com", "other.org"]:
        rep = u.representatives[u.classify(name)]
        assert [host_matches(p, name) for p in patterns] == [host_matches(p, rep) for p in patterns], name
    assert [u.intervals(p) for p in patterns] == [[(1, 1)], [(0, 0), (2, 2)], [(0, 3)], [(0, 0)]]


def test_a_single_label_rule_is_proved_narrower_than_the_suffix_rule():
    text = """\
version: 2
allowlist:
  - {hosts: "+.hf.co", ports: 443, schemes: https}
egress:
  - {id: hf-cdn, effect: allow, tools: hf_hub, hosts: "+.hf.co", ports: 443, schemes: https}
  - {id: hf-deep, effect: allow, tools: hf_hub, hosts: "*.hf.co", ports: 443, schemes: https}
  - {id: no-eu-api, effect: deny, hosts: "api.+.hf.co"}
""" + only("egress-within-allowlist")
    assert summary(findings(text)) == [
        ("policy/egress-outside-allowlist", 6,
         "rule 'hf-deep' (line 6) allows hf_hub -> https://host.host.hf.co:443 (offline=false tracking_opt_in=false), "
         "outside the allowlist"),
    ]


def test_a_middle_wildcard_deny_is_an_exception_not_a_conflict():
    text = """\
version: 2
egress:
  - {id: regional, effect: allow, hosts: "*.example.com"}
  - {id: no-api-regions, effect: deny, hosts: "api.+.example.com"}
  - {id: one-label, effect: allow, hosts: "+.example.com"}
""" + ALL_OFF.replace("no-conflicts: false", "no-conflicts: true").replace(
        "no-shadowed-rules: false", "no-shadowed-rules: true").replace("no-redundant-rules: false", "no-redundant-rules: true")
    assert summary(findings(text)) == [
        ("policy/redundant-rule", 5, "rule 'one-label' is redundant: every request it allows is also allowed by another allow rule"),
    ]


@pytest.mark.parametrize("host, message", [
    ("api.*.example.com", "p.yaml:3: bad host 'api.*.example.com': '*' (one or more labels) is allowed only as the whole "
                          "first label ('*.example.com'); for exactly one label there write '+' (api.+.example.com)"),
    ("*.*.example.com", "p.yaml:3: bad host '*.*.example.com': '*' (one or more labels) is allowed only as the whole first "
                        "label; for exactly one label write '+' (+.+.example.com)"),
    ("a+.example.com", "p.yaml:3: bad host 'a+.example.com': found 'a+'; a wildcard is a whole label: '+' for exactly one "
                       "label, '*' (first label only) for one or more"),
    ("f*.example.com", "p.yaml:3: bad host 'f*.example.com': '*' (one or more labels) is allowed only as the whole first "
                       "label ('*.example.com')"),
    ("example.+", "p.yaml:3: bad host 'example.+': the last label (the top-level domain) cannot be a wildcard"),
    ("+.10.0.0.1", "p.yaml:3: bad host '+.10.0.0.1': a wildcard matches DNS names, not addresses; write a CIDR such as "
                   "10.0.0.0/8 for a range of addresses"),
    ("+.-bad.com", "p.yaml:3: bad host '+.-bad.com': invalid DNS label '-bad'"),
])
def test_malformed_wildcards_are_one_line_errors(host, message):
    assert error_of(f"version: 2\negress:\n  - {{id: a, effect: allow, hosts: '{host}'}}\n") == message


def test_the_single_label_wildcard_needs_version_2():
    assert error_of("version: 1\negress:\n  - {id: a, effect: allow, hosts: '+.example.com'}\n") == ("p.yaml:3: host '+.example.com': the single-label wildcard '+' is a version 2 feature: "
                                 "write 'version: 2'")
