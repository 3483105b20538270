"""``examples/demo-repo`` through every real check: the matrix shows each one, twice the same bytes."""

from __future__ import annotations

import json

from governance_hooks import cli
from governance_hooks.rules import CHECKS

from ..conftest import PROJECT

DEMO = PROJECT / "examples" / "demo-repo"


def test_demo_repo_report_shows_every_check_and_is_reproducible(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    for name in ("first", "second"):
        code = cli.main(["report", str(DEMO), "--dir", str(tmp_path / name), "-o", str(tmp_path / f"{name}.md")])
        assert code == 1, capsys.readouterr().err  # the demo's mistakes are deliberate; no check may error (2)
    for f in ("report.md", "report.json"):
        assert (tmp_path / "first" / f).read_bytes() == (tmp_path / "second" / f).read_bytes()
    assert (tmp_path / "first.md").read_bytes() == (tmp_path / "first" / "report.md").read_bytes()
    document = json.loads((tmp_path / "first" / "report.json").read_text(encoding="utf-8"))
    assert [c["check"] for c in document["checks"]] == list(CHECKS)
    assert not [c for c in document["checks"] if c["status"] == "error"]
    assert document["config"]["path"] == "pyproject.toml"
    matrix = (tmp_path / "first" / "report.md").read_text(encoding="utf-8")
    for check in CHECKS:
        assert f"\n| {check} | " in matrix
    failing = {c["check"] for c in document["checks"] if c["status"] == "fail"}
    assert {"codeowners", "policy"} <= failing
