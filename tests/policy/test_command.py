"""``governance-hooks policy``: exit codes, discovery, base comparison, suppression, configuration."""

from __future__ import annotations

import json

from governance_hooks.cli import main

from ..conftest import git

POLICY = """\
version: 1
allowlist:
  - {hosts: [pypi.org], ports: 443, schemes: https}
egress:
  - id: pip
    effect: allow
    tools: pip
    hosts: pypi.org
    ports: 443
    schemes: https
    when: {offline: false}
"""
WIDE = POLICY + """\
  - id: anything-git
    effect: allow
    tools: git
    when: {offline: false}
"""


def run_json(capsys, *argv):
    code = main(["policy", "--format", "json", *argv])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else None, err


def test_repository_without_a_policy_is_skipped(make_repo, capsys):
    root = make_repo({"README.md": "hi\n"})
    code, report, _ = run_json(capsys, "--repo", str(root))
    assert code == 0
    assert report["findings"] == []
    assert report["summary"]["policy"] == {"error": 0, "warning": 0, "note": 0, "policy": "absent", "status": "skipped",
                                           "reason": "no policy file (.governance/policy.yaml)"}


def test_clean_policy_passes_and_reports_stats(make_repo, capsys):
    root = make_repo({".governance/policy.yaml": POLICY, "requirements.txt": "--index-url https://pypi.org/simple\n"})
    code, report, _ = run_json(capsys, "--repo", str(root))
    assert code == 0, report
    summary = report["summary"]["policy"]
    assert (summary["status"], summary["rules"], summary["invariants_violated"], summary["endpoints_scanned"]) == ("pass", 1, 0, 1)
    assert summary["invariants_proved"] == 6


def test_violation_exits_1_with_witness(make_repo, capsys):
    root = make_repo({".governance/policy.yaml": WIDE})
    code, report, _ = run_json(capsys, "--repo", str(root))
    assert code == 1
    [finding] = report["findings"]
    assert (finding["rule_id"], finding["path"], finding["line"]) == ("policy/egress-outside-allowlist", ".governance/policy.yaml", 12)
    assert finding["evidence"]["witness"] == {"tool": "git", "host": "unlisted.example", "port": 443, "scheme": "https",
                                              "flags": {"offline": False, "tracking_opt_in": False}}


def test_policy_error_is_exit_2_with_one_line(make_repo, capsys):
    root = make_repo({".governance/policy.yaml": POLICY.replace("ports: 443\n    schemes", "ports: 99999\n    schemes")})
    assert main(["policy", "--repo", str(root)]) == 2
    err = capsys.readouterr().err
    assert err == "governance-hooks: error: .governance/policy.yaml:9: port 99999 out of range 1-65535\n"


def test_invalid_utf8_policy_is_exit_2(make_repo, capsys):
    root = make_repo({".governance/policy.yaml": b"version: 1\n\xff\xfe\n"})
    assert main(["policy", "--repo", str(root)]) == 2
    assert "policy is not valid UTF-8 (byte 11)" in capsys.readouterr().err


def test_no_new_access_against_a_git_revision(make_repo, capsys):
    root = make_repo({".governance/policy.yaml": POLICY})
    (root / ".governance/policy.yaml").write_text(WIDE.replace("tools: git\n", "tools: git\n    hosts: pypi.org\n    ports: 443\n    schemes: https\n"), encoding="utf-8")
    code, report, _ = run_json(capsys, "--repo", str(root), "--base-ref", "HEAD")
    assert code == 1
    assert [(f["rule_id"], f["line"], f["message"]) for f in report["findings"]] == [(
        "policy/new-access", 12,
        "the policy now allows git -> https://pypi.org:443 (offline=false tracking_opt_in=false) via rule "
        "'anything-git' (line 12); the base policy (HEAD:.governance/policy.yaml) denied it",
    )]
    assert main(["policy", "--repo", str(root), "--base-ref", "no-such-rev"]) == 2
    assert "--base-ref no-such-rev: not a commit" in capsys.readouterr().err


