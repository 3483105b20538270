"""SARIF 2.1.0 output (OASIS SARIF v2.1.0), fit for GitHub code scanning upload.

Code scanning needs: ``runs[].tool.driver.rules`` with descriptions, results
with ``ruleId``/``ruleIndex``, locations whose ``artifactLocation.uri`` is
relative with ``uriBaseId: %SRCROOT%``, and ``partialFingerprints`` so alerts
survive line shifts.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List
from urllib.parse import quote

from ..findings import Finding
from ..rules import Rule, all_rules, lookup
from . import Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "governanceHooks/v1"


def _rule_object(rule: Rule) -> Dict[str, Any]:
    help_text = rule.help or rule.summary
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.replace("/", "-").split("-")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": help_text},
        "help": {"text": help_text, "markdown": f"**{rule.id}**: {help_text}"},
        "defaultConfiguration": {"level": rule.severity.label},
        "properties": {"tags": [rule.check]},
    }


def _result(f: Finding, rule_index: int) -> Dict[str, Any]:
    result: Dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": f.severity.label,
        "message": {"text": f.message + (f" Suggestion: {f.suggestion}" if f.suggestion else "")},
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint()},
    }
    loc = f.location
    # Code scanning wants a location on every result; repository-wide findings point at the root.
    uri = quote(loc.path, safe="/") if loc.path else "."
    physical: Dict[str, Any] = {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}}
    if loc.line is not None:
        region: Dict[str, Any] = {"startLine": loc.line}
        if loc.column is not None:
            region["startColumn"] = loc.column
        if loc.end_line is not None:
            region["endLine"] = loc.end_line
        if loc.end_column is not None:
            region["endColumn"] = loc.end_column
        physical["region"] = region
    result["locations"] = [{"physicalLocation": physical}]
    if f.evidence is not None:
        result["properties"] = {"evidence": f.to_dict()["evidence"]}
    return result


def render_sarif(report: Report) -> str:
    """One SARIF log with one run; rules are those of the checks that ran plus any rule used."""
    registry = all_rules()
    ran = {c.check for c in report.checks}
    rules: List[Rule] = [r for r in registry.values() if r.check in ran]
    index = {r.id: i for i, r in enumerate(rules)}
    for f in report.findings:
        if f.rule_id not in index:
            index[f.rule_id] = len(rules)
            rules.append(lookup(f.rule_id, registry))
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "governance-hooks",
                        "version": report.version,
                        "semanticVersion": report.version,
                        "rules": [_rule_object(r) for r in rules],
                    }
                },
                "automationDetails": {"id": "governance-hooks/"},
                "columnKind": "unicodeCodePoints",
                "results": [_result(f, index[f.rule_id]) for f in report.findings],
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
