"""A baseline entry accepts one payload per check: the content that makes a finding what it is.

Each test accepts a finding into a baseline, then swaps the content that matters for
other content that gives the *same message* (or the same identity), and expects the
finding to be new again. Where the identity already pins the content (redos) the test
locks that in.
"""

from __future__ import annotations

import json
import textwrap

from governance_hooks.cli import main
from governance_hooks.findings import Finding, Location, Severity


def _baseline_then_swap(make_repo, tmp_path, capsys, files, check, swap, config=""):
    """Write a baseline, check it absorbs the findings, apply ``swap``; return (code, findings) after."""
    if config:
        files = {**files, "pyproject.toml": config}
    root = make_repo(files)
    base = tmp_path / "baseline.json"
    argv = ["run", "--repo", str(root), "--checks", check, "--format", "json"]
    assert main(argv + ["--write-baseline", str(base)]) == 0
    capsys.readouterr()
    assert json.loads(base.read_text(encoding="utf-8"))["findings"], "nothing was baselined"
    assert main(argv + ["--baseline", str(base)]) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []
    for rel, content in swap.items():
        (root / rel).write_text(content, encoding="utf-8")
    code = main(argv + ["--baseline", str(base)])
    return code, json.loads(capsys.readouterr().out)["findings"]


# --------------------------------------------------------------------------- redos

_REDOS_TAIL = "0123456789" * 8  # past the 80-character cut of the pattern in the message


def test_redos_regex_swapped_past_the_message_cut_is_new(make_repo, tmp_path, capsys):
    use = "\n\ndef f(s):\n    return P.match(s)\n"  # a visible use: an unused pattern is one severity lower
    before = f'import re\nP = re.compile(r"(a+)+b{_REDOS_TAIL}XYZ")\n' + use
    after = f'import re\nP = re.compile(r"(a+)+b{_REDOS_TAIL}QQQ")\n' + use
    code, found = _baseline_then_swap(make_repo, tmp_path, capsys, {"x.py": before}, "redos", {"x.py": after},
                                      config="[tool.governance-hooks.redos]\nconfirm = false\n")
    assert code == 1
    assert [(f["rule_id"], f["path"], f["evidence"]["pattern"]) for f in found] == [
        ("redos/exponential-backtracking", "x.py", f"(a+)+b{_REDOS_TAIL}QQQ")]


# --------------------------------------------------------------------------- policy

_POLICY = """\
version: 1
allowlist:
  - hosts: pypi.org
    ports: 443
    schemes: https
egress:
  - id: pip
    effect: allow
    tools: pip
    hosts: pypi.org
    ports: 443
    schemes: https
  - id: hf
    effect: allow
    tools: hf_hub
    hosts: {host}
invariants:
  egress-within-allowlist: true
  offline-no-egress: false
  tracking-requires-opt-in: false
  tracking-endpoints-allowed: false
  admin-gated: false
  readonly-admin-exclusive: false
  no-shadowed-rules: false
  no-redundant-rules: false
  no-conflicts: false
"""


def _policy_findings(text):
    from governance_hooks.policy.parse import load_policy
    from governance_hooks.policy.prove import ProveOptions, prove

    return prove(load_policy(text, "policy.yaml"), ProveOptions()).findings


def test_policy_rule_rewritten_under_the_same_id_is_a_new_finding():
    accepted = _policy_findings(_POLICY.format(host="huggingface.co"))
    swapped = _policy_findings(_POLICY.format(host="exfil.example"))
    assert [(f.rule_id, f.identity) for f in accepted] == [("policy/egress-outside-allowlist",
                                                            "egress-within-allowlist:hf")]
    assert [(f.rule_id, f.identity) for f in swapped] == [("policy/egress-outside-allowlist",
                                                           "egress-within-allowlist:hf")]
    assert accepted[0].evidence["payload"].startswith("sha256:")
    assert accepted[0].fingerprint() != swapped[0].fingerprint()


