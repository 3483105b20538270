"""Semgrep's JSON results as :class:`~governance_hooks.findings.Finding` objects (pure; no I/O).

Semgrep reports ``check_id`` prefixed with the dotted folder of its config
(``work.repo.semgrep_rules.yaml-unsafe-load``); our rule id is the last
component, unless the rule's ``metadata.governance-rule`` names the id several
Semgrep rules share (the per-migration ``deprecated-import-*`` rules). Lines and
columns are Semgrep's: 1-based, the end column just past the match (as SARIF).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple

from ..findings import Finding, Location, Severity
from ..suppression import is_suppressed

CHECK = "semgrep"
INCOMPLETE = f"{CHECK}/analysis-incomplete"

#: Semgrep severities (legacy and the newer CVSS-like words) to SARIF levels.
_SEVERITY = {
    "ERROR": Severity.ERROR, "CRITICAL": Severity.ERROR, "HIGH": Severity.ERROR,
    "WARNING": Severity.WARNING, "MEDIUM": Severity.WARNING,
    "INFO": Severity.NOTE, "LOW": Severity.NOTE, "EXPERIMENT": Severity.NOTE, "INVENTORY": Severity.NOTE,
}

#: Semgrep rule ids of rules generated from the repository's migration map.
CONFIGURED_PREFIX = "deprecated-import-config-"


def semgrep_rule_id(check_id: str) -> str:
    """The rule's own id: the last dotted component of Semgrep's ``check_id``."""
    return check_id.rsplit(".", 1)[-1]


def governance_rule_id(check_id: str, metadata: Optional[Mapping[str, Any]]) -> str:
    """``semgrep/<rule>`` for a Semgrep result (see the module docstring)."""
    shared = (metadata or {}).get("governance-rule")
    name = shared if isinstance(shared, str) and shared else semgrep_rule_id(check_id)
    return f"{CHECK}/{name}"


def severity_of(word: Any) -> Severity:
    """The SARIF level for a Semgrep severity word (unknown words: warning)."""
    return _SEVERITY.get(str(word).upper(), Severity.WARNING)


def to_findings(
    results: Iterable[Mapping[str, Any]],
    display_path: Callable[[str], str],
    line_text: Callable[[str, int], str],
) -> Tuple[List[Finding], int]:
    """Findings for Semgrep ``results``, dropping inline-suppressed and duplicate ones.

    Args:
        results: Semgrep JSON ``results`` entries.
        display_path: Semgrep's ``path`` -> the repo-relative POSIX path to report.
        line_text: (Semgrep path, 1-based line) -> that line's text ("" if unknown);
            used for ``governance: ignore[...]`` markers and the finding identity.

    Returns:
        ``(findings, suppressed_count)``. Two results of one id at one span are
        one finding; a rule from the repository's migration map wins over the
        built-in one for the same import.
    """
    ordered = sorted(results, key=lambda r: not semgrep_rule_id(str(r.get("check_id", ""))).startswith(CONFIGURED_PREFIX))
    seen = set()
    findings: List[Finding] = []
    suppressed = 0
    for result in ordered:
        check_id = str(result.get("check_id", ""))
        extra = result.get("extra") or {}
        metadata = extra.get("metadata") or {}
        rule_id = governance_rule_id(check_id, metadata)
        raw_path = str(result.get("path", ""))
        start = result.get("start") or {}
        end = result.get("end") or {}
        line, column = _int(start.get("line")), _int(start.get("col"))
        key = (rule_id, raw_path, line, column, _int(end.get("line")), _int(end.get("col")))
        if key in seen:
            continue
        seen.add(key)
        text = line_text(raw_path, line) if line else ""
        if is_suppressed(rule_id, text):
            suppressed += 1
            continue
        replacement = metadata.get("replacement")
        evidence = {"semgrep_rule": semgrep_rule_id(check_id), "code": _squash(text)[:200]}
        payload = _continuation(raw_path, line, _int(end.get("line")), line_text)
        if payload is not None:
            evidence["payload"] = payload
        findings.append(Finding(
            rule_id=rule_id,
            severity=severity_of(extra.get("severity")),
            message=_squash(str(extra.get("message") or rule_id)),
            location=Location(display_path(raw_path), line, column, _int(end.get("line")), _int(end.get("col"))),
            suggestion=f"Use {replacement} instead." if isinstance(replacement, str) else None,
            evidence=evidence,
            identity=f"{semgrep_rule_id(check_id)}:{_squash(text)}",
        ))
    return findings, suppressed


#: Lines of a multi-line match hashed into its payload (a match longer than this is pinned by its first lines).
MAX_PAYLOAD_LINES = 200


def _continuation(raw_path: str, line: Optional[int], end_line: Optional[int],
                  line_text: Callable[[str, int], str]) -> Optional[str]:
    """``sha256:<hex>`` of a multi-line match's lines after the first (``None`` for one-line matches).

    The identity holds the first line's code only; for ``yaml.load(\n data,\n Loader=...)``
    the argument that matters is on a later line, so a baseline entry must pin those too.
    Whitespace is squashed as in the identity, so re-indenting keeps the entry.
    """
    if not line or not end_line or end_line <= line:
        return None
    last = min(end_line, line + MAX_PAYLOAD_LINES)
    text = "\n".join(_squash(line_text(raw_path, n)) for n in range(line + 1, last + 1))
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def incomplete(path: str, reason: str, line: Optional[int] = None, severity: Severity = Severity.ERROR) -> Finding:
    """A ``semgrep/analysis-incomplete`` finding: ``path`` was not (fully) analysed because of ``reason``."""
    return Finding(
        INCOMPLETE, severity,
        f"Semgrep could not fully analyse this file ({reason}); findings in it may be missing.",
        Location(path, line),
        identity=reason,
    )


def one_incomplete_per_file(findings: List[Finding]) -> List[Finding]:
    """The findings with every file's ``analysis-incomplete`` findings merged into one.

    A file can be incomplete for several reasons at once (a NUL byte, and a Semgrep parse error
    or timeout for the same bytes); one finding per file, its reasons sorted and joined, keeps
    the result a function of the file and not of which reasons a busy machine added.
    The merged finding keeps the most severe severity and the first line any reason names.
    """
    reasons: Dict[str, List[str]] = {}
    lines: Dict[str, Optional[int]] = {}
    severity: Dict[str, Severity] = {}
    for finding in findings:
        if finding.rule_id != INCOMPLETE:
            continue
        path = finding.location.path
        reasons.setdefault(path, [])
        for reason in str(finding.identity).split("; "):
            if reason not in reasons[path]:
                reasons[path].append(reason)
        line = finding.location.line
        if line is not None and (lines.get(path) is None or line < lines[path]):
            lines[path] = line
        else:
            lines.setdefault(path, None)
        severity[path] = max(severity.get(path, finding.severity), finding.severity)
    out: List[Finding] = []
    for finding in findings:  # each merged finding takes the place of its file's first one
        if finding.rule_id != INCOMPLETE:
            out.append(finding)
        elif finding.location.path in reasons:
            path = finding.location.path
            out.append(incomplete(path, "; ".join(sorted(reasons.pop(path))), lines[path], severity[path]))
    return out


def error_findings(errors: Iterable[Mapping[str, Any]], display_path: Callable[[str], str]) -> List[Finding]:
    """One ``analysis-incomplete`` finding per file Semgrep reported errors for (types joined)."""
    reasons: Dict[str, List[str]] = {}
    first_line: Dict[str, Optional[int]] = {}
    for error in errors:
        path = str(error.get("path") or "")
        kind = str(error.get("type") or "error")
        if isinstance(error.get("type"), list):  # e.g. ["PartialParsing", [spans]]
            kind = str(error["type"][0])
        rule = error.get("rule_id")
        reason = f"{kind} in rule {semgrep_rule_id(str(rule))}" if rule else kind
        reasons.setdefault(path, [])
        if reason not in reasons[path]:
            reasons[path].append(reason)
        if first_line.get(path) is None:
            spans = error.get("spans") or [{}]
            first_line[path] = _int(((spans[0] or {}).get("start") or {}).get("line"))
    return [incomplete(display_path(path), "; ".join(found), first_line.get(path))
            for path, found in sorted(reasons.items())]


def _int(value: Any) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
