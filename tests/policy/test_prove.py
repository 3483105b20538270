"""Exact verdicts and witnesses for each invariant kind."""

from __future__ import annotations

import pytest

from governance_hooks.policy.evaluate import SemanticsMismatch
from governance_hooks.policy.prove import ProveOptions, Prover, prove

from .helpers import ALL_OFF, findings, only, policy, summary

BASE = """\
version: 1
allowlist:
  - hosts: [pypi.org, "*.pythonhosted.org"]
    ports: 443
    schemes: https
  - hosts: 10.0.0.0/8
    ports: "8000-8100"
egress:
  - id: pip
    effect: allow
    tools: pip
    hosts: [pypi.org, "*.pythonhosted.org"]
    ports: 443
    schemes: https
    when: {offline: false}
  - id: mirror
    effect: allow
    tools: [pip, uv]
    hosts: 10.0.0.0/8
    ports: "8000-8100"
    schemes: [http, https]
    when: {offline: false}
"""

BAD = BASE + """\
  - id: mirror-wide
    effect: allow
    tools: uv
    hosts: 10.0.0.0/7
    when: {offline: false}
  - id: hf
    effect: allow
    tools: hf_hub
    hosts: huggingface.co
  - id: wandb
    effect: allow
    tools: wandb
    hosts: "*.wandb.ai"
"""

OFF = {"offline": False, "tracking_opt_in": False}


@pytest.mark.parametrize("invariant", ["egress-within-allowlist", "offline-no-egress", "tracking-requires-opt-in"])
def test_good_policy_proves_egress_invariants(invariant):
    result = prove(policy(BASE + only(invariant)))
    assert result.findings == []
    assert (result.proved, result.violated, result.unknown) == (1, 0, 0)


def test_egress_outside_allowlist_names_every_offending_rule_with_a_witness():
    found = findings(BAD + only("egress-within-allowlist"))
    assert summary(found) == [
        ("policy/egress-outside-allowlist", 23,
         "rule 'mirror-wide' (line 23) allows uv -> https://10.0.0.0:443 (offline=false tracking_opt_in=false), outside the allowlist"),
        ("policy/egress-outside-allowlist", 28,
         "rule 'hf' (line 28) allows hf_hub -> https://huggingface.co:443 (offline=false tracking_opt_in=false), outside the allowlist"),
        ("policy/egress-outside-allowlist", 32,
         "rule 'wandb' (line 32) allows wandb -> https://host.wandb.ai:443 (offline=false tracking_opt_in=false), outside the allowlist"),
    ]
    by_line = {f.location.line: f.evidence for f in found}
    assert by_line[23].pop("payload").startswith("sha256:")  # the rules' definitions (test_content_payloads.py)
    assert by_line[23] == {
        "invariant": "egress-within-allowlist",
        "witness": {"tool": "uv", "host": "10.0.0.0", "port": 443, "scheme": "https", "flags": OFF},
        "rules": [{"id": "mirror-wide", "path": "policy.yaml", "line": 23}],
    }


def test_offline_egress_witness_sets_only_the_offline_flag():
    found = findings(BAD + only("offline-no-egress"))
    assert [(f.location.line, f.evidence["witness"]) for f in sorted(found, key=lambda f: f.location.line)] == [
        (28, {"tool": "hf_hub", "host": "huggingface.co", "port": 443, "scheme": "https",
              "flags": {"offline": True, "tracking_opt_in": False}}),
        (32, {"tool": "wandb", "host": "host.wandb.ai", "port": 443, "scheme": "https",
              "flags": {"offline": True, "tracking_opt_in": False}}),
    ]


def test_tracking_without_opt_in():
    found = findings(BAD + only("tracking-requires-opt-in"))
    assert summary(found) == [(
        "policy/tracking-without-opt-in", 32,
        "rule 'wandb' (line 32) allows tracking wandb -> https://host.wandb.ai:443 (offline=false tracking_opt_in=false) "
        "without tracking_opt_in",
    )]
    fixed = BAD.replace('    hosts: "*.wandb.ai"\n', '    hosts: "*.wandb.ai"\n    when: {tracking_opt_in: true}\n')
    assert findings(fixed + only("tracking-requires-opt-in")) == []