def test_policy_rule_moved_keeps_its_baseline_entry():
    text = _POLICY.format(host="huggingface.co")
    moved = text.replace("egress:\n", "egress:\n  # the pip mirror comes first\n\n")
    first, second = _policy_findings(text), _policy_findings(moved)
    assert first[0].location.line + 2 == second[0].location.line
    assert first[0].fingerprint() == second[0].fingerprint()


# --------------------------------------------------------------------------- metrics

_SCHEMA = json.dumps({"type": "object", "properties": {"note": {"type": "string", "maxLength": 10}}})


def test_metrics_long_value_swapped_past_the_message_cut_is_new(make_repo, tmp_path, capsys):
    prefix = "x" * 70
    before = json.dumps({"note": prefix + "-accepted-value"}) + "\n"
    after = json.dumps({"note": prefix + "-other-content!"}) + "\n"
    config = '[tool.governance-hooks.metrics]\nschema = "schema.json"\n'
    code, found = _baseline_then_swap(make_repo, tmp_path, capsys, {"schema.json": _SCHEMA, "runs/a.ndjson": before},
                                      "metrics", {"runs/a.ndjson": after}, config=config)
    assert code == 1
    assert [(f["rule_id"], f["path"], f["line"]) for f in found] == [("metrics/schema-violation", "runs/a.ndjson", 1)]



# --------------------------------------------------------------------------- semgrep

def _semgrep_findings(lines):
    from governance_hooks.semgrep.results import to_findings

    result = {"check_id": "rules.yaml-unsafe-load", "path": "app.py", "start": {"line": 1, "col": 1},
              "end": {"line": 3, "col": 2}, "extra": {"severity": "ERROR", "message": "unsafe load", "metadata": {}}}
    found, _ = to_findings([result], lambda p: p, lambda p, n: lines[n - 1] if 0 < n <= len(lines) else "")
    return found


def test_semgrep_multi_line_match_pins_its_later_lines():
    accepted = _semgrep_findings(["config = yaml.load(", "    text, Loader=yaml.SafeLoader", ")"])
    swapped = _semgrep_findings(["config = yaml.load(", "    text, Loader=yaml.UnsafeLoader", ")"])
    reindented = _semgrep_findings(["config = yaml.load(", "        text,   Loader=yaml.SafeLoader", ")"])
    assert accepted[0].message == swapped[0].message and accepted[0].identity == swapped[0].identity
    assert accepted[0].fingerprint() != swapped[0].fingerprint()
    assert accepted[0].fingerprint() == reindented[0].fingerprint()


def test_semgrep_one_line_match_fingerprint_is_unchanged():
    from governance_hooks.semgrep.results import to_findings

    result = {"check_id": "rules.yaml-unsafe-load", "path": "app.py", "start": {"line": 1, "col": 1},
              "end": {"line": 1, "col": 20}, "extra": {"severity": "ERROR", "message": "unsafe load", "metadata": {}}}
    found, _ = to_findings([result], lambda p: p, lambda p, n: "x = yaml.load(t)")
    assert "payload" not in found[0].evidence
    assert found[0].fingerprint() == Finding("semgrep/yaml-unsafe-load", Severity.ERROR, "unsafe load",
                                             Location("app.py"), identity="yaml-unsafe-load:x = yaml.load(t)").fingerprint()


# --------------------------------------------------------------------------- codeowners

def test_codeowners_line_rewritten_with_other_owners_is_new(make_repo, tmp_path, capsys):
    before = "* @org/all\n/secrets/ @org/security\n/secrets/ @org/security @org/admins\n"
    after = "* @org/all\n/secrets/ @org/attacker\n/secrets/ @org/security @org/admins\n"
    files = {".github/CODEOWNERS": before, "secrets/key.txt": "k\n", "README.md": "r\n"}
    code, found = _baseline_then_swap(make_repo, tmp_path, capsys, files, "codeowners",
                                      {".github/CODEOWNERS": after})
    assert code == 0  # a warning, below the default fail-on; it is reported again all the same
    assert [(f["rule_id"], f["line"], f["evidence"]["payload"]) for f in found] == [
        ("codeowners/duplicate-pattern", 2, "/secrets/ @org/attacker")]
