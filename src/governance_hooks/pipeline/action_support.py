"""Helpers for the composite Action's shell steps (``python -m governance_hooks.pipeline.action_support``).

Kept in Python so the step scripts stay short and nothing user-supplied is
ever evaluated by the shell:

* ``split-args``: ``$INPUT_EXTRA_ARGS`` split with POSIX shell quoting rules
  (``shlex``), written NUL-separated for ``mapfile -d ''``; never expanded.
* ``outputs``: step outputs appended to ``$GITHUB_OUTPUT`` in the multi-line
  ``name<<DELIMITER`` form with a random delimiter, so no value can forge
  another output (GitHub docs, "Workflow commands: Multiline strings").
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import sys
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, TextIO


def split_args(text: str) -> List[str]:
    """Split ``text`` like a POSIX shell would, without expanding anything.

    Raises:
        ValueError: unbalanced quotes.
    """
    return shlex.split(text, comments=False, posix=True)


def counts_from_report(report_json: Path) -> Optional[Dict[str, int]]:
    """``{"findings": n, "errors": n}`` from an audit ``report.json``; ``None`` if absent or unreadable."""
    try:
        document = json.loads(Path(report_json).read_text(encoding="utf-8"))
        totals = document["totals"]
        return {"findings": int(sum(totals.values())), "errors": int(totals["error"])}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def format_outputs(values: Mapping[str, str]) -> str:
    """``name<<DELIM`` blocks for ``$GITHUB_OUTPUT``, one random delimiter per value."""
    out = []
    for name, value in values.items():
        delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
        while delimiter in value:  # pragma: no cover - 128 random bits
            delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
        out.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    return "".join(out)


def main(argv: Optional[Sequence[str]] = None, environ: Mapping[str, str] = os.environ, stdout: TextIO = sys.stdout) -> int:
    """``split-args`` or ``outputs`` (see the module docstring); returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["split-args"]:
        try:
            words = split_args(environ.get("INPUT_EXTRA_ARGS", ""))
        except ValueError as exc:
            sys.stderr.write(f"governance-hooks: extra-args: {exc}\n")
            return 2
        stdout.write("".join(w + "\0" for w in words))
        return 0
    if argv == ["outputs"]:
        report_dir = Path(environ["GOVERNANCE_REPORT_DIR"])
        counts = counts_from_report(report_dir / "report.json")
        values = {
            "findings": str(counts["findings"]) if counts else "",
            "errors": str(counts["errors"]) if counts else "",
            "exit-code": environ.get("GOVERNANCE_EXIT_CODE", ""),
            "sarif-file": environ.get("GOVERNANCE_SARIF", "") if Path(environ.get("GOVERNANCE_SARIF", "") or "/nonexistent").is_file() else "",
            "report-file": str(report_dir / "report.json") if counts else "",
        }
        with open(environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as handle:
            handle.write(format_outputs(values))
        return 0
    sys.stderr.write("usage: python -m governance_hooks.pipeline.action_support split-args|outputs\n")
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