def test_tracking_endpoint_must_be_reachable():
    text = BASE + """\
tracking:
  mlflow:
    allowed_uris: ["file:./mlruns", "https://mlflow.example.com/api"]
""" + only("tracking-endpoints-allowed")
    assert summary(findings(text)) == [(
        "policy/tracking-endpoint-denied", 25,
        "mlflow endpoint https://mlflow.example.com/api is listed under tracking but "
        "mlflow -> https://mlflow.example.com:443 (offline=false tracking_opt_in=true) is denied by the default deny",
    )]


def test_must_allow_and_must_deny_contracts():
    text = BASE + """\
invariants:
  egress-within-allowlist: false
  offline-no-egress: false
  tracking-requires-opt-in: false
  no-shadowed-rules: false
  no-redundant-rules: false
  no-conflicts: false
  must-allow:
    - {id: pip-pypi, tools: pip, hosts: pypi.org, ports: 443, schemes: https, when: {offline: false}}
    - {id: uv-pypi, tools: uv, hosts: pypi.org, ports: 443, schemes: https, when: {offline: false}}
  must-deny:
    - {id: offline-silent, when: {offline: true}}
    - {id: no-http-mirror, hosts: 10.1.0.0/16, schemes: http}
"""
    found = findings(text)
    assert summary(found) == [
        ("policy/must-allow-violated", 32,
         "must-allow contract 'uv-pypi' fails: uv -> https://pypi.org:443 (offline=false tracking_opt_in=false) "
         "is denied by the default deny"),
        ("policy/must-deny-violated", 35,
         "must-deny contract 'no-http-mirror' fails: pip -> http://10.1.0.0:8000 (offline=false tracking_opt_in=false) "
         "is allowed by rule 'mirror' (line 16)"),
    ]


ADMIN = """\
version: 1
admin:
  gates: {opt_in: true, min_approvals: 2, approver_not_author: true, protected_environments: [admin]}
  operations:
    - {id: install-github-app}
    - {id: register-runner}
    - {id: read-logs, class: read-only}
  grants:
    - id: installers
      operations: install-github-app
      requires: {opt_in: true, min_approvals: 1, approver_not_author: true, environments: [admin]}
    - id: runners
      operations: [register-runner]
      requires: {opt_in: true, min_approvals: 2, approver_not_author: true, environments: [admin, staging]}
    - id: readers
      operations: [read-logs, register-runner]
      mode: read-only
"""


def test_admin_gated_reports_each_ungated_grant():
    found = findings(ADMIN + only("admin-gated"))
    assert summary(found) == [
        ("policy/admin-ungated", 9,
         "grant 'installers' permits admin operation install-github-app with opt_in=true, approvals=1, "
         "approver_is_author=false, environment=admin; missing gate: 2 approval(s)"),
        ("policy/admin-ungated", 12,
         "grant 'runners' permits admin operation register-runner with opt_in=true, approvals=2, "
         "approver_is_author=false, environment=staging; missing gate: protected environment (admin)"),
        ("policy/admin-ungated", 15,
         "grant 'readers' permits admin operation register-runner with opt_in=false, approvals=0, "
         "approver_is_author=false, environment=(none); missing gate: opt-in, 2 approval(s), protected environment (admin)"),
    ]


def test_readonly_and_admin_are_exclusive():
    found = findings(ADMIN + only("readonly-admin-exclusive"))
    assert summary(found) == [(
        "policy/readonly-admin-overlap", 15,
        "read-only grant 'readers' permits admin operation 'register-runner', so register-runner with opt_in=false, "
        "approvals=0, approver_is_author=false, environment=(none) is both a read-only and an admin action",
    )]


def test_gated_admin_policy_is_proved():
    good = ADMIN.replace("min_approvals: 1,", "min_approvals: 2,").replace("[admin, staging]", "[admin]").replace(
        "[read-logs, register-runner]", "[read-logs]")
    result = prove(policy(good + only("admin-gated").replace("  readonly-admin-exclusive: false", "  readonly-admin-exclusive: true")))
    assert result.findings == []
    assert (result.proved, result.violated) == (2, 0)


