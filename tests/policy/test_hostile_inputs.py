"""Hostile policy inputs: special files, endless or huge files, out-of-repository paths.

Each gives one precise line and exit 2 (the policy is the check's configuration)
or a precise finding (an .smt2 file is an input), never a skip, a hang or a traceback.
"""

from __future__ import annotations

import json
import os

import pytest

from governance_hooks.cli import main
from governance_hooks.policy import runner

from .helpers import ALL_OFF, findings, summary
from .test_command import POLICY

POLICY_PATH = ".governance/policy.yaml"


def _exit_and_err(capsys, root, *argv):
    code = main(["policy", "--repo", str(root), *argv])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("make_special, expected", [
    (lambda p: os.symlink("/dev/zero", p),
     "the policy is a symbolic link that points outside the repository; refusing to read it"),
    (lambda p: os.symlink("/etc/passwd", p),
     "the policy is a symbolic link that points outside the repository; refusing to read it"),
    (lambda p: os.symlink("policy.yaml", p),
     "the policy is a broken symbolic link (Too many levels of symbolic links)"),
    (lambda p: os.symlink("missing.yaml", p), "the policy is a broken symbolic link (No such file or directory)"),
    (os.mkfifo, "the policy is a FIFO, not a regular file"),
    (os.mkdir, "the policy is a folder, not a regular file"),
], ids=["symlink-dev-zero", "symlink-outside", "symlink-loop", "symlink-dangling", "fifo", "folder"])
def test_unusable_policy_path_is_exit_2_not_a_silent_skip(make_repo, capsys, make_special, expected):
    root = make_repo({"README.md": "hi\n"})
    (root / ".governance").mkdir()
    make_special(root / POLICY_PATH)
    code, err = _exit_and_err(capsys, root)
    assert code == 2
    assert err == f"governance-hooks: error: {POLICY_PATH}: {expected}\n"


