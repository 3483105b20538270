"""Policy language version 2: principals and roles on rules; context conditions (branch, environment, repository)."""

from __future__ import annotations

import pytest

from governance_hooks.policy import evaluate as ev
from governance_hooks.policy import model as m
from governance_hooks.policy.parse import load_policy

from .helpers import ALL_OFF, error_of, findings, summary

PUBLISH = """\
version: 2
identities:
  roles:
    ml-ci: [svc-ci-runner, svc-nightly]
    researchers: [alice, bob]
egress:
  - {id: hf-read, effect: allow, tools: hf_hub, hosts: huggingface.co, methods: [GET, HEAD]}
  - {id: hf-publish, effect: allow, tools: hf_hub, hosts: huggingface.co, paths: /myorg/, methods: [PUT, POST],
     roles: ml-ci, when: {branch: main, repository: myorg/models}}
  - {id: staging-only, effect: deny, principals: svc-nightly, when: {environment: {not: [staging]}}}
"""


def _request(principal, branch, repository="myorg/models", environment=None, method="PUT"):
    return m.Request("hf_hub", "huggingface.co", 443, "https", (("offline", False), ("tracking_opt_in", False)),
                     "/myorg/bert", method, (("branch", branch), ("environment", environment),
                                             ("principal", principal), ("repository", repository)))


def test_roles_expand_to_principals_and_context_conditions_compare_values():
    policy = load_policy(PUBLISH + ALL_OFF, "p.yaml")
    assert policy.roles == {"ml-ci": frozenset({"svc-ci-runner", "svc-nightly"}), "researchers": frozenset({"alice", "bob"})}
    assert policy.rule("hf-publish").match.attributes == (
        ("branch", frozenset({"main"}), False), ("principal", frozenset({"svc-ci-runner", "svc-nightly"}), False),
        ("repository", frozenset({"myorg/models"}), False))
    assert policy.rule("staging-only").match.attributes == (
        ("environment", frozenset({"staging"}), True), ("principal", frozenset({"svc-nightly"}), False))
    decide = lambda *a, **k: ev.decide(policy, _request(*a, **k))  # noqa: E731
    assert decide("svc-ci-runner", "main") == ev.Decision(True, ("hf-publish",))
    assert decide("svc-ci-runner", "dev") == ev.Decision(False, ())
    assert decide("alice", "main") == ev.Decision(False, ())
    assert decide("svc-ci-runner", "main", repository="fork/models") == ev.Decision(False, ())
    assert decide("svc-nightly", "main", environment="staging") == ev.Decision(True, ("hf-publish",))
    assert decide("svc-nightly", "main", environment=None) == ev.Decision(False, ("staging-only",))
    assert decide(None, None, method="GET") == ev.Decision(True, ("hf-read",))


def test_contracts_on_roles_and_context_are_proved_or_refuted_with_a_readable_witness():
    text = PUBLISH + ALL_OFF + """\
  must-deny:
    - {id: researchers-never-upload, roles: researchers, methods: [PUT, POST]}
    - {id: no-upload-off-main, methods: [PUT, POST], when: {branch: {not: main}}}
    - {id: nightly-only-in-staging, principals: svc-nightly, when: {environment: [prod, dev]}}
"""
    found = findings(text)
    assert summary(found) == []
    widened = text.replace("roles: ml-ci,", "roles: [ml-ci, researchers],")
    found = findings(widened)
    assert summary(found) == [
        ("policy/must-deny-violated", 22,
         "must-deny contract 'researchers-never-upload' fails: hf_hub -> POST https://huggingface.co:443/myorg/ "
         "(offline=false tracking_opt_in=false branch=main environment=(other) principal=alice repository=myorg/models) "
         "is allowed by rule 'hf-publish' (line 8)"),
    ]
    assert found[0].evidence["witness"]["attributes"] == {
        "branch": "main", "environment": None, "principal": "alice", "repository": "myorg/models"}


