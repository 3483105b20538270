"""Reporters: turn a :class:`Report` into text, JSON, GitHub workflow commands or SARIF."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from ..findings import Finding, count_by_severity

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
    """Everything a reporter needs: sorted findings and the per-check summary."""

    findings: List[Finding]
    checks: List[CheckSummary]
    version: str
    root: str = "."

    def summary(self) -> Dict[str, Any]:
        """``{check: {"error": n, "warning": n, "note": n, **stats, "status": ...}}``."""
        return {c.check: c.to_dict() for c in self.checks}

    def totals(self) -> Dict[str, int]:
        return count_by_severity(self.findings)


def render(fmt: str, report: Report, *, color: bool = False) -> str:
    """Render ``report`` in ``fmt`` (one of :data:`FORMATS`).

    Raises:
        ValueError: for an unknown format.
    """
    if fmt == "text":
        from .text import render_text

        return render_text(report, color=color)
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
