"""``governance-hooks checkpoint [PATHS...]``: the command adapter of the checkpoint check."""

from __future__ import annotations

import argparse
from typing import List

from ..check import CheckResult, Context

HELP = "Checkpoint integrity (metadata v1/v2, best-k index) and pickle safety without unpickling."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Positional paths and the scanner options (the common options come from the CLI)."""
    parser.add_argument(
        "paths", nargs="*", metavar="PATH",
        help="files to check (default: discover checkpoints, metadata.json, index.json and state.sha256 "
             "under the repository by content)",
    )
    parser.add_argument(
        "--allow-global", action="append", default=[], metavar="MODULE:QUALNAME",
        help="treat this pickle global as safe (repeatable; adds to allow-globals in the configuration)",
    )
    parser.add_argument("--max-opcodes", type=int, default=None, metavar="N",
                        help="pickle opcodes simulated per file before analysis-incomplete (default 2000000)")


def run(args: argparse.Namespace, ctx: Context) -> CheckResult:
    """Discover or take the given files, check them, and return the findings.

    Raises:
        ToolError: invalid configuration or arguments.
    """
    from .runner import Settings, check_repository

    settings = Settings.from_config(ctx.options, ctx.config.source, list(args.allow_global), args.max_opcodes)
    paths: List[str] = list(args.paths or [])
    return check_repository(ctx.root, settings, paths=paths or None, changed=ctx.changed_files,
                            stderr=ctx.stderr if ctx.interactive else None)
