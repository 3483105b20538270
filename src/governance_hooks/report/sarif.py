"""SARIF 2.1.0 output (OASIS SARIF v2.1.0), fit for GitHub code scanning upload.

Code scanning needs: ``runs[].tool.driver.rules`` with descriptions, results
with ``ruleId``/``ruleIndex``, locations whose ``artifactLocation.uri`` is
relative with ``uriBaseId: %SRCROOT%``, and ``partialFingerprints`` so alerts
survive line shifts.

Hostile paths: a URI carries the path's raw bytes percent-encoded (RFC 3986;
``bad\xffname.py`` is ``bad%FFname.py``); a path outside the repository is an
absolute ``file:`` URI without ``%SRCROOT%``; two distinct results never share
a fingerprint (code scanning would merge their alerts), so a repeated
fingerprint gets the occurrence number appended (``<sha256>:2``), as GitHub's
own fingerprinting does.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections import Counter
from typing import Any, Dict, List

from ..findings import Finding
from ..rules import Rule, all_rules, help_uri, lookup
from . import Report
from ..escape import json_safe, uri_path

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
        "helpUri": help_uri(rule.id),
        "defaultConfiguration": {"level": rule.severity.label},
        "properties": {"tags": [rule.check]},
    }


def artifact_location(path: str, root: str) -> Dict[str, Any]:
    """``{"uri", "uriBaseId"}`` for a repository-relative path; an absolute ``file:`` URI for one outside it.

    Code scanning wants a location on every result; repository-wide findings
    (empty path) point at the root.
    """
    if not path:
        return {"uri": ".", "uriBaseId": "%SRCROOT%"}
    inside = posixpath.normpath(path)
    drive = re.match(r"^[A-Za-z]:[/\\]", path) is not None
    if not path.startswith("/") and not drive and inside != ".." and not inside.startswith("../"):
        return {"uri": uri_path(path), "uriBaseId": "%SRCROOT%"}
    if drive:  # RFC 8089 appendix E.2: file:///C:/path
        return {"uri": "file:///" + path[:2] + uri_path(path[2:].replace("\\", "/"))}
    absolute = path if path.startswith("/") else posixpath.normpath(posixpath.join(root.replace("\\", "/"), path))
    return {"uri": "file://" + uri_path(absolute)}


def unique_fingerprints(findings: List[Finding]) -> List[str]:
    """One fingerprint per finding; the n-th repeat of a fingerprint (in report order) gets ``:n`` appended."""
    seen: Counter = Counter()
    out = []
    for f in findings:
        base = f.fingerprint()
        seen[base] += 1
        out.append(base if seen[base] == 1 else f"{base}:{seen[base]}")
    return out


def _result(f: Finding, rule_index: int, fingerprint: str, root: str) -> Dict[str, Any]:
    result: Dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": f.severity.label,
        "message": {"text": f.message + (f" Suggestion: {f.suggestion}" if f.suggestion else "")},
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    loc = f.location
    physical: Dict[str, Any] = {"artifactLocation": artifact_location(loc.path, root)}
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
    fingerprints = unique_fingerprints(report.findings)
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
                "results": [
                    _result(f, index[f.rule_id], fp, report.root) for f, fp in zip(report.findings, fingerprints)
                ],
            }
        ],
    }
    return json_safe(json.dumps(log, indent=2, ensure_ascii=False)) + "\n"
