"""Reporters: turn a :class:`Report` into text, JSON, GitHub workflow commands or SARIF."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from ..findings import Finding, Severity, count_by_severity

FORMATS = ("text", "json", "github", "sarif")


@dataclass
class CheckSummary:
    """One check's part of the summary.

    Attributes:
        check: the check name.
        counts: ``{"error": n, "warning": n, "note": n}`` after suppression.
        stats: extra figures from the check (e.g. ``unowned_files``).
        status: ``pass``, ``fail``, ``skipped`` or ``error`` (internal error).
        reason: why it was skipped or errored.
    """

    check: str
    counts: Dict[str, int]
    stats: Dict[str, Any] = field(default_factory=dict)
    status: str = "pass"
    reason: Optional[str] = None

    def to_dict(self) -> Dict[str, Any]:
        data: Dict[str, Any] = dict(self.counts)
        data.update(self.stats)
        data["status"] = self.status
        if self.reason:
            data["reason"] = self.reason
        return data


@dataclass
class Report:
    """Everything a reporter needs: sorted findings and the per-check summary.

    Attributes:
        findings: sorted findings to report.
        checks: one summary per check, in run order.
        version: the tool's version.
        root: the repository root (absolute), for paths that leave it.
        fail_on: the ``--fail-on`` threshold, for the exit status in the text total.
        exit_override: the exit code ``run --write-baseline`` uses (0: it records
            the findings as accepted); ``None``: :meth:`exit_status` decides.
    """

    findings: List[Finding]
    checks: List[CheckSummary]
    version: str
    root: str = "."
    fail_on: str = "error"
    exit_override: Optional[int] = None

    def exit_status(self) -> int:
        """2 if a check could not run, 1 if a finding reaches ``fail_on``, else 0 (DESIGN.md's exit codes)."""
        if self.exit_override is not None:
            return self.exit_override
        if any(c.status == "error" for c in self.checks):
            return 2
        threshold = Severity.parse(self.fail_on)
        return 1 if any(f.severity >= threshold for f in self.findings) else 0

    def summary(self) -> Dict[str, Any]:
        """``{check: {"error": n, "warning": n, "note": n, **stats, "status": ...}}``."""
        return {c.check: c.to_dict() for c in self.checks}

    def totals(self) -> Dict[str, int]:
        return count_by_severity(self.findings)


def render(fmt: str, report: Report, *, color: bool = False, links: bool = False, quiet: bool = False) -> str:
    """Render ``report`` in ``fmt`` (one of :data:`FORMATS`).

    ``color``, ``links`` (OSC 8 hyperlinks on rule ids) and ``quiet`` (nothing
    when there is nothing to say) apply to ``text`` only. Every format escapes
    repository-derived text (``escape.py``), so the result always
    encodes as UTF-8.

    Raises:
        ValueError: for an unknown format.
    """
    if fmt == "text":
        from .text import render_text

        return render_text(report, color=color, links=links, quiet=quiet)
    if fmt == "json":
        from .json_report import render_json

        return render_json(report)
    if fmt == "github":
        from .github import render_annotations

        return render_annotations(report)
    if fmt == "sarif":
        from .sarif import render_sarif

        return render_sarif(report)
    raise ValueError(f"unknown format {fmt!r}")
