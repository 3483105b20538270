"""Policy language: every error is a ToolError naming file, line and reason."""

from __future__ import annotations

import pytest

from governance_hooks.errors import ToolError
from governance_hooks.policy.model import HostPattern, PortRange
from governance_hooks.policy.parse import load_policy


def error_of(text: str) -> str:
    with pytest.raises(ToolError) as info:
        load_policy(text, "policy.yaml")
    return str(info.value)


@pytest.mark.parametrize("text, message", [
    ("", "policy.yaml:1: the policy is empty"),
    ("- 1\n", "policy.yaml:1: the policy must be a mapping, found a list"),
    ("semantics: first-match\n", "policy.yaml:1: missing 'version: 1' (or 2)"),
    ("version: 9\n", "policy.yaml:1: unsupported policy version 9 (expected 1 or 2)"),
    ("version: 1\nsemantics: last-match\n", "policy.yaml:2: semantics must be deny-overrides or first-match"),
    ("version: 1\negres: []\n",
     "policy.yaml:2: unknown key 'egres' in the policy (known: version, semantics, tools, flags, schemes, allowlist, "
     "egress, tracking, admin, invariants, include, groups, identities)"),
    ("version: 1\negress:\n  - id: a\n    effect: allow\n    hosts: 10.0.0.1/8\n",
     "policy.yaml:5: bad CIDR '10.0.0.1/8': 10.0.0.1/8 has host bits set"),
    ("version: 1\negress:\n  - id: a\n    effect: allow\n    hosts: 300.0.0.0/8\n",
     "policy.yaml:5: bad CIDR '300.0.0.0/8': '300.0.0.0/8' does not appear to be an IPv4 or IPv6 network"),
    ("version: 1\negress:\n  - id: a\n    effect: allow\n    ports: [443, 70000]\n",
     "policy.yaml:5: port 70000 out of range 1-65535"),
    ("version: 1\negress:\n  - id: a\n    effect: allow\n    ports:\n      - 0\n", "policy.yaml:6: port 0 out of range 1-65535"),
    ("version: 1\negress:\n  - id: a\n    effect: allow\n    ports: '900-80'\n", "policy.yaml:5: empty port range '900-80'"),
    ("version: 1\negress:\n  - id: a\n    effect: allow\n    tools: [pip, npm]\n",
     "policy.yaml:5: unknown tool 'npm' (declare it under 'tools:'; known: conda, curl, docker, gh, git, hf_hub, mlflow, "
     "pip, python, uv, wandb, wget)"),
    ("version: 1\negress:\n  - id: a\n    effect: allow\n    when: {airgapped: true}\n",
     "policy.yaml:5: unknown key 'airgapped' in when (known: offline, tracking_opt_in)"),
    ("version: 1\negress:\n  - id: a\n    effect: allow\n    hosts: 'api.*.example.com'\n",
     "policy.yaml:5: bad host 'api.*.example.com': '*' (one or more labels) is allowed only as the whole first label "
     "('*.example.com'); for exactly one label there write '+' (api.+.example.com)"),
    ("version: 1\negress:\n  - {id: a, effect: allow}\n  - {id: a, effect: deny}\n",
     "policy.yaml:4: duplicate rule id 'a' (first on line 3)"),
    ("version: 1\negress:\n  - {id: a, effect: permit}\n", "policy.yaml:3: rule a: effect must be allow or deny"),
    ("version: 1\nversion: 1\n", "policy.yaml:2: invalid YAML: duplicate key 'version'"),
    ("version: 1\nx: &a [1]\ny: *a\n", "policy.yaml:3: invalid YAML: aliases (*name) are not allowed in a policy"),
    ("version: 1\nadmin:\n  grants:\n    - {id: g, operations: deploy}\n",
     "policy.yaml:4: grant g: unknown operation 'deploy' (declare it under admin.operations)"),
    ("version: 1\ninvariants:\n  no-cycles: true\n",
     "policy.yaml:3: unknown key 'no-cycles' in invariants (known: egress-within-allowlist, offline-no-egress, "
     "tracking-requires-opt-in, tracking-endpoints-allowed, admin-gated, readonly-admin-exclusive, no-shadowed-rules, "
     "no-redundant-rules, no-conflicts, must-allow, must-deny)"),
    ("version: 1\ntracking:\n  wandb: {mode: online}\n",
     "policy.yaml:3: tracking.wandb.mode must be offline or disabled (online needs the opt-in)"),
    ("version: 1\ntracking:\n  mlflow:\n    allowed_uris: ['https://x.example.com:99999']\n",
     "policy.yaml:4: 'https://x.example.com:99999' has a bad port"),
])
def test_policy_errors_name_file_line_and_reason(text, message):
    assert error_of(text) == message


def test_yaml_syntax_error_names_the_line():
    # The wording comes from libyaml or PyYAML, whichever is installed.
    assert error_of("version: 1\negress: [\n").startswith("policy.yaml:3: invalid YAML: while parsing a flow node")


