"""The pack's annotated targets through the whole check: Semgrep plus the AST post-analysis.

``semgrep --test`` checks Semgrep's matches alone, where ``# todook:`` marks a
line Semgrep matches and the post-analysis (``refine.py``) accepts. Here each
target runs through ``governance-hooks semgrep`` in a git repository that
tracks the files its ``# tracked:`` header names: every ``# ruleid:`` line must
be reported, no ``# ok:`` or ``# todook:`` line may be.
"""

from __future__ import annotations

import json
import re

import pytest

from governance_hooks import cli
from governance_hooks.semgrep.pack import pack_dir

PACK = pack_dir()
MARK = re.compile(r"#\s*(ruleid|ok|todook):\s*([\w-]+)")
TARGETS = sorted(PACK.glob("*.py"))


def expected(text: str):
    """{rule: {"ruleid": lines, "clean": lines}} (an annotation marks the next line)."""
    marks = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = MARK.search(line)
        if match:
            kind = "ruleid" if match.group(1) == "ruleid" else "clean"
            marks.setdefault(match.group(2), {"ruleid": set(), "clean": set()})[kind].add(number + 1)
    return marks


def finding_rule(rule: str) -> str:
    if rule.startswith("deprecated-import"):
        return "deprecated-import"
    if rule == "network-download-without-timeout":
        return "network-call-without-timeout"
    return rule


@pytest.mark.parametrize("target", TARGETS, ids=lambda p: p.stem)
def test_the_check_reports_exactly_the_ruleid_lines(target, make_repo, capsys, semgrep_exe):
    text = target.read_text(encoding="utf-8")
    header = re.search(r"^# tracked: (.*)$", text, re.M)
    files = {name: b"" for name in (header.group(1).split() if header else [])}
    repo = make_repo({"target.py": text, **files})
    code = cli.main(["semgrep", "--format", "json", "--repo", str(repo)])
    report = json.loads(capsys.readouterr().out)
    reported = {}
    for finding in report["findings"]:
        assert finding["path"] == "target.py"
        reported.setdefault(finding["rule_id"], set()).add(finding["line"])
    assert code == (1 if any(f["severity"] == "error" for f in report["findings"]) else 0)
    for rule, lines in expected(text).items():
        got = reported.get(f"semgrep/{finding_rule(rule)}", set())
        assert lines["ruleid"] <= got, (rule, sorted(lines["ruleid"] - got))
        assert not (lines["clean"] & got), (rule, sorted(lines["clean"] & got))