def test_no_new_access_against_a_base_policy():
    new = BASE + """\
  - id: hf
    effect: allow
    tools: hf_hub
    hosts: huggingface.co
    ports: 443
    schemes: https
    when: {offline: false}
""" + only("egress-within-allowlist").replace("  egress-within-allowlist: true", "  egress-within-allowlist: false")
    found = findings(new, base=BASE)
    assert summary(found) == [(
        "policy/new-access", 23,
        "the policy now allows hf_hub -> https://huggingface.co:443 (offline=false tracking_opt_in=false) via rule 'hf' "
        "(line 23); the base policy (base.yaml) denied it",
    )]
    # Removing access is never reported.
    assert findings(BASE + only("no-conflicts").replace("no-conflicts: true", "no-conflicts: false"), base=new) == []


def test_no_new_access_for_admin_grants():
    base = ADMIN.replace("[read-logs, register-runner]", "[read-logs]")
    new = base.replace("min_approvals: 2, approver_not_author: true, environments: [admin, staging]",
                        "min_approvals: 1, approver_not_author: true, environments: [admin, staging]")
    found = findings(new + only("no-conflicts").replace("no-conflicts: true", "no-conflicts: false"), base=base)
    assert summary(found) == [(
        "policy/new-access", 12,
        "grant 'runners' now permits register-runner with opt_in=true, approvals=1, approver_is_author=false, "
        "environment=admin; the base policy (base.yaml) did not",
    )]


def test_unknown_result_fails_by_default_and_downgrades_with_allow_unknown():
    text = BAD + only("egress-within-allowlist")
    strict = findings(text, rlimit=1)
    assert {f.rule_id for f in strict} == {"policy/analysis-incomplete"}
    assert strict[0].severity.label == "error"
    assert strict[0].message.startswith("could not decide egress-within-allowlist within rlimit 1")
    lenient = findings(text, rlimit=1, allow_unknown=True)
    assert [f.severity.label for f in lenient] == ["warning"]


def test_witness_disagreement_is_an_internal_error(monkeypatch):
    from governance_hooks.policy import evaluate

    monkeypatch.setattr(evaluate, "within_allowlist", lambda policy, request: True)
    with pytest.raises(SemanticsMismatch, match="solver and evaluator disagree on egress-within-allowlist"):
        prove(policy(BAD + only("egress-within-allowlist")))


def test_fresh_context_and_deterministic_witnesses():
    text = BAD + only("egress-within-allowlist")
    first = Prover(policy(text))
    second = Prover(policy(text))
    assert first.ctx is not second.ctx
    assert [f.evidence for f in first.run().findings] == [f.evidence for f in second.run().findings]
    assert Prover(policy(text), ProveOptions(seed=7)).run().findings[0].evidence == prove(policy(text)).findings[0].evidence


WIDENED_BASE = """\
version: 1
egress:
  - {id: pip, effect: allow, tools: pip, hosts: pypi.org, ports: 443, schemes: https}
  - {id: git, effect: allow, tools: git, hosts: github.com, ports: 443, schemes: https}
  - {id: hf, effect: allow, tools: hf_hub, hosts: huggingface.co, ports: 443, schemes: https}
""" + ALL_OFF


def test_no_new_access_names_every_widened_rule_with_its_own_witness():
    new = WIDENED_BASE.replace("hosts: pypi.org,", "hosts: [pypi.org, test.pypi.org],").replace(
        "ports: 443, schemes: https}\n  - {id: hf", "ports: [443, 22], schemes: https}\n  - {id: hf")
    found = [f for f in findings(new, base=WIDENED_BASE) if f.rule_id == "policy/new-access"]
    assert summary(found) == [
        ("policy/new-access", 3, "the policy now allows pip -> https://test.pypi.org:443 (offline=false "
                                 "tracking_opt_in=false) via rule 'pip' (line 3); the base policy (base.yaml) denied it"),
        ("policy/new-access", 4, "the policy now allows git -> https://github.com:22 (offline=false "
                                 "tracking_opt_in=false) via rule 'git' (line 4); the base policy (base.yaml) denied it"),
    ]