def test_an_attribute_widened_in_a_pull_request_is_new_access():
    base = PUBLISH + ALL_OFF
    new = base.replace("when: {branch: main, repository: myorg/models}", "when: {branch: [main, dev], repository: myorg/models}")
    assert summary(findings(new, base=base)) == [
        ("policy/new-access", 8,
         "the policy now allows hf_hub -> POST https://huggingface.co:443/myorg/ (offline=false tracking_opt_in=false "
         "branch=dev environment=(other) principal=svc-ci-runner repository=myorg/models) via rule 'hf-publish' (line 8); "
         "the base policy (base.yaml) denied it"),
    ]


def test_a_deny_on_another_context_value_is_a_conflict_only_where_it_overlaps():
    text = """\
version: 2
egress:
  - {id: pip, effect: allow, tools: pip, when: {environment: [prod, dev]}}
  - {id: no-prod-pip-on-forks, effect: deny, tools: pip, when: {environment: prod, repository: {not: myorg/app}}}
""" + ALL_OFF.replace("no-conflicts: false", "no-conflicts: true")
    assert summary(findings(text)) == []  # the deny lies inside the allow: an exception, not a conflict


@pytest.mark.parametrize("text, message", [
    ("egress:\n  - {id: a, effect: allow, roles: oncall}\n",
     "p.yaml:3: unknown role 'oncall' (defined: none (define them under identities.roles))"),
    ("identities: {roles: {oncall: [alice]}}\negress:\n  - {id: a, effect: allow, roles: [on-call]}\n",
     "p.yaml:4: unknown role 'on-call' (defined: oncall)"),
    ("egress:\n  - {id: a, effect: allow, principals: 'alice smith'}\n",
     "p.yaml:3: bad principal 'alice smith': expected a name of letters, digits and '_.@:/+-' (no '..', no '/' at the "
     "end, no wildcards: list the values)"),
    ("egress:\n  - {id: a, effect: allow, when: {branch: 'release/*'}}\n",
     "p.yaml:3: bad branch 'release/*': expected a name of letters, digits and '_.@:/+-' (no '..', no '/' at the end, "
     "no wildcards: list the values)"),
    ("egress:\n  - {id: a, effect: allow, when: {branch: true}}\n",
     "p.yaml:3: when.branch compares branch with names, found a boolean True (write a name, a list of names or {not: [...]})"),
    ("egress:\n  - {id: a, effect: allow, when: {environment: {is: prod}}}\n",
     "p.yaml:3: unknown key 'is' in when.environment (known: not)"),
    ("egress:\n  - {id: a, effect: allow, when: {team: ml}}\n",
     "p.yaml:3: unknown key 'team' in when (known: offline, tracking_opt_in, branch, environment, repository)"),
    ("identities: {roles: {oncall: []}}\n", "p.yaml:2: role 'oncall' must not be empty (omit the key to mean any)"),
])
def test_malformed_identities_and_context_are_one_line_errors(text, message):
    assert error_of("version: 2\n" + text) == message


def test_identities_and_context_need_version_2():
    for text, message in [
        ("version: 1\nidentities: {roles: {a: [b]}}\n", "p.yaml:2: 'identities' is a version 2 feature: write 'version: 2'"),
        ("version: 1\negress:\n  - {id: a, effect: allow, principals: alice}\n",
         "p.yaml:3: 'principals' is a version 2 feature: write 'version: 2'"),
        ("version: 1\negress:\n  - {id: a, effect: allow, when: {branch: main}}\n",
         "p.yaml:3: unknown key 'branch' in when (known: offline, tracking_opt_in)"),
    ]:
        assert error_of(text) == message