def test_valid_policy_model():
    text = """\
version: 1
tools: [npm]
flags: [airgapped]
egress:
  - id: npm
    effect: allow
    tools: npm
    hosts: ["*.npmjs.org", 2001:db8::/32, 192.0.2.7]
    ports: [443, "8000-8080"]
    when: {airgapped: false}
"""
    policy = load_policy(text, "p.yaml")
    assert "npm" in policy.tools and "airgapped" in policy.flags
    rule = policy.egress[0]
    assert (rule.id, rule.effect, rule.line, rule.index) == ("npm", "allow", 5, 0)
    assert rule.match.tools == frozenset({"npm"})
    assert rule.match.hosts == (
        HostPattern("*.npmjs.org", "wildcard", name="npmjs.org"),
        HostPattern("2001:db8::/32", "cidr6", network=0x20010DB8 << 96, prefix=32),
        HostPattern("192.0.2.7", "cidr4", network=0xC0000207, prefix=32),
    )
    assert rule.match.ports == (PortRange(443, 443), PortRange(8000, 8080))
    assert rule.match.when == (("airgapped", False),)
    assert set(policy.invariants) == {
        "egress-within-allowlist", "offline-no-egress", "tracking-requires-opt-in", "tracking-endpoints-allowed",
        "admin-gated", "readonly-admin-exclusive", "no-shadowed-rules", "no-redundant-rules", "no-conflicts",
    }


def test_star_means_any_host_and_any_port():
    policy = load_policy("version: 1\negress:\n  - {id: a, effect: allow, hosts: '*', ports: '*'}\n", "p.yaml")
    assert policy.egress[0].match.hosts is None and policy.egress[0].match.ports is None


def test_demo_policy_parses():
    from pathlib import Path

    from governance_hooks.policy.runner import load_policy_file

    root = Path(__file__).resolve().parents[2] / "examples" / "demo-repo"
    policy = load_policy_file(root / ".governance" / "policy.yaml", root)  # version 2, with an include
    assert [r.id for r in policy.egress] == ["pip-index", "artifact-cache", "git-clone", "hf-models", "hf-publish", "datasets",
                                             "mlflow-internal", "wandb-cloud"]
    assert policy.rule("hf-publish").match.attributes == (("branch", frozenset({"main"}), False),
                                                          ("principal", frozenset({"svc-ci-runner"}), False))
    assert [(g.id, g.principals, g.gates.min_approvals) for g in policy.gate_rules] == [
        ("break-glass", frozenset({"alice", "bob"}), 1)]


def test_hostile_policy_documents_are_one_line_errors():
    assert error_of("version: 1\nx: " + "a" * (4 * 1024 * 1024 + 1) + "\n") == "policy.yaml: policy is larger than 4 MiB"
    deep = error_of("version: 1\negress: " + "[" * 5000 + "]" * 5000 + "\n")
    assert deep.startswith("policy.yaml:2: invalid YAML") or deep == "policy.yaml: invalid YAML: nested too deeply"
    assert error_of("version: 1\nports: !!python/object:os.system 1\n").startswith("policy.yaml:2: invalid YAML")


def test_bom_and_crlf_keep_line_numbers():
    text = "\ufeffversion: 1\r\negress:\r\n  - {id: a, effect: allow, tools: pip}\r\n  - {id: b, effect: deny, ports: 0}\r\n"
    with pytest.raises(ToolError, match=r"^policy.yaml:4: port 0 out of range 1-65535$"):
        load_policy(text.lstrip("\ufeff"), "policy.yaml")
    policy = load_policy(text.replace("ports: 0", "ports: 1"), "policy.yaml")
    assert [r.line for r in policy.egress] == [3, 4]


def test_rule_count_budget():
    rules = "".join(f"  - {{id: r{i}, effect: allow, ports: {i % 60000 + 1}}}\n" for i in range(10_001))
    assert error_of("version: 1\negress:\n" + rules) == "policy.yaml:3: 10001 egress rules; at most 10000 are checked"


@pytest.mark.parametrize("body, message", [
    ("egress:\n  - {id: a, effect: allow, hosts: 42}\n",
     "policy.yaml:3: hosts must be a string or a list of strings, found an integer 42 (quote it)"),
    ("egress:\n  - {id: a, effect: allow, hosts: ['https://pypi.org/simple']}\n",
     "policy.yaml:3: bad host 'https://pypi.org/simple': found a URL or host:port, expected a host name, address or "
     "CIDR alone (write 'pypi.org'; put ports under ports: and schemes under schemes:)"),
    ("egress:\n  - {id: a, effect: deny, hosts: ['169.254.169.2540']}\n",
     "policy.yaml:3: bad host '169.254.169.2540': not a valid IP address (each IPv4 part 0-255, no leading zeros, "
     "four parts), and not a host name either: the last label of a name cannot be all digits"),
    ("invariants:\n  must-deny:\n    - {hosts: pypi.org}\n",
     "policy.yaml:4: contract id is missing: add 'id: NAME' (letters, digits, '_', '.', '-')"),
    ("egress:\n  - {id: a, effect: allow, when: {offline: 'no'}}\n",
     "policy.yaml:3: when.offline must be true or false, found a string 'no'"),
    ("tracking:\n  mlflow:\n    allowed_uris: ['http//mlflow.internal.example.com']\n",
     "policy.yaml:4: 'http//mlflow.internal.example.com' looks like a URL with the ':' after 'http' missing; "
     "expected http://HOST (a local store is file:PATH or a path)"),
])
def test_errors_say_what_was_found_and_what_is_expected(body, message):
    from governance_hooks.errors import ToolError
    from governance_hooks.policy.parse import load_policy

    with pytest.raises(ToolError) as caught:
        load_policy("version: 1\n" + body, "policy.yaml")
    assert str(caught.value) == message