def test_every_allow_rule_breaking_a_must_deny_is_named_even_inside_another():
    # 'narrow' lies inside 'broad': blocking 'broad' after the first witness (port 443) hides it,
    # so it is asked about on its own.
    text = """\
version: 1
egress:
  - {id: broad, effect: allow, hosts: "*.example.com"}
  - {id: narrow, effect: allow, hosts: api.example.com, ports: 8443}
""" + ALL_OFF + """\
  must-deny:
    - {id: no-example, hosts: "*.example.com"}
"""
    found = findings(text)
    assert sorted((f.location.line, f.evidence["rules"][0]["id"], f.evidence["witness"]["host"],
                   f.evidence["witness"]["port"]) for f in found) == [
        (16, "broad", "host.example.com", 443),
        (16, "narrow", "api.example.com", 8443),
    ]


def test_an_ipv6_network_reaches_the_ipv4_hosts_mapped_into_it():
    text = """\
version: 1
egress:
  - {id: v6, effect: allow, hosts: "::/0"}
""" + ALL_OFF + """\
  must-deny:
    - {id: no-internal, hosts: 10.0.0.1}
"""
    [f] = findings(text)
    assert f.rule_id == "policy/must-deny-violated"
    assert f.evidence["witness"]["host"] == "10.0.0.1"  # reached as ::ffff:10.0.0.1 or 64:ff9b::a00:1


@pytest.mark.parametrize("semantics", ["deny-overrides", "first-match"])
def test_of_two_duplicate_deny_rules_only_the_later_is_reported(semantics):
    text = f"""\
version: 1
semantics: {semantics}
egress:
  - {{id: deny-a, effect: deny, hosts: 169.254.169.254}}
  - {{id: deny-b, effect: deny, hosts: 169.254.169.254}}
  - {{id: allow-all, effect: allow}}
""" + ALL_OFF.replace("no-shadowed-rules: false", "no-shadowed-rules: true").replace(
        "no-redundant-rules: false", "no-redundant-rules: true")
    reported = [(f.rule_id, f.evidence["rule"]) for f in findings(text)]
    expected = "policy/shadowed-rule" if semantics == "first-match" else "policy/redundant-rule"
    assert reported == [(expected, "deny-b")]


def test_first_match_deny_before_an_allow_of_the_same_host_is_not_redundant():
    # Deleting the deny would open the metadata service: only the allow is reported (shadowed).
    text = """\
version: 1
semantics: first-match
egress:
  - {id: no-metadata, effect: deny, hosts: 169.254.169.254}
  - {id: metadata, effect: allow, hosts: 169.254.169.254}
""" + ALL_OFF.replace("no-shadowed-rules: false", "no-shadowed-rules: true").replace(
        "no-redundant-rules: false", "no-redundant-rules: true")
    assert [(f.rule_id, f.evidence["rule"]) for f in findings(text)] == [("policy/shadowed-rule", "metadata")]


def _many_outside(semantics: str, n: int) -> str:
    rules = "".join(f"  - {{id: r{i}, effect: allow, tools: [uv, pip], hosts: ['*.z{i}.example.com', '10.{i}.0.0/16'], "
                    f"ports: [80, 443]}}\n" for i in range(n))
    return (f"version: 1\nsemantics: {semantics}\nallowlist:\n  - {{hosts: ['*.example.com', '10.0.0.0/8'], ports: [443]}}\n"
            f"egress:\n{rules}  - {{id: carve, effect: deny, hosts: ['*.z0.example.com']}}\n" + only("egress-within-allowlist"))


@pytest.mark.parametrize("semantics", ["first-match", "deny-overrides"])
def test_allowlist_offenders_from_exact_regions_match_the_solver_loop(monkeypatch, semantics):
    # Up to ten offenders the solver loop fully refines every witness: both paths give the same findings.
    text = _many_outside(semantics, 6)
    exact = summary(findings(text))
    monkeypatch.setattr(Prover, "_violation_regions", lambda self, outside, inside=None: None)  # as past the cube cap
    assert summary(findings(text)) == exact
    assert [line for _, line, _ in exact] == [6, 7, 8, 9, 10, 11]
    # The deny of *.z0 comes after r0: under first-match r0 still decides those names.
    host = "host.z0.example.com" if semantics == "first-match" else "10.0.0.0"
    assert exact[0][2] == f"rule 'r0' (line 6) allows pip -> https://{host}:80 (offline=false tracking_opt_in=false), outside the allowlist"


