"""The README's rule tables, generated from the rule registry.

``python -m governance_hooks.rules_doc README.md`` rewrites the part of the
file between the ``<!-- rules:start -->`` and ``<!-- rules:end -->`` markers;
a test fails when the README and the registry disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List

from .rules import CHECKS, rules_of

START = "<!-- rules:start -->"
END = "<!-- rules:end -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_tables() -> str:
    """One Markdown table per check: rule id, default severity, one-line summary."""
    out: List[str] = []
    for check in CHECKS:
        out += [f"### {check}", "", "| rule id | severity | what it means |", "|---|---|---|"]
        for rule in rules_of(check):
            out.append(f"| `{rule.id}` | {rule.severity.label} | {_cell(rule.summary)} |")
        out.append("")
    return "\n".join(out)


def replace_section(text: str) -> str:
    """``text`` with the generated tables between the markers.

    Raises:
        ValueError: when the markers are missing or out of order.
    """
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the file needs {START} ... {END} markers")
    return text[: start + len(START)] + "\n\n" + render_tables() + "\n" + text[end:]


def main(argv: List[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m governance_hooks.rules_doc README.md", file=sys.stderr)
        return 2
    path = Path(argv[0])
    path.write_text(replace_section(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
