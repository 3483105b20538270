"""The JSON document fixed by DESIGN.md."""

from __future__ import annotations

import json

from . import Report
from ..escape import json_safe


def render_json(report: Report) -> str:
    """``{"tool", "version", "findings": [...], "summary": {check: counts}}``, pretty-printed.

    Always valid UTF-8: a file name that is not UTF-8 keeps its bytes as the
    escapes ``\\udc80``-``\\udcff`` (PEP 383; ``os.fsencode`` restores them) and
    a lone surrogate from a checked JSON file stays ``\\ud800``.
    """
    document = {
        "tool": "governance-hooks",
        "version": report.version,
        "findings": [f.to_dict() for f in report.findings],
        "summary": report.summary(),
    }
    return json_safe(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"
