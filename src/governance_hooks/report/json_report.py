"""The JSON document fixed by DESIGN.md."""

from __future__ import annotations

import json

from . import Report


def render_json(report: Report) -> str:
    """``{"tool", "version", "findings": [...], "summary": {check: counts}}``, pretty-printed."""
    document = {
        "tool": "governance-hooks",
        "version": report.version,
        "findings": [f.to_dict() for f in report.findings],
        "summary": report.summary(),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
