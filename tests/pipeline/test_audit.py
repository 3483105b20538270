"""The audit report: capability matrix, input hashes, provenance, byte-reproducibility."""

from __future__ import annotations

import hashlib
import json

import pytest

from governance_hooks import cli
from governance_hooks.config import Config
from governance_hooks.errors import ToolError
from governance_hooks.pipeline import audit

from ..conftest import git
from .conftest import crashing, marker_check, skipping

A_OWN = "fine\nBAD:alpha\n"
PYPROJECT = '[project]\nname = "x"\n\n[tool.governance-hooks]\nfail-on = "error"\n'


def _repo(make_repo):
    return make_repo({"a.own": A_OWN, "b.own": "WARN:w\n", "pyproject.toml": PYPROJECT})


def _install(fake_checks):
    fake_checks({
        "codeowners": marker_check("codeowners", ".own"),
        "redos": marker_check("redos", ".rx"),  # nothing to find: skipped by discovery
        "semgrep": skipping,
    })


def test_matrix_json_has_status_counts_inputs_and_provenance(make_repo, fake_checks, tmp_path, monkeypatch):
    _install(fake_checks)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    root = _repo(make_repo)
    head = git(root, "rev-parse", "HEAD").strip()
    assert cli.main(["run", str(root), "--report", str(tmp_path / "r")]) == 1
    document = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    assert document["generated_at"] is None
    assert document["git"] == {"commit": head, "dirty": False}
    assert document["config"] == {"path": "pyproject.toml", "sha256": audit.config_hash(
        Config(settings={"fail-on": "error"}))}
    assert document["totals"] == {"error": 1, "warning": 1, "note": 0}
    rows = {c["check"]: c for c in document["checks"]}
    assert list(rows) == ["codeowners", "redos", "metrics", "policy", "manifest", "checkpoint", "semgrep"]
    assert rows["codeowners"] == {
        "check": "codeowners", "status": "fail", "reason": None, "counts": {"error": 1, "warning": 1, "note": 0},
        "baselined": 0,
        "inputs": [
            {"path": "a.own", "size": len(A_OWN), "sha256": hashlib.sha256(A_OWN.encode()).hexdigest()},
            {"path": "b.own", "size": 7, "sha256": hashlib.sha256(b"WARN:w\n").hexdigest()},
        ],
    }
    assert (rows["redos"]["status"], rows["redos"]["reason"]) == ("skipped", "no *.rx files")
    assert (rows["semgrep"]["status"], rows["semgrep"]["reason"]) == ("skipped", "semgrep is not installed")
    assert (rows["metrics"]["status"], rows["metrics"]["reason"]) == ("skipped", "not available in this installation")


def test_markdown_matrix_rows(make_repo, fake_checks, tmp_path, capsys):
    _install(fake_checks)
    root = _repo(make_repo)
    assert cli.main(["report", str(root)]) == 1
    text = capsys.readouterr().out
    assert "| codeowners | fail | 1 | 1 | 0 | 0 | 2 |  |" in text
    assert "| redos | skipped | 0 | 0 | 0 | 0 | 0 | no \\*.rx files |" in text  # Markdown-escaped, shows `no *.rx files`
    assert f"| `a.own` | {len(A_OWN)} | `{hashlib.sha256(A_OWN.encode()).hexdigest()}` |" in text
    assert "- scope: whole repository" in text
    assert "generated at" not in text


