"""``examples/demo-repo`` through every real check: the matrix shows each one, and is reproducible."""

from __future__ import annotations

import json

from governance_hooks import cli
from governance_hooks.rules import CHECKS

from ..conftest import PROJECT

DEMO = PROJECT / "examples" / "demo-repo"


def test_demo_repo_matrix_shows_every_check(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    code = cli.main(["report", str(DEMO), "--dir", str(tmp_path / "r"), "-o", str(tmp_path / "matrix.md")])
    assert code == 1, capsys.readouterr().err  # the demo's mistakes are deliberate; no check may error (2)
    assert (tmp_path / "matrix.md").read_bytes() == (tmp_path / "r" / "report.md").read_bytes()
    document = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    assert [c["check"] for c in document["checks"]] == list(CHECKS)
    assert [c["check"] for c in document["checks"] if c["status"] == "error"] == []
    assert document["config"]["path"] == "pyproject.toml"
    matrix = (tmp_path / "r" / "report.md").read_text(encoding="utf-8")
    for check in CHECKS:
        assert f"\n| {check} | " in matrix
    failing = {c["check"] for c in document["checks"] if c["status"] == "fail"}
    assert {"codeowners", "policy"} <= failing


def test_demo_repo_report_is_byte_reproducible(tmp_path, monkeypatch):
    """Two runs, same bytes (semgrep left out here only because it takes seconds to start)."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    checks = ",".join(c for c in CHECKS if c != "semgrep")
    for name in ("first", "second"):
        assert cli.main(["run", str(DEMO), "--checks", checks, "--report", str(tmp_path / name),
                         "--output", str(tmp_path / f"{name}.txt")]) == 1
    for f in ("report.md", "report.json"):
        assert (tmp_path / "first" / f).read_bytes() == (tmp_path / "second" / f).read_bytes()
    inputs = [i for c in json.loads((tmp_path / "first" / "report.json").read_text())["checks"] for i in c["inputs"]]
    assert inputs and all(len(i["sha256"] or "") == 64 for i in inputs)
