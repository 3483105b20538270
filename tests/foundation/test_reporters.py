"""Reporters: SARIF validity, GitHub escaping and limits, the Markdown summary."""

from __future__ import annotations

import json

import jsonschema

from governance_hooks.findings import Finding, Location, Severity
from governance_hooks.report import CheckSummary, Report, render
from governance_hooks.report.github import (
    ANNOTATION_LIMIT, escape_data, escape_property, hidden_annotations, render_annotations, render_summary,
)

from . import fake_check


def _report(findings=None, checks=("fake",)):
    findings = list(fake_check.FINDINGS if findings is None else findings)
    summaries = [CheckSummary(c, {"error": 1, "warning": 1, "note": 1}) for c in checks]
    return Report(findings=sorted(findings, key=Finding.sort_key), checks=summaries, version="0.1.0")


def test_github_escaping_rules():
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%d\n") == "a%3Ab%2Cc%25d%0A"


def test_annotation_lines(fake_cli):
    lines = render_annotations(_report()).splitlines()
    assert lines == [
        "::notice title=fake/note-thing::for your information",
        "::warning file=src/a%2Cb.py,line=1,col=1,title=fake/odd-thing::odd%0Athing",
        "::error file=src/a%2Cb.py,line=3,endLine=3,col=5,endColumn=9,title=fake/bad-thing::"
        "bad thing, with 100%25 certainty: yes%0ASuggestion: remove it",
    ]


def test_hidden_annotation_counts_and_summary_note():
    many = [Finding("fake/bad-thing", Severity.ERROR, f"e{i}", Location("x.py", i)) for i in range(1, 14)]
    many += [Finding("fake/odd-thing", Severity.WARNING, f"w{i}", Location("x.py", i)) for i in range(1, 4)]
    report = _report(many)
    assert hidden_annotations(report) == {"error": 13 - ANNOTATION_LIMIT}
    md = render_summary(report)
    assert "3 errors are listed here but not annotated" in md
    # Every finding is still listed, most severe first.
    assert md.count("| `x.py:") == 16
    assert md.index("### error: fake") < md.index("### warning: fake")
    # Without annotations in the same run (e.g. --format text) there is nothing hidden to mention.
    assert "not annotated" not in render_summary(report, annotated=False)


def test_summary_truncates_within_limit():
    many = [Finding("fake/bad-thing", Severity.ERROR, "m" * 200, Location(f"f{i}.py", 1)) for i in range(200)]
    md = render_summary(_report(many), limit=8000)
    assert len(md.encode("utf-8")) <= 8000
    assert md.rstrip().endswith("see the SARIF or JSON report.")
    shown = sum(1 for line in md.splitlines() if line.startswith("| `f"))
    assert 0 < shown < 200
    assert f"{200 - shown} more findings not listed" in md


def test_summary_escapes_table_cells():
    f = Finding("fake/odd-thing", Severity.WARNING, "a|b\nc", Location("p|q.py", 2))
    md = render_summary(_report([f]))
    # GFM restores `\\|` to `|` inside a code span; the line break stays visible as `\\n`.
    assert "| `p\\|q.py:2` | `fake/odd-thing` | a\\|b\\\\nc |" in md


def test_sarif_validates_against_the_schema(fake_cli, sarif_schema):
    log = json.loads(render("sarif", _report()))
    jsonschema.Draft4Validator(sarif_schema).validate(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["fake/bad-thing", "fake/odd-thing", "fake/note-thing", "fake/internal-error"]
    assert rules[0]["shortDescription"]["text"] == "A bad thing."
    assert rules[0]["fullDescription"]["text"] == "Bad things are bad."
    results = run["results"]
    bad = next(r for r in results if r["ruleId"] == "fake/bad-thing")
    assert bad["ruleIndex"] == 0
    assert bad["level"] == "error"
    assert bad["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "src/a%2Cb.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 9},
    }
    assert bad["partialFingerprints"]["governanceHooks/v1"] == fake_check.FINDINGS[0].fingerprint()
    assert bad["properties"]["evidence"] == {"attack": ["a", 3]}


def test_sarif_with_no_findings_is_valid(fake_cli, sarif_schema):
    log = json.loads(render("sarif", _report([])))
    jsonschema.Draft4Validator(sarif_schema).validate(log)
    assert log["runs"][0]["results"] == []


def test_fingerprint_survives_line_shift():
    a = Finding("fake/bad-thing", Severity.ERROR, "same", Location("x.py", 3, 1))
    b = Finding("fake/bad-thing", Severity.ERROR, "same", Location("x.py", 90, 4))
    c = Finding("fake/bad-thing", Severity.ERROR, "dup of line 3", Location("x.py", 9), identity="pattern:*.md")
    d = Finding("fake/bad-thing", Severity.ERROR, "dup of line 7", Location("x.py", 13), identity="pattern:*.md")
    assert a.fingerprint() == b.fingerprint()
    assert c.fingerprint() == d.fingerprint()
    assert a.fingerprint() != c.fingerprint()


def test_text_colour_only_when_asked():
    plain = render("text", _report(), color=False)
    coloured = render("text", _report(), color=True)
    assert "\033[" not in plain
    assert "\033[31merror\033[0m" in coloured