def test_report_is_byte_reproducible_and_time_only_from_source_date_epoch(make_repo, fake_checks, tmp_path, monkeypatch):
    _install(fake_checks)
    root = _repo(make_repo)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    for name in ("one", "two"):
        assert cli.main(["run", str(root), "--report", str(tmp_path / name)]) == 1
    for f in ("report.md", "report.json"):
        assert (tmp_path / "one" / f).read_bytes() == (tmp_path / "two" / f).read_bytes()
    # A report written inside the tree does not change the next one (untracked files are not "dirty").
    assert cli.main(["run", str(root), "--report", str(root / "audit")]) == 1
    assert cli.main(["run", str(root), "--report", str(tmp_path / "three")]) == 1
    assert (tmp_path / "three" / "report.json").read_bytes() == (tmp_path / "one" / "report.json").read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert cli.main(["run", str(root), "--report", str(tmp_path / "dated")]) == 1
    assert json.loads((tmp_path / "dated" / "report.json").read_text())["generated_at"] == "2023-11-14T22:13:20Z"
    assert "- generated at: 2023-11-14T22:13:20Z (SOURCE_DATE_EPOCH)" in (tmp_path / "dated" / "report.md").read_text()


def test_provenance_changes_with_the_tree_and_the_configuration(make_repo, fake_checks, tmp_path):
    _install(fake_checks)
    root = _repo(make_repo)
    assert cli.main(["report", str(root), "--format", "json", "-o", str(tmp_path / "1.json")]) == 1
    (root / "a.own").write_text("BAD:alpha\n", encoding="utf-8")
    (root / "pyproject.toml").write_text(PYPROJECT.replace('name = "x"', 'name = "y"'), encoding="utf-8")
    assert cli.main(["report", str(root), "--format", "json", "-o", str(tmp_path / "2.json")]) == 1
    first, second = (json.loads((tmp_path / n).read_text()) for n in ("1.json", "2.json"))
    assert second["git"]["dirty"] is True
    assert second["config"] == first["config"]  # another tool's table changed, not ours
    assert first["checks"][0]["inputs"][0]["sha256"] != second["checks"][0]["inputs"][0]["sha256"]
    (root / "pyproject.toml").write_text(PYPROJECT.replace('"error"', '"warning"'), encoding="utf-8")
    assert cli.main(["report", str(root), "--format", "json", "-o", str(tmp_path / "3.json")]) == 1
    assert json.loads((tmp_path / "3.json").read_text())["config"]["sha256"] != first["config"]["sha256"]


def test_errored_check_in_the_matrix_and_exit_2(make_repo, fake_checks, tmp_path):
    fake_checks({"codeowners": marker_check("codeowners", ".own"), "redos": crashing})
    root = _repo(make_repo)
    assert cli.main(["report", str(root), "--dir", str(tmp_path / "r"), "-o", str(tmp_path / "m.md")]) == 2
    rows = {c["check"]: c for c in json.loads((tmp_path / "r" / "report.json").read_text())["checks"]}
    assert (rows["redos"]["status"], rows["redos"]["reason"]) == ("error", "RuntimeError: boom")
    assert "| redos | error | 1 | 0 | 0 | 0 | 0 | RuntimeError: boom |" in (tmp_path / "m.md").read_text()


def test_missing_inputs_and_bad_epoch(tmp_path, make_repo, fake_checks, capsys, monkeypatch):
    hasher = audit.InputHasher(tmp_path)
    assert hasher.describe("gone.bin") == {"path": "gone.bin", "size": None, "sha256": None, "error": "missing"}
    assert audit.generated_at({"SOURCE_DATE_EPOCH": ""}) is None
    with pytest.raises(ToolError, match="SOURCE_DATE_EPOCH: '1.5' is not a non-negative integer"):
        audit.generated_at({"SOURCE_DATE_EPOCH": "1.5"})
    _install(fake_checks)
    root = _repo(make_repo)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    assert cli.main(["report", str(root)]) == 2
    assert capsys.readouterr().err.strip() == "governance-hooks: error: SOURCE_DATE_EPOCH: 'yesterday' is not a non-negative integer of seconds"


def test_report_refuses_github_and_sarif_formats(make_repo, fake_checks, capsys):
    _install(fake_checks)
    root = _repo(make_repo)
    assert cli.main(["report", str(root), "--format", "sarif"]) == 2
    assert "the audit report is Markdown (text) or json" in capsys.readouterr().err
