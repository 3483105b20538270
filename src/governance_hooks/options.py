"""Options every subcommand shares, and the values derived from them before a check runs.

Below the front door (``cli.py``): the pipeline commands and the manifest
sub-subcommands build on the same options, so they live here, not in the CLI.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Optional

from .config import Config
from .errors import ToolError
from .findings import Severity
from .report import FORMATS


def _terminal_columns() -> int:
    """``shutil.get_terminal_size().columns`` without importing :mod:`shutil` (and its compression
    modules): ``$COLUMNS``, else the size of the terminal on stdout, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, sized as argparse sizes it; every parser builds one per ``add_argument``,
    and argparse's own default imports :mod:`shutil` for the width, a cost on every command's start."""

    def __init__(self, prog, indent_increment=2, max_help_position=24, width=None) -> None:
        super().__init__(prog, indent_increment, max_help_position,
                         _terminal_columns() - 2 if width is None else width)


class CliParser(argparse.ArgumentParser):
    """argparse with DESIGN.md's error contract: one line on stderr, exit 2 (``--help`` keeps the usage)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def common_options() -> argparse.ArgumentParser:
    """Options every subcommand accepts (a parent parser)."""
    common = argparse.ArgumentParser(add_help=False, formatter_class=HelpFormatter)
    group = common.add_argument_group("common options")
    group.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    group.add_argument("--output", "-o", metavar="FILE", type=Path, help="write the report to FILE instead of stdout")
    group.add_argument("--summary", metavar="FILE", type=Path, help="also write a Markdown summary to FILE")
    group.add_argument(
        "--fail-on", choices=("error", "warning", "note"), default=None,
        help="exit 1 when a finding is at or above this severity (default: error)",
    )
    group.add_argument(
        "--config", metavar="FILE", type=Path,
        help="configuration file (default: [tool.governance-hooks] in <repo>/pyproject.toml)",
    )
    group.add_argument("--repo", metavar="DIR", type=Path, help="repository root (default: the git top level, or the current folder)")
    group.add_argument("--list-rules", action="store_true", help="list this check's rule ids and exit (with --format json: a JSON list)")
    group.add_argument("--quiet", action="store_true",
                       help="text format: print nothing when nothing is found and the exit code is 0")
    group.add_argument("--debug", action="store_true", help="show tracebacks for internal errors")
    return common


def resolve_root(given: Optional[Path]) -> Path:
    """The repository root: ``--repo``, else the git top level of the cwd, else the cwd.

    Raises:
        ToolError: when ``--repo`` is not a folder.
    """
    if given is not None:
        if not given.is_dir():
            raise ToolError(f"{given}: --repo is not a folder")
        return given.resolve()
    from .repo import git_toplevel

    cwd = Path.cwd()
    return (git_toplevel(cwd) or cwd).resolve()


def fail_threshold(args: argparse.Namespace, config: Config) -> Severity:
    """``--fail-on``, else ``fail-on`` from the configuration, else ``error``.

    Raises:
        ToolError: for a bad value in the configuration.
    """
    value = args.fail_on or config.settings.get("fail-on") or "error"
    try:
        return Severity.parse(str(value))
    except ValueError as exc:
        raise ToolError(f"{config.source}: fail-on: {exc}") from None
