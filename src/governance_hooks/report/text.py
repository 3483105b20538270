"""Plain text for people: ``path:line:col: severity rule-id message``, then one line per check and a total.

Two layouts. Flat (pipes, files, CI logs; what editors and scripts parse):
one finding per line, sorted by file. Grouped (a terminal): the file name
once, then its findings indented, with colour and, where the terminal
supports them, rule ids as OSC 8 hyperlinks to their documentation.

Every piece of repository-derived text (paths, messages, suggestions,
reasons) goes through :func:`.escape.terminal_safe`, on a terminal and in
files alike: no escape sequence from a checked file reaches the terminal, and
no line can be taken for a GitHub workflow command (:func:`.escape.no_workflow_command`
on every line: a leading ``::``, after any white space the runner skips, and
``##[`` anywhere).
"""

from __future__ import annotations

from itertools import groupby
from typing import List

from ..rules import help_uri
from . import Report
from ..escape import no_workflow_command, starts_like_command, terminal_safe

_COLORS = {"error": "\033[31m", "warning": "\033[33m", "note": "\033[36m"}
_STATUS_COLORS = {"fail": "\033[31m", "error": "\033[31m", "pass": "\033[32m", "skipped": "\033[2m"}
_RESET = "\033[0m"
_BOLD = "\033[1m"


def _path(path: str) -> str:
    """A repository path for display: escaped; ``./`` before a name whose first character after the runner's
    white space (``escape.RUNNER_BLANKS``) is ``:`` (the same file, and no workflow command)."""
    shown = terminal_safe(path) if path else "."
    return f"./{shown}" if starts_like_command(shown) else shown


def _position(finding) -> str:
    loc = finding.location
    parts = [_path(loc.path)]
    if loc.line is not None:
        parts.append(str(loc.line))
        if loc.column is not None:
            parts.append(str(loc.column))
    return ":".join(parts)


def _line_col(finding) -> str:
    loc = finding.location
    if loc.line is None:
        return "-"
    return f"{loc.line}:{loc.column}" if loc.column is not None else str(loc.line)


def _link(rule_id: str) -> str:
    """``rule_id`` as an OSC 8 hyperlink (ESC ] 8 ; ; URI ST text ESC ] 8 ; ; ST)."""
    return f"\033]8;;{help_uri(rule_id)}\033\\{rule_id}\033]8;;\033\\"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def render_text(report: Report, *, color: bool = False, links: bool = False, quiet: bool = False) -> str:
    """Render findings, one summary line per check, then the grand total.

    ``color`` (the output is a terminal, or ``FORCE_COLOR``) selects the
    grouped layout with ANSI colour; ``links`` adds OSC 8 hyperlinks on rule
    ids. ``quiet`` returns ``""`` when there is nothing to report (no findings
    and exit status 0), as a commit hook should be on success.
    """
    if quiet and not report.findings and report.exit_status() == 0:
        return ""
    lines: List[str] = []

    def sev(label: str) -> str:
        return f"{_COLORS[label]}{label}{_RESET}" if color else label

    def rule(rule_id: str) -> str:
        return _link(terminal_safe(rule_id)) if links else terminal_safe(rule_id)

    if color:
        for path, group in groupby(report.findings, key=lambda f: f.location.path):
            lines.append(f"{_BOLD}{_path(path)}{_RESET}")
            for f in group:
                label = f.severity.label
                pad = " " * (7 - len(label))
                lines.append(f"  {_line_col(f):>7}  {sev(label)}{pad}  {rule(f.rule_id)}  {terminal_safe(f.message)}")
                if f.suggestion:
                    lines.append(f"  {'':>7}  suggestion: {terminal_safe(f.suggestion)}")
            lines.append("")
    else:
        for f in report.findings:
            lines.append(f"{_position(f)}: {f.severity.label} {rule(f.rule_id)} {terminal_safe(f.message)}")
            if f.suggestion:
                lines.append(f"    suggestion: {terminal_safe(f.suggestion)}")
    for c in report.checks:
        name = f"{_STATUS_COLORS.get(c.status, '')}{c.check}{_RESET}" if color else c.check
        if c.status == "skipped":
            lines.append(f"{name}: skipped ({terminal_safe(c.reason or '')})")
            continue
        counts = ", ".join(_plural(n, k) for k, n in c.counts.items())
        extra = "".join(f"; {k.replace('_', ' ')}: {terminal_safe(str(v))}" for k, v in c.stats.items() if _is_scalar(v))
        status = f" [{c.status}: {terminal_safe(c.reason or '')}]" if c.status == "error" else ""
        lines.append(f"{name}: {counts}{extra}{status}")
    lines.append(_total(report, color))
    return "\n".join(no_workflow_command(line) for line in lines) + "\n"


def _total(report: Report, color: bool) -> str:
    """``total: 3 checks run (4 skipped), 2 errors, 1 warning, 0 notes; exit 1 (a finding at or above error)``."""
    ran = [c for c in report.checks if c.status != "skipped"]
    skipped = len(report.checks) - len(ran)
    totals = report.totals()
    code = report.exit_status()
    why = {
        0: f"nothing at or above {report.fail_on}",
        1: f"findings at or above {report.fail_on}",
        2: "a check could not run",
    }.get(code, "")
    if report.exit_override is not None:
        why = "--write-baseline records the findings as accepted"
    head = f"total: {_plural(len(ran), 'check')} run" + (f" ({skipped} skipped)" if skipped else "")
    counts = f"{_plural(totals['error'], 'error')}, {_plural(totals['warning'], 'warning')}, {_plural(totals['note'], 'note')}"
    status = f"exit {code} ({why})"
    if color:
        status = f"{_COLORS['error'] if code else _STATUS_COLORS['pass']}{status}{_RESET}"
        head = f"{_BOLD}{head}{_RESET}"
    return f"{head}, {counts}; {status}"


def _is_scalar(value) -> bool:
    return isinstance(value, (int, float, str)) and not isinstance(value, bool)