@pytest.mark.parametrize("semantics", ["first-match", "deny-overrides"])
def test_every_allowlist_offender_gets_the_least_witness(semantics):
    found = [f for f in findings(_many_outside(semantics, 14)) if f.rule_id == "policy/egress-outside-allowlist"]
    assert [f.evidence["rules"][0]["id"] for f in found] == [f"r{i}" for i in range(14)]
    for i, f in enumerate(found):  # past the first ten too: the least request, not a partly refined one
        host = "10.0.0.0" if i == 0 and semantics == "deny-overrides" else f"host.z{i}.example.com"
        assert f.evidence["witness"] == {"tool": "pip", "host": host, "port": 80, "scheme": "https", "flags": OFF}


@pytest.mark.parametrize("semantics", ["first-match", "deny-overrides"])
def test_v2_allowlist_witnesses_from_exact_regions_name_no_branch_or_principal_they_do_not_need(monkeypatch, semantics):
    # The folded tool mask orders a named branch or principal before "(other)"; the witness must not.
    text = (f"version: 2\nsemantics: {semantics}\nidentities:\n  roles:\n    ml-ci: [svc-ci]\n"
            "allowlist:\n  - {hosts: huggingface.co, ports: 443, schemes: https}\n"
            "egress:\n"
            "  - {id: pub, effect: allow, tools: hf_hub, hosts: huggingface.co, paths: /org/, methods: [PUT],"
            " roles: ml-ci, ports: 443, schemes: https, when: {branch: main}}\n"
            "  - {id: any, effect: allow, tools: hf_hub, hosts: s3.example.com, ports: 443, schemes: https}\n"
            + only("egress-within-allowlist"))
    exact = summary(findings(text))
    assert exact == [("policy/egress-outside-allowlist", 10,
                      "rule 'any' (line 10) allows hf_hub -> GET https://s3.example.com:443/ (offline=false "
                      "tracking_opt_in=false branch=(other) principal=(other)), outside the allowlist")]
    monkeypatch.setattr(Prover, "_violation_regions", lambda self, outside, inside=None: None)  # the solver loop refines
    assert summary(findings(text)) == exact


def _many_trackers(semantics: str, n: int) -> str:
    rules = "".join(f"  - {{id: r{i}, effect: allow, tools: [wandb, mlflow], hosts: ['*.z{i}.example.com', '10.{i}.0.0/16'], "
                    f"ports: [80, 443]}}\n" for i in range(n))
    invariants = only("tracking-requires-opt-in").replace("  no-conflicts: false\n", "  no-conflicts: false\n  must-deny:\n"
                                                          "    - {id: no-ten, hosts: 10.0.0.0/8, ports: 80}\n")
    return (f"version: 1\nsemantics: {semantics}\n"
            f"egress:\n{rules}  - {{id: carve, effect: deny, hosts: ['*.z0.example.com']}}\n" + invariants)


@pytest.mark.parametrize("semantics", ["first-match", "deny-overrides"])
def test_tracking_and_contract_offenders_from_exact_regions_match_the_fully_refined_solver_loop(monkeypatch, semantics):
    # Past the tenth offender the solver loop refines partly; refining every witness, it must agree exactly.
    text = _many_trackers(semantics, 12)
    exact = summary(findings(text))
    monkeypatch.setattr(Prover, "_violation_regions", lambda self, outside, inside=None: None)
    monkeypatch.setattr("governance_hooks.policy.prove.FULL_WITNESSES", 100)
    assert summary(findings(text)) == exact
    kinds = [rule for rule, _, _ in exact]
    assert (kinds.count("policy/tracking-without-opt-in"), kinds.count("policy/must-deny-violated")) == (12, 12)
    messages = [message for _, _, message in exact]
    assert ("rule 'r11' (line 15) allows tracking mlflow -> https://host.z11.example.com:443 (offline=false "
            "tracking_opt_in=false) without tracking_opt_in") in messages
    assert ("must-deny contract 'no-ten' fails: mlflow -> https://10.11.0.0:80 (offline=false tracking_opt_in=false) "
            "is allowed by rule 'r11' (line 15)") in messages
