"""Plain text: ``path:line:col: severity rule-id message``, one finding per line."""

from __future__ import annotations

from typing import List

from . import Report

_COLORS = {"error": "\033[31m", "warning": "\033[33m", "note": "\033[36m"}
_RESET = "\033[0m"
_BOLD = "\033[1m"


def _position(finding) -> str:
    loc = finding.location
    parts = [loc.path or "."]
    if loc.line is not None:
        parts.append(str(loc.line))
        if loc.column is not None:
            parts.append(str(loc.column))
    return ":".join(parts)


def render_text(report: Report, *, color: bool = False) -> str:
    """Render findings one per line, suggestions indented below, then one summary line per check.

    Colour (ANSI) only when ``color`` is true, i.e. the output is a terminal.
    """
    lines: List[str] = []
    for f in report.findings:
        sev = f.severity.label
        sev_text = f"{_COLORS[sev]}{sev}{_RESET}" if color else sev
        pos = f"{_BOLD}{_position(f)}{_RESET}" if color else _position(f)
        lines.append(f"{pos}: {sev_text} {f.rule_id} {f.message}")
        if f.suggestion:
            lines.append(f"    suggestion: {f.suggestion}")
    for c in report.checks:
        if c.status == "skipped":
            lines.append(f"{c.check}: skipped ({c.reason})")
            continue
        counts = ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in c.counts.items())
        extra = "".join(f"; {k.replace('_', ' ')}: {v}" for k, v in c.stats.items() if _is_scalar(v))
        status = f" [{c.status}: {c.reason}]" if c.status == "error" else ""
        lines.append(f"{c.check}: {counts}{extra}{status}")
    return "\n".join(lines) + ("\n" if lines else "")


def _is_scalar(value) -> bool:
    return isinstance(value, (int, float, str)) and not isinstance(value, bool)
