"""Mapping Semgrep JSON to findings (pure; no Semgrep needed)."""

from __future__ import annotations

from governance_hooks.findings import Location, Severity
from governance_hooks.semgrep.results import error_findings, governance_rule_id, severity_of, to_findings

LINES = {
    "src/a.py": ["import pickle", "pickle.loads(blob)", "pickle.loads(x)  # governance: ignore[semgrep/pickle-load-untrusted]"],
    "src/b.py": ["from old.tok import Tokenizer"],
}


def result(check_id, path, line, col, end_col, severity="ERROR", metadata=None, message="msg"):
    return {
        "check_id": check_id, "path": path,
        "start": {"line": line, "col": col, "offset": 0}, "end": {"line": line, "col": end_col, "offset": 0},
        "extra": {"message": message, "severity": severity, "metadata": metadata or {}, "lines": "requires login"},
    }


def line_text(path, line):
    return LINES[path][line - 1]


def test_rule_id_is_the_last_component_or_the_shared_metadata_name():
    assert governance_rule_id("tmp.x.semgrep_rules.yaml-unsafe-load", {}) == "semgrep/yaml-unsafe-load"
    assert governance_rule_id("yaml-unsafe-load", None) == "semgrep/yaml-unsafe-load"
    assert governance_rule_id("p.deprecated-import-distutils", {"governance-rule": "deprecated-import"}) == "semgrep/deprecated-import"


def test_severity_words_map_to_sarif_levels():
    assert [severity_of(w) for w in ("ERROR", "warning", "INFO", "HIGH", "MEDIUM", "LOW", "bogus")] == [
        Severity.ERROR, Severity.WARNING, Severity.NOTE, Severity.ERROR, Severity.WARNING, Severity.NOTE, Severity.WARNING,
    ]


def test_results_become_findings_with_exact_locations_and_suppression_applies():
    results = [
        result("w.semgrep_rules.pickle-load-untrusted", "src/a.py", 2, 1, 19, message="Unpickling  blob\n runs code"),
        result("w.semgrep_rules.pickle-load-untrusted", "src/a.py", 3, 1, 16),
    ]
    findings, suppressed = to_findings(results, lambda p: p, line_text)
    assert suppressed == 1
    assert [(f.rule_id, f.severity, f.message, f.location) for f in findings] == [
        ("semgrep/pickle-load-untrusted", Severity.ERROR, "Unpickling blob runs code", Location("src/a.py", 2, 1, 2, 19)),
    ]
    assert findings[0].evidence == {"semgrep_rule": "pickle-load-untrusted", "code": "pickle.loads(blob)"}
    assert findings[0].identity == "pickle-load-untrusted:pickle.loads(blob)"


def test_configured_migration_wins_over_the_builtin_one_at_the_same_span():
    shared = {"governance-rule": "deprecated-import"}
    builtin = result("pack.deprecated-import-old-tok", "src/b.py", 1, 1, 30, "WARNING",
                     {**shared, "replacement": "builtin.tok"}, "built-in")
    configured = result("tmp.deprecated-import-config-old-tok", "src/b.py", 1, 1, 30, "WARNING",
                        {**shared, "replacement": "new.tok"}, "configured")
    findings, _ = to_findings([builtin, configured], lambda p: p, line_text)
    assert [(f.rule_id, f.message, f.suggestion) for f in findings] == [
        ("semgrep/deprecated-import", "configured", "Use new.tok instead."),
    ]


def test_errors_become_one_incomplete_finding_per_file():
    errors = [
        {"path": "big.py", "type": "Timeout", "rule_id": "w.semgrep_rules.pickle-load-untrusted", "level": "warn"},
        {"path": "big.py", "type": "Timeout", "rule_id": "w.semgrep_rules.pickle-load-untrusted", "level": "warn"},
        {"path": "big.py", "type": "OutOfMemory", "level": "warn"},
        {"path": "odd.py", "type": ["PartialParsing", [{"path": "odd.py"}]], "level": "warn",
         "spans": [{"file": "odd.py", "start": {"line": 3, "col": 8}, "end": {"line": 3, "col": 15}}]},
    ]
    findings = error_findings(errors, lambda p: f"repo/{p}")
    assert [(f.rule_id, f.location, f.message) for f in findings] == [
        ("semgrep/analysis-incomplete", Location("repo/big.py"),
         "Semgrep could not fully analyse this file (Timeout in rule pickle-load-untrusted; OutOfMemory); "
         "findings in it may be missing."),
        ("semgrep/analysis-incomplete", Location("repo/odd.py", 3),
         "Semgrep could not fully analyse this file (PartialParsing); findings in it may be missing."),
    ]



def test_a_file_incomplete_for_several_reasons_is_one_finding():
    from governance_hooks.findings import Finding, Location, Severity
    from governance_hooks.semgrep.results import incomplete, one_incomplete_per_file

    other = Finding("semgrep/yaml-unsafe-load", Severity.ERROR, "m", Location("b.py", 3))
    findings = [incomplete("a.py", "a NUL byte: Semgrep stops parsing there", 4),
                other,
                incomplete("a.py", "Timeout in rule x; PartialParsing", 1, Severity.WARNING),
                incomplete("c.py", "refused", None)]
    merged = one_incomplete_per_file(findings)
    assert [(f.rule_id, f.location.path, f.location.line, f.severity, f.identity) for f in merged] == [
        ("semgrep/analysis-incomplete", "a.py", 1, Severity.ERROR,
         "PartialParsing; Timeout in rule x; a NUL byte: Semgrep stops parsing there"),
        ("semgrep/yaml-unsafe-load", "b.py", 3, Severity.ERROR, None),
        ("semgrep/analysis-incomplete", "c.py", None, Severity.ERROR, "refused"),
    ]