def test_policy_symlink_inside_the_repository_is_followed(make_repo, capsys):
    root = make_repo({"policies/main.yaml": POLICY})
    (root / ".governance").mkdir()
    os.symlink("../policies/main.yaml", root / POLICY_PATH)
    code = main(["policy", "--repo", str(root), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["summary"]["policy"]["policies"] == 1


def test_endless_base_policy_is_refused_without_reading_it_all(make_repo, capsys):
    root = make_repo({POLICY_PATH: POLICY})
    code, err = _exit_and_err(capsys, root, "--base", "/dev/zero", str(root / POLICY_PATH))
    assert code == 2
    assert err == "governance-hooks: error: /dev/zero: base policy is larger than 4 MiB\n"


def test_oversized_policy_is_refused_before_parsing(make_repo, capsys):
    root = make_repo({POLICY_PATH: "# " + "x" * (4 * 1024 * 1024) + "\n"})
    code, err = _exit_and_err(capsys, root)
    assert code == 2
    assert err == f"governance-hooks: error: {POLICY_PATH}: policy is larger than 4 MiB\n"


def test_read_bounded_reads_one_byte_past_the_limit():
    assert len(runner.read_bounded("/dev/zero", 10)) == 11


def test_oversized_smt_file_is_refused_as_a_finding(make_repo, capsys):
    root = make_repo({".governance/big.smt2": ";" * (1024 * 1024 + 1) + "\n"})
    code = main(["policy", "--repo", str(root), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [(f["rule_id"], f["path"], f["line"], f["message"]) for f in report["findings"]] == [
        ("policy/smt-refused", ".governance/big.smt2", 1, "file larger than 1048576 bytes is not run")]


def test_unreadable_smt_file_is_a_finding_and_the_other_files_still_run(make_repo, capsys):
    root = make_repo({".governance/ok.smt2": "(set-info :status sat)\n(check-sat)\n"})
    os.mkfifo(root / "pipe")  # git lists no FIFO: a link to it is what a checkout can hold
    os.symlink("../pipe", root / ".governance" / "fifo.smt2")
    os.symlink("/dev/zero", root / ".governance" / "zero.smt2")
    code = main(["policy", "--repo", str(root), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [(f["rule_id"], f["path"], f["line"], f["message"]) for f in report["findings"]] == [
        ("policy/smt-refused", ".governance/fifo.smt2", 1,
         "cannot read the file: is a FIFO (named pipe), not a regular file; not run"),
        ("policy/smt-refused", ".governance/zero.smt2", 1,
         "cannot read the file: is a symlink to /dev/zero, outside the repository; not run")]
    assert report["summary"]["policy"]["smt_files"] == 3


@pytest.mark.parametrize("pattern", ["/etc/*", "**/../../*", "x/../y/*.smt2", ""])
def test_smt_glob_outside_the_repository_is_a_configuration_error(make_repo, capsys, pattern):
    root = make_repo({"pyproject.toml": f"[tool.governance-hooks.policy]\nsmt = [{json.dumps(pattern)}]\n"})
    code, err = _exit_and_err(capsys, root)
    assert code == 2
    assert err == (f"governance-hooks: error: {root / 'pyproject.toml'}: [tool.governance-hooks.policy] smt pattern "
                   f"{pattern!r} must be a relative glob inside the repository\n")


def _overlapping_policy(n: int, semantics: str) -> str:
    rules = "".join(
        f"  - id: r{i}\n    effect: {'deny' if i % 2 else 'allow'}\n    hosts: ['*.example.com']\n"
        f"    ports: ['{1 + i}-{60000 - i}']\n    when: {{offline: false}}\n" for i in range(n))
    return (f"version: 1\nsemantics: {semantics}\nallowlist:\n  - {{hosts: ['*.example.com'], ports: ['1-65535']}}\n"
            f"egress:\n{rules}" + ALL_OFF.replace("no-shadowed-rules: false", "no-shadowed-rules: true")
            .replace("no-redundant-rules: false", "no-redundant-rules: true").replace("no-conflicts: false", "no-conflicts: true"))


@pytest.mark.parametrize("semantics", ["first-match", "deny-overrides"])
def test_anomaly_passes_stop_at_their_query_budget_and_name_the_rules_not_checked(semantics):
    # Mutually overlapping rules make these passes quadratic in solver queries: a 2000-rule
    # policy ran for minutes before the budget existed. The budget counts queries, so the
    # same policy stops at the same place on any machine.
    found = findings(_overlapping_policy(6, semantics), anomaly_queries=1)
    incomplete = [f for f in found if f.rule_id == "policy/analysis-incomplete"]
    assert len(incomplete) == 1 and incomplete[0].severity.label == "note"
    assert incomplete[0].message.startswith("rule anomalies stopped at the budget of 1 solver queries; shadowing not checked for ")
    again = findings(_overlapping_policy(6, semantics), anomaly_queries=1)
    assert summary(again) == summary(found)


def test_anomaly_budget_does_not_change_a_small_policy():
    text = _overlapping_policy(6, "first-match")
    assert summary(findings(text, anomaly_queries=10_000)) == summary(findings(text))
    assert not [f for f in findings(text) if f.rule_id == "policy/analysis-incomplete"]


def test_python_warnings_about_a_scanned_file_never_reach_stderr(make_repo, capsys, monkeypatch):
    # An invalid escape makes the compiler warn with the file's name and source line; printed, a line of the
    # repository (here a workflow command) would reach the runner's stderr. Python 3.12 prints such
    # SyntaxWarnings by default; "always" and a printing showwarning force the same on every version.
    evil = ('import mlflow\nmlflow.set_tracking_uri("http://x.example.com")\n'
            'x = f"""\n::error file=src/a.py,line=1::FORGED \\d"""\n')
    root = make_repo({POLICY_PATH: POLICY + "tracking:\n  mlflow:\n    allowed_uris: [file:./mlruns]\n",
                      "src/evil.py": evil})
    import sys
    import warnings

    def show(message, category, filename, lineno, file=None, line=None):
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        monkeypatch.setattr(warnings, "showwarning", show)
        code = main(["policy", "--repo", str(root), "--format", "json"])
    out, err = capsys.readouterr()
    assert [line for line in err.splitlines() if "FORGED" in line or "escape" in line or "::" in line] == []
    assert code == 1
    assert [(f["path"], f["line"], f["rule_id"]) for f in json.loads(out)["findings"]] == [
        ("src/evil.py", 2, "policy/endpoint-not-allowed")]