def test_base_file_and_explicit_files(make_repo, tmp_path, capsys, monkeypatch):
    root = make_repo({"p.yaml": WIDE, "old.yaml": POLICY,
                      "claim.smt2": "(set-info :status sat)\n(declare-const a Bool)\n(assert (! (and a (not a)) :named contradiction))\n(check-sat)\n"})
    monkeypatch.chdir(root)
    code, report, _ = run_json(capsys, "--repo", str(root), "--base", "old.yaml", "p.yaml")
    assert code == 1
    assert sorted(f["rule_id"] for f in report["findings"]) == ["policy/egress-outside-allowlist", "policy/new-access"]
    code, report, _ = run_json(capsys, "--repo", str(root), "claim.smt2")
    assert code == 1
    assert [(f["rule_id"], f["line"], f["message"]) for f in report["findings"]] == [(
        "policy/smt-unexpected-result", 4,
        "expected sat but the assertions are unsatisfiable; unsat core: contradiction (line 3)")]
    assert main(["policy", "--repo", str(root), "README"]) == 2
    assert capsys.readouterr().err == "governance-hooks: error: README: no such file\n"


def test_inline_suppression_and_configuration(make_repo, capsys):
    suppressed = WIDE.replace("  - id: anything-git\n", "  - id: anything-git  # governance: ignore[policy/egress-outside-allowlist]\n")
    root = make_repo({".governance/policy.yaml": suppressed})
    assert main(["policy", "--repo", str(root)]) == 0
    capsys.readouterr()
    root2 = make_repo({"pyproject.toml": "[tool.governance-hooks.policy]\nrlimit = 'lots'\n"}, name="cfg")
    assert main(["policy", "--repo", str(root2)]) == 2
    assert "[tool.governance-hooks.policy] rlimit must be a positive integer" in capsys.readouterr().err
    root3 = make_repo({"pyproject.toml": "[tool.governance-hooks.policy]\ncolour = true\n"}, name="cfg3")
    assert main(["policy", "--repo", str(root3)]) == 2
    assert "unknown key 'colour' in [tool.governance-hooks.policy]" in capsys.readouterr().err


def test_unknown_fails_unless_allowed(make_repo, capsys):
    root = make_repo({".governance/policy.yaml": WIDE})
    code, report, _ = run_json(capsys, "--repo", str(root), "--rlimit", "1")
    assert code == 1
    assert {f["rule_id"] for f in report["findings"]} == {"policy/analysis-incomplete"}
    code, report, _ = run_json(capsys, "--repo", str(root), "--rlimit", "1", "--allow-unknown")
    assert code == 0
    assert {f["severity"] for f in report["findings"]} == {"warning"}


def test_changed_files_restrict_the_conformance_scan(make_repo):
    from argparse import Namespace

    from governance_hooks.check import Context
    from governance_hooks.config import Config
    from governance_hooks.policy.command import run

    root = make_repo({".governance/policy.yaml": POLICY, ".env": "MLFLOW_TRACKING_URI=http://m.example.com\n",
                      "b/.env": "MLFLOW_TRACKING_URI=http://n.example.com\n"})
    args = Namespace(files=[], base=None, base_ref=None, allow_unknown=None, rlimit=None, no_conformance=False, anomaly_queries=None)
    ctx = Context(root=root, config=Config(), check="policy", changed_files=["b/.env"])
    result = run(args, ctx)
    assert [(f.location.path, f.location.line) for f in result.findings] == [("b/.env", 1)]
    assert git(root, "status", "--porcelain") == ""  # nothing written


def test_progress_is_shown_on_a_terminal_only():
    import io

    from governance_hooks.escape import terminal_safe
    from governance_hooks.policy.progress import PhaseProgress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert PhaseProgress.if_terminal(io.StringIO(), environ={}) is None  # a pipe or file: nothing
    assert PhaseProgress.if_terminal(Tty(), environ={"CI": "true"}) is None
    shown = PhaseProgress.if_terminal(Tty(), environ={})
    hostile = "policy p.yaml: shadowing\x1b]52;c;x\x07"
    shown(hostile, 256, 1000)
    shown(hostile, 512, 1000)
    bar = shown.bar._bar  # the shared tqdm bar
    assert (bar.desc, bar.n, bar.total) == (terminal_safe(hostile), 512, 1000)
    assert "\x1b" not in bar.desc and "\x07" not in bar.desc
    shown("policy p.yaml: conflicts", 10, 50)  # the next phase opens a new bar
    assert (shown.bar._bar.n, shown.bar._bar.total) == (10, 50)
    shown.close()
    assert shown.bar is None
