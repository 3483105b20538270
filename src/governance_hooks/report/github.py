"""GitHub Actions output: workflow-command annotations and the Markdown job summary.

Escaping follows GitHub's workflow-command rules (actions/toolkit
``command.ts``): in the message ``%``, ``\\r``, ``\\n`` become ``%25``,
``%0D``, ``%0A``; in property values ``:`` and ``,`` also become ``%3A`` and
``%2C``. Before that, repository-derived text has its other control
characters and lone surrogates made visible (``escape.py``), so no
annotation carries a terminal escape and every line encodes as UTF-8.

The job summary renders repository text literally: prose cells escape every
ASCII punctuation character (no HTML, image or link can appear), and paths
and rule ids are code spans sized to their backticks.
"""

from __future__ import annotations

from typing import Dict, List

from ..findings import Severity
from . import Report
from ..escape import markdown_code, markdown_text, terminal_safe

#: GitHub shows at most this many annotations of each level per step.
ANNOTATION_LIMIT = 10
#: $GITHUB_STEP_SUMMARY is capped at 1 MiB per step.
SUMMARY_LIMIT = 1024 * 1024

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def escape_data(text: str) -> str:
    """Escape an annotation message: controls other than line breaks made visible, then ``%``, CR, LF."""
    visible = "\n".join("\r".join(terminal_safe(part) for part in line.split("\r")) for line in text.split("\n"))
    return visible.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape an annotation property value (file, title): as a message, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_annotations(report: Report) -> str:
    """One ``::error file=...,line=...,col=...,title=...::message`` line per finding."""
    lines: List[str] = []
    for f in report.findings:
        loc = f.location
        props = []
        if loc.path:
            props.append(f"file={escape_property(loc.path)}")
        if loc.line is not None:
            props.append(f"line={loc.line}")
            if loc.end_line is not None:
                props.append(f"endLine={loc.end_line}")
            if loc.column is not None:
                props.append(f"col={loc.column}")
                if loc.end_column is not None and (loc.end_line in (None, loc.line)):
                    props.append(f"endColumn={loc.end_column}")
        props.append(f"title={escape_property(f.rule_id)}")
        message = f.message if not f.suggestion else f"{f.message}\nSuggestion: {f.suggestion}"
        lines.append(f"::{_COMMAND[f.severity]} {','.join(props)}::{escape_data(message)}")
    return "\n".join(lines) + ("\n" if lines else "")


def hidden_annotations(report: Report) -> Dict[str, int]:
    """How many annotations of each level GitHub will not show (past :data:`ANNOTATION_LIMIT`)."""
    hidden: Dict[str, int] = {}
    for severity in Severity:
        n = sum(1 for f in report.findings if f.severity is severity)
        if n > ANNOTATION_LIMIT:
            hidden[severity.label] = n - ANNOTATION_LIMIT
    return hidden


def _cell(text: str) -> str:
    """Repository text for a table cell, shown literally (``|``, Markdown, HTML escaped; controls visible)."""
    return markdown_text(text)


def render_summary(report: Report, *, limit: int = SUMMARY_LIMIT, annotated: bool = True) -> str:
    """A Markdown summary: a table of checks, then every finding, most severe first.

    Output is cut to ``limit`` bytes (UTF-8) at a line boundary, with a note
    saying how many findings were left out. With ``annotated`` (the same run
    printed workflow annotations) it also says how many GitHub will not show.
    """
    head: List[str] = ["## governance-hooks", ""]
    head.append("| check | status | errors | warnings | notes |")
    head.append("|---|---|---:|---:|---:|")
    for c in report.checks:
        status = c.status if not c.reason else f"{c.status} ({_cell(c.reason)})"
        head.append(f"| {c.check} | {status} | {c.counts['error']} | {c.counts['warning']} | {c.counts['note']} |")
    head.append("")
    hidden = hidden_annotations(report) if annotated else {}
    if hidden:
        parts = ", ".join(f"{n} {level}{'s' if n != 1 else ''}" for level, n in hidden.items())
        head.append(
            f"> GitHub shows at most {ANNOTATION_LIMIT} annotations of each level per step; "
            f"{parts} are listed here but not annotated."
        )
        head.append("")
    body: List[str] = []
    ordered = sorted(report.findings, key=lambda f: (-int(f.severity), f.check, f.sort_key()))
    current = None
    for f in ordered:
        group = (f.severity, f.check)
        if group != current:
            current = group
            body.extend(["", f"### {f.severity.label}: {f.check}", "", "| location | rule | message |", "|---|---|---|"])
        loc = f.location
        where = loc.path or "."
        if loc.line is not None:
            where += f":{loc.line}"
        message = f.message + (f" Suggestion: {f.suggestion}" if f.suggestion else "")
        body.append(f"| {markdown_code(where)} | {markdown_code(f.rule_id)} | {_cell(message)} |")
    text = "\n".join(head + body) + "\n"
    if len(text.encode("utf-8")) <= limit:
        return text
    note_reserve = 200
    out: List[str] = []
    size = 0
    shown = 0
    for line in head + body:
        n = len(line.encode("utf-8")) + 1
        if size + n > limit - note_reserve:
            break
        out.append(line)
        size += n
        if line.startswith("| `") and not line.startswith("| check"):
            shown += 1
    left = len(report.findings) - shown
    out.append("")
    out.append(f"> Summary truncated at GitHub's 1 MiB limit: {left} more findings not listed; see the SARIF or JSON report.")
    return "\n".join(out) + "\n"
