"""``governance-hooks run`` end to end through ``cli.main``, with fake checks."""

from __future__ import annotations

import json

import jsonschema
import pytest

from governance_hooks import cli

from ..conftest import git
from .conftest import crashing, marker_check, misconfigured, seen, skipping


def _repo(make_repo, files=None):
    return make_repo(files or {
        "a.own": "fine\nBAD:alpha here\n",
        "b.own": "WARN:beta\n",
        "src/c.rx": "x\ny\nBAD:gamma\n",
    })


def test_runs_every_check_and_reports_all_findings(make_repo, fake_checks, capsys):
    fake_checks({"codeowners": marker_check("codeowners", ".own"), "redos": marker_check("redos", ".rx")})
    root = _repo(make_repo)
    assert cli.main(["run", str(root)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "a.own:2:1: error codeowners/bad-marker marker alpha at line 2",
        "b.own:1:1: warning codeowners/warn-marker marker beta at line 1",
        "src/c.rx:3:1: error redos/bad-marker marker gamma at line 3",
        "codeowners: 1 error, 1 warning, 0 notes; files: 2",
        "redos: 1 error, 0 warnings, 0 notes; files: 1",
        "metrics: skipped (not available in this installation)",
        "policy: skipped (not available in this installation)",
        "manifest: skipped (not available in this installation)",
        "checkpoint: skipped (not available in this installation)",
        "semgrep: skipped (not available in this installation)",
        "total: 2 checks run (5 skipped), 2 errors, 1 warning, 0 notes; exit 1 (findings at or above error)",
    ]


def test_fail_on_warning_and_clean_exit(make_repo, fake_checks, capsys):
    fake_checks({"codeowners": marker_check("codeowners", ".own")})
    root = _repo(make_repo, {"a.own": "WARN:only\n"})
    assert cli.main(["run", str(root)]) == 0
    assert cli.main(["run", str(root), "--fail-on", "warning"]) == 1


def test_one_check_crashing_does_not_stop_the_others(make_repo, fake_checks, capsys):
    fake_checks({
        "codeowners": marker_check("codeowners", ".own"),
        "redos": crashing,
        "policy": misconfigured,
        "semgrep": skipping,
        "checkpoint": marker_check("checkpoint", ".rx"),
    })
    root = _repo(make_repo)
    assert cli.main(["run", str(root), "--format", "json"]) == 2
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["summary"]["redos"] == {
        "error": 1, "warning": 0, "note": 0, "status": "error", "reason": "RuntimeError: boom",
    }
    assert document["summary"]["policy"]["status"] == "error"
    assert document["summary"]["policy"]["reason"] == "pyproject.toml: [tool.governance-hooks.policy] policy: no such file"
    assert document["summary"]["semgrep"] == {
        "error": 0, "warning": 0, "note": 0, "status": "skipped", "reason": "semgrep is not installed",
    }
    assert document["summary"]["codeowners"]["status"] == "fail"
    assert document["summary"]["checkpoint"]["status"] == "fail"
    rules = [f["rule_id"] for f in document["findings"]]
    assert rules == ["policy/internal-error", "redos/internal-error", "codeowners/bad-marker",
                     "codeowners/warn-marker", "checkpoint/bad-marker"]
    assert "governance-hooks: redos: error: RuntimeError: boom" in captured.err
    assert "governance-hooks: error: 2 check(s) could not run: redos, policy" in captured.err


def test_checks_option_and_config(make_repo, fake_checks, capsys):
    fake_checks({"codeowners": marker_check("codeowners", ".own"), "redos": marker_check("redos", ".rx")})
    root = _repo(make_repo)
    assert cli.main(["run", str(root), "--checks", "redos", "--format", "json"]) == 1
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert summary["codeowners"] == {"error": 0, "warning": 0, "note": 0, "status": "skipped",
                                     "reason": "not in the selected checks"}
    (root / "pyproject.toml").write_text('[tool.governance-hooks]\nchecks = ["codeowners"]\n', encoding="utf-8")
    assert cli.main(["run", str(root), "--format", "json"]) == 1
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert summary["redos"]["status"] == "skipped" and summary["codeowners"]["status"] == "fail"
    assert cli.main(["run", str(root), "--checks", "nope"]) == 2
    assert "--checks: unknown check 'nope'" in capsys.readouterr().err


def test_positional_root_loads_that_roots_config_and_rejects_both(make_repo, fake_checks, capsys, monkeypatch, tmp_path):
    fake_checks({"codeowners": marker_check("codeowners", ".own")})
    root = _repo(make_repo, {"a.own": "WARN:w\n", "pyproject.toml": '[tool.governance-hooks]\nfail-on = "warning"\n'})
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", str(root)]) == 1  # fail-on = warning from ROOT's pyproject.toml
    assert cli.main(["run", str(root), "--repo", str(root)]) == 2
    assert "give the repository as ROOT or as --repo, not both" in capsys.readouterr().err


def test_changed_since_restricts_each_check(make_repo, fake_checks, capsys):
    fake_checks({"codeowners": marker_check("codeowners", ".own")})
    root = _repo(make_repo)
    base = git(root, "rev-parse", "HEAD").strip()
    git(root, "checkout", "-q", "-b", "feature")
    (root / "new.own").write_text("BAD:fresh\n", encoding="utf-8")
    git(root, "add", "new.own")
    git(root, "commit", "-q", "-m", "add")
    (root / "b.own").write_text("WARN:beta\nBAD:edited\n", encoding="utf-8")  # uncommitted edit
    assert cli.main(["run", str(root), "--changed-since", base, "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert seen["codeowners"] == [["b.own", "new.own"]]
    assert [(f["path"], f["line"]) for f in document["findings"]] == [("b.own", 1), ("b.own", 2), ("new.own", 1)]
    assert cli.main(["run", str(root), "--changed-since", "no-such-rev"]) == 2
    assert "unknown revision 'no-such-rev'" in capsys.readouterr().err


def test_staged_checks_the_index_content_not_the_disk(make_repo, fake_checks, capsys):
    fake_checks({"codeowners": marker_check("codeowners", ".own")})
    root = _repo(make_repo)
    (root / "staged.own").write_text("BAD:s\n", encoding="utf-8")
    git(root, "add", "staged.own")
    assert cli.main(["run", str(root), "--staged"]) == 1
    captured = capsys.readouterr()
    assert seen["codeowners"] == [["staged.own"]]
    assert captured.out.splitlines()[0] == "staged.own:1:1: error codeowners/bad-marker marker s at line 1"
    # A fix on disk only: what would be committed is still the staged content, so it still fails,
    # and the unstaged edit is left exactly as it was.
    (root / "staged.own").write_text("fixed on disk only\n", encoding="utf-8")
    assert cli.main(["run", str(root), "--staged"]) == 1
    assert capsys.readouterr().out.splitlines()[0] == "staged.own:1:1: error codeowners/bad-marker marker s at line 1"
    assert (root / "staged.own").read_text(encoding="utf-8") == "fixed on disk only\n"
    # The reverse: a clean staged version with a problem only on disk passes.
    (root / "staged.own").write_text("clean\n", encoding="utf-8")
    git(root, "add", "staged.own")
    (root / "staged.own").write_text("BAD:disk\n", encoding="utf-8")
    assert cli.main(["run", str(root), "--staged"]) == 0
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:  # argparse: mutually exclusive
        cli.main(["run", str(root), "--staged", "--changed-since", "HEAD"])
    assert exc.value.code == 2


def test_sarif_summary_and_annotations_in_one_pass(make_repo, fake_checks, capsys, tmp_path, sarif_schema):
    fake_checks({"codeowners": marker_check("codeowners", ".own"), "redos": marker_check("redos", ".rx")})
    root = _repo(make_repo)
    sarif, summary = tmp_path / "out.sarif", tmp_path / "summary.md"
    assert cli.main(["run", str(root), "--format", "github", "--sarif", str(sarif), "--summary", str(summary)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "::error file=a.own,line=2,col=1,title=codeowners/bad-marker::marker alpha at line 2",
        "::warning file=b.own,line=1,col=1,title=codeowners/warn-marker::marker beta at line 1",
        "::error file=src/c.rx,line=3,col=1,title=redos/bad-marker::marker gamma at line 3",
    ]
    log = json.loads(sarif.read_text(encoding="utf-8"))
    jsonschema.validate(log, sarif_schema)
    results = log["runs"][0]["results"]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results] == ["a.own", "b.own", "src/c.rx"]
    assert "| codeowners | fail | 1 | 1 | 0 |" in summary.read_text(encoding="utf-8")


def test_subfolder_root_gets_repository_paths_for_github(make_repo, fake_checks, capsys, tmp_path):
    fake_checks({"codeowners": marker_check("codeowners", ".own")})
    top = make_repo({"sub/project/a.own": "BAD:x\n"})
    sarif = tmp_path / "o.sarif"
    assert cli.main(["run", str(top / "sub" / "project"), "--format", "github", "--sarif", str(sarif)]) == 1
    assert capsys.readouterr().out.startswith("::error file=sub/project/a.own,line=1,")
    uri = json.loads(sarif.read_text())["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "sub/project/a.own"
    assert cli.main(["run", str(top / "sub" / "project")]) == 1
    assert capsys.readouterr().out.startswith("a.own:1:1: error")  # text stays relative to ROOT


def test_unwritable_sarif_is_exit_2_with_one_line(make_repo, fake_checks, capsys, tmp_path):
    fake_checks({"codeowners": marker_check("codeowners", ".own")})
    root = _repo(make_repo)
    assert cli.main(["run", str(root), "--sarif", str(tmp_path / "missing" / "x.sarif")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("governance-hooks: error: ") and "cannot write SARIF" in err[0]


def test_huge_run_keeps_the_summary_within_githubs_limit_and_sarif_complete(make_repo, fake_checks, capsys, tmp_path):
    fake_checks({"codeowners": marker_check("codeowners", ".own")})
    lines = "".join(f"BAD:{i:05d}{'x' * 400}\n" for i in range(3000))
    root = _repo(make_repo, {"big.own": lines})
    sarif, summary = tmp_path / "o.sarif", tmp_path / "summary.md"
    assert cli.main(["run", str(root), "--format", "github", "--sarif", str(sarif), "--summary", str(summary)]) == 1
    assert len(capsys.readouterr().out.splitlines()) == 3000
    text = summary.read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) <= 1024 * 1024
    assert "2990 errors are listed here but not annotated" in text
    listed = text.count("| `big.own:")
    assert 0 < listed < 3000
    assert text.rstrip().endswith(f"{3000 - listed} more findings not listed; see the SARIF or JSON report.")
    assert len(json.loads(sarif.read_text(encoding="utf-8"))["runs"][0]["results"]) == 3000


def test_a_check_whose_parser_needs_arguments_is_an_error_not_a_crash(make_repo, fake_checks, capsys, monkeypatch):
    import sys

    fake_checks({"codeowners": marker_check("codeowners", ".own"), "manifest": marker_check("manifest", ".own")})
    module = sys.modules["governance_hooks.manifest.command"]
    monkeypatch.setattr(module, "add_arguments", lambda parser: parser.add_argument("dataset"))
    root = _repo(make_repo)
    assert cli.main(["run", str(root), "--format", "json"]) == 2
    captured = capsys.readouterr()
    summary = json.loads(captured.out)["summary"]
    assert summary["manifest"]["status"] == "error"
    assert summary["manifest"]["reason"] == "governance-hooks manifest: error: the following arguments are required: dataset (see --help)"
    assert summary["codeowners"]["status"] == "fail"
    assert "usage:" not in captured.err
