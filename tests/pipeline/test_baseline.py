"""Baselines: adopt the checks on a legacy repository and fail only on new findings."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from governance_hooks import cli
from governance_hooks.errors import ToolError
from governance_hooks.findings import Finding, Location, Severity
from governance_hooks.pipeline import baseline

from .conftest import crashing, marker_check


def _f(rule="codeowners/x", path="a", line=1, ident="i", message="m"):
    return Finding(rule, Severity.ERROR, message, Location(path, line), identity=ident)


def test_split_counts_occurrences_and_ignores_lines():
    accepted = Counter({_f(line=1).fingerprint(): 1})
    new, old = baseline.split([_f(line=7), _f(line=9)], accepted)
    assert [f.location.line for f in old] == [7]
    assert [f.location.line for f in new] == [9]
    assert accepted == Counter({_f().fingerprint(): 1})  # not consumed


def test_internal_errors_are_never_baselined(tmp_path):
    crash = Finding("redos/internal-error", Severity.ERROR, "internal error: boom", Location(""))
    path = tmp_path / "b.json"
    assert baseline.write(path, [crash, _f()]) == 1
    new, old = baseline.split([crash], Counter({crash.fingerprint(): 1}))
    assert new == [crash] and old == []


def test_written_file_is_sorted_reviewable_json(tmp_path):
    path = tmp_path / "b.json"
    baseline.write(path, [_f(path="z", ident="2", message="second"), _f(path="a", ident="1", message="first")])
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["tool"] == "governance-hooks" and document["format"] == 1
    assert [(e["path"], e["message"]) for e in document["findings"]] == [("a", "first"), ("z", "second")]
    assert document["findings"][0]["fingerprint"] == _f(path="a", ident="1").fingerprint()
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_writing_keeps_entries_of_checks_that_did_not_run(tmp_path):
    path = tmp_path / "b.json"
    baseline.write(path, [_f(rule="redos/r", ident="keep"), _f(rule="codeowners/x", ident="drop")])
    baseline.write(path, [_f(rule="codeowners/x", ident="now")], keep_checks_not_run=["redos"])
    rows = json.loads(path.read_text())["findings"]
    assert sorted(r["fingerprint"] for r in rows) == sorted(
        [_f(rule="redos/r", ident="keep").fingerprint(), _f(rule="codeowners/x", ident="now").fingerprint()]
    )


@pytest.mark.parametrize("content, message", [
    (None, "baseline not found (create it with --write-baseline"),
    (b"{not json", "baseline is not valid JSON"),
    (b"\xff\xfe", "baseline is not valid JSON"),
    (b"[]", "not a governance-hooks baseline"),
    (b'{"findings": [{"fingerprint": "short"}]}', 'findings[0] has no 64-character "fingerprint"'),
    (b'{"format": 9, "findings": []}', "baseline format 9 is not supported"),
])
def test_bad_baseline_files_are_one_line_errors(tmp_path, content, message):
    path = tmp_path / "b.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ToolError) as exc:
        baseline.load(path)
    assert message in str(exc.value) and "\n" not in str(exc.value)


def test_adopt_then_only_new_findings_fail(make_repo, fake_checks, capsys, tmp_path):
    fake_checks({"codeowners": marker_check("codeowners", ".own")})
    root = make_repo({"a.own": "BAD:old1\nBAD:old2\n"})
    base = tmp_path / "baseline.json"
    assert cli.main(["run", str(root), "--write-baseline", str(base)]) == 0
    assert "wrote 2 accepted findings" in capsys.readouterr().err
    assert cli.main(["run", str(root), "--baseline", str(base)]) == 0
    capsys.readouterr()
    # Unrelated lines pushed the old findings down: still accepted.
    (root / "a.own").write_text("header\n\nBAD:old1\nBAD:old2\n", encoding="utf-8")
    assert cli.main(["run", str(root), "--baseline", str(base), "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]["codeowners"]
    assert summary == {"error": 0, "warning": 0, "note": 0, "files": 1, "baselined": 2, "status": "pass"}
    # A new finding fails, and is the only one reported.
    (root / "a.own").write_text("BAD:old1\nBAD:new\nBAD:old2\n", encoding="utf-8")
    assert cli.main(["run", str(root), "--baseline", str(base)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "a.own:2:1: error codeowners/bad-marker marker new at line 2"
    assert out[1].startswith("codeowners: 1 error, 0 warnings, 0 notes; files: 1; baselined: 2")


def test_baseline_from_config_and_refusals(make_repo, fake_checks, capsys, tmp_path):
    fake_checks({"codeowners": marker_check("codeowners", ".own"), "redos": crashing})
    root = make_repo({"a.own": "BAD:x\n", "pyproject.toml":
                      '[tool.governance-hooks]\nchecks = ["codeowners"]\n[tool.governance-hooks.run]\nbaseline = ".governance/baseline.json"\n'})
    assert cli.main(["run", str(root)]) == 2
    assert ".governance/baseline.json: baseline not found" in capsys.readouterr().err
    (root / ".governance").mkdir()
    assert cli.main(["run", str(root), "--write-baseline", str(root / ".governance/baseline.json")]) == 0
    assert cli.main(["run", str(root)]) == 0
    assert cli.main(["run", str(root), "--changed-since", "HEAD", "--write-baseline", str(tmp_path / "x.json")]) == 2
    assert "--write-baseline records the whole repository" in capsys.readouterr().err