ADMIN = """\
version: 2
identities:
  roles:
    oncall: [alice, bob]
    platform: [carol]
admin:
  gates: {opt_in: true, min_approvals: 2, approver_not_author: true, protected_environments: [admin]}
  gate_rules:
    - {id: break-glass, operations: [restart-cluster], roles: oncall, opt_in: true, min_approvals: 1}
    - {id: runners, operations: [register-self-hosted-runner], min_approvals: 3, protected_environments: [admin]}
  operations:
    - {id: restart-cluster, class: admin}
    - {id: register-self-hosted-runner, class: admin}
  grants:
    - {id: oncall-restart, operations: restart-cluster, roles: oncall,
       requires: {opt_in: true, min_approvals: 1, approver_not_author: true}}
    - {id: platform-restart, operations: restart-cluster, roles: platform,
       requires: {opt_in: true, min_approvals: 2, approver_not_author: true, environments: [admin]}}
    - {id: runners, operations: register-self-hosted-runner, roles: platform,
       requires: {opt_in: true, min_approvals: 3, approver_not_author: true, environments: [admin]}}
""" + ALL_OFF.replace("admin-gated: false", "admin-gated: true")


def _admin(op, principal, approvals, env=None):
    return m.AdminRequest(op, True, approvals, False, env, principal, True)


def test_gate_rules_apply_per_operation_and_per_role():
    policy = load_policy(ADMIN, "p.yaml")
    assert [(g.id, g.operations, g.principals, g.gates.min_approvals) for g in policy.gate_rules] == [
        ("break-glass", frozenset({"restart-cluster"}), frozenset({"alice", "bob"}), 1),
        ("runners", frozenset({"register-self-hosted-runner"}), None, 3)]
    assert ev.gated(policy, _admin("restart-cluster", "alice", 1)) is True        # break-glass for oncall
    assert ev.gated(policy, _admin("restart-cluster", "carol", 1, "admin")) is False  # everyone else: 2
    assert ev.gated(policy, _admin("register-self-hosted-runner", "carol", 2, "admin")) is False  # stricter: 3
    assert ev.admin_decide(policy, _admin("restart-cluster", "carol", 1)).permitted is False


def test_a_one_approval_break_glass_grant_is_proved_gated_for_its_role_only():
    assert summary(findings(ADMIN)) == []
    widened = ADMIN.replace("- {id: oncall-restart, operations: restart-cluster, roles: oncall,",
                            "- {id: oncall-restart, operations: restart-cluster, roles: [oncall, platform],")
    found = findings(widened)
    assert summary(found) == [
        ("policy/admin-ungated", 15,
         "grant 'oncall-restart' permits admin operation carol runs restart-cluster with opt_in=true, approvals=1, "
         "approver_is_author=false, environment=(none); missing gate: 2 approval(s), protected environment (admin)"),
    ]
    assert found[0].evidence["witness"]["principal"] == "carol"


def test_a_grant_widened_to_another_role_is_new_admin_access():
    new = ADMIN.replace("roles: platform,\n       requires: {opt_in: true, min_approvals: 3",
                        "roles: [platform, oncall],\n       requires: {opt_in: true, min_approvals: 3")
    assert summary(findings(new, base=ADMIN)) == [
        ("policy/new-access", 19,
         "grant 'runners' now permits alice runs register-self-hosted-runner with opt_in=true, approvals=3, "
         "approver_is_author=false, environment=admin; the base policy (base.yaml) did not"),
    ]


@pytest.mark.parametrize("text, message", [
    ("admin:\n  gate_rules:\n    - {id: g, operations: [nope]}\n",
     "p.yaml:4: gate rule g: unknown operation 'nope' (declare it under admin.operations)"),
    ("admin:\n  gate_rules:\n    - {operations: []}\n",
     "p.yaml:4: gate rule id is missing: add 'id: NAME' (letters, digits, '_', '.', '-')"),
    ("admin:\n  gate_rules:\n    - {id: g, roles: [oncall]}\n",
     "p.yaml:4: unknown role 'oncall' (defined: none (define them under identities.roles))"),
    ("admin:\n  gate_rules:\n    - {id: g, min_approvals: many}\n", "p.yaml:4: min_approvals must be an integer 0-1000"),
])
def test_malformed_gate_rules_are_one_line_errors(text, message):
    assert error_of("version: 2\n" + text) == message


def test_gate_rules_need_version_2():
    assert error_of("version: 1\nadmin:\n  gate_rules: []\n") == "p.yaml:3: 'gate_rules' is a version 2 feature: write 'version: 2'"
