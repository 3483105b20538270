"""``governance-hooks report [ROOT]``: run the enabled checks and print the audit report.

The report is the capability matrix of :mod:`.audit`: per check its status
(pass, fail, skipped and why, error), counts by severity and the sha256 of
every input it read, with the tool version, the configuration's hash and the
git commit. ``--format text`` (default) prints Markdown, ``--format json`` the
JSON document; ``--dir DIR`` also writes both files. Exit codes as ``run``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TextIO

from ..config import Config
from ..errors import ToolError
from ..findings import Severity
from .run_command import add_pipeline_arguments, execute

HELP = "run the enabled checks and print the audit report (capability matrix, input hashes)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``report``'s options: those of ``run`` that choose what is checked, and ``--dir``."""
    add_pipeline_arguments(parser)
    parser.add_argument("--dir", metavar="DIR", type=Path, help="also write report.md and report.json to DIR")


def main(args: argparse.Namespace, *, root: Path, config: Config, fail_on: Severity, stdout: TextIO, stderr: TextIO) -> int:
    """Entry point called by :func:`governance_hooks.cli.main` for ``report``; returns the exit code.

    Raises:
        ToolError: ``--format github|sarif`` (the report is Markdown or JSON), and
            the exit-2 conditions of ``run``.
    """
    from . import audit

    if args.format not in ("text", "json"):
        raise ToolError(f"report --format {args.format}: the audit report is Markdown (text) or json")
    result = execute(args, root=root, config=config, fail_on=fail_on, stderr=stderr)
    document = result.audit(os.environ)
    text = audit.render_json(document) if args.format == "json" else audit.render_markdown(document)
    if args.output is not None:
        from ..atomic import write_atomic

        try:
            write_atomic(args.output, text)
        except OSError as exc:
            raise ToolError(f"{args.output}: cannot write the audit report: {exc.strerror or exc}") from None
    else:
        stdout.write(text)
    if args.summary is not None:
        from ..report.github import render_summary

        try:
            from ..atomic import write_atomic

            write_atomic(args.summary, render_summary(result.report, annotated=False), append=True)
        except OSError as exc:
            raise ToolError(f"{args.summary}: cannot write: {exc.strerror or exc}") from None
    if args.dir is not None:
        audit.write(document, args.dir)
    return result.exit_code()
