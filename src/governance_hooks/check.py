"""The contract between the CLI and a check's command adapter.

Each check has a module ``governance_hooks.<check>.command`` with::

    HELP: str                                       # one line for ``--help``
    def add_arguments(parser: argparse.ArgumentParser) -> None
    def run(args: argparse.Namespace, ctx: Context) -> CheckResult

A check with an option that names a base revision (``codeowners --base``/``--changed-since``)
also defines ``base_revision(args) -> Optional[str]`` (and may define ``OVERRIDDEN_BY``,
``{config key: option dest}``): run on its own against that revision, the check gets the
same ``configuration-weakened`` review as ``run --changed-since``
(:func:`governance_hooks.commands.review_configuration`).

``run`` calls the check's pure analysis and returns its findings. It may write
non-finding output that the user asked for (``--who``, ``manifest build``) to
``ctx.stdout``; it never exits and never reads ``sys.argv``. It raises
:class:`governance_hooks.errors.ToolError` for exit-2 conditions.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, TextIO

from .config import Config
from .findings import Finding


@dataclass
class Context:
    """What a check may use from its surroundings.

    Attributes:
        root: the repository root (absolute); finding paths are relative to it.
        config: the whole configuration; ``ctx.options`` is this check's table.
        check: the check's name.
        stdout: where requested non-finding output goes.
        stderr: progress and notes for a person (never findings).
        debug: ``--debug`` was given.
        changed_files: with ``run --changed-since``, the repo-relative paths
            changed since that revision; ``None`` means "all files".
        changed_since: with ``run --changed-since REV``, ``REV`` as given (checks that compare with
            the base revision, such as CODEOWNERS, read it); ``None`` otherwise.
    """

    root: Path
    config: Config
    check: str
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    debug: bool = False
    changed_files: Optional[List[str]] = None
    changed_since: Optional[str] = None

    @property
    def options(self) -> Dict[str, Any]:
        return self.config.for_check(self.check)

    @property
    def interactive(self) -> bool:
        """True when stderr is a terminal (progress bars allowed)."""
        try:
            return self.stderr.isatty()
        except (AttributeError, ValueError):
            return False


@dataclass
class CheckResult:
    """What one check run produced.

    Attributes:
        findings: every finding (the CLI filters ignored rules and sorts).
        stats: extra summary figures, e.g. ``{"unowned_files": 12}``; merged
            into the report's ``summary[check]`` beside the severity counts.
        inputs: the files read, relative to the root (for the audit report).
        skipped: a reason when the check did not run (e.g. ``semgrep not installed``).
        replaces_report: the command already wrote the output the user asked
            for to ``ctx.stdout`` (``codeowners --who``, ``manifest build``), so
            the CLI prints no report; the exit code still follows the findings.
    """

    findings: List[Finding] = field(default_factory=list)
    stats: Dict[str, Any] = field(default_factory=dict)
    inputs: List[str] = field(default_factory=list)
    skipped: Optional[str] = None
    replaces_report: bool = False
