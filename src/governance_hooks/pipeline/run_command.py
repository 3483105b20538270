"""``governance-hooks run [ROOT]``: every enabled check in one pass, for CI and commit hooks.

One pass gives everything CI needs: the report in ``--format`` (annotations
with ``github``), ``--sarif FILE`` for code scanning, ``--summary FILE`` for the
job summary and ``--report DIR`` for the audit matrix. Exit codes as every
subcommand: 0, 1 (findings at or above ``--fail-on``), 2 (a check could not run:
the others still ran and are reported).
"""

from __future__ import annotations

import argparse
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, TextIO

from .. import __version__
from ..config import Config, load as load_config
from ..errors import ToolError
from ..findings import Finding, Severity
from ..report import Report, render
from ..repo import relative_posix
from . import baseline as baseline_file
from .engine import CheckOutcome, run_checks, settle
from .selection import parse_check_list, select

HELP = "run every enabled check on the repository (one pass: report, SARIF, summary, audit)"


def add_pipeline_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``run`` and ``report``: what to check and against which baseline."""
    parser.add_argument(
        "root", nargs="?", metavar="ROOT", type=Path,
        help="repository to check (default: --repo, else the git top level of the current folder)",
    )
    parser.add_argument(
        "--checks", metavar="A,B", help="run only these checks (default: [tool.governance-hooks] checks, else discovery)",
    )
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument(
        "--changed-since", metavar="REV",
        help="only files changed since the merge base of REV and HEAD, plus uncommitted and untracked files "
        "(for pull requests: the base commit)",
    )
    scope.add_argument("--staged", action="store_true", help="only files staged for commit (for a plain git pre-commit hook)")
    parser.add_argument(
        "--baseline", metavar="FILE", type=Path,
        help="report only findings not in this baseline (default: [tool.governance-hooks.run] baseline)",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``run``'s own options beside the common ones."""
    add_pipeline_arguments(parser)
    parser.add_argument("--write-baseline", metavar="FILE", type=Path, help="record every current finding as accepted in FILE (exit 0)")
    parser.add_argument("--sarif", metavar="FILE", type=Path, help="also write SARIF 2.1.0 to FILE")
    parser.add_argument("--report", metavar="DIR", type=Path, help="also write the audit report (report.md, report.json) to DIR")


@dataclass
class PipelineResult:
    """A finished pipeline run, ready to render.

    Attributes:
        root: the repository root.
        config: the configuration in force (reloaded when ROOT was given).
        fail_on: the exit threshold.
        outcomes: one per check in :data:`rules.CHECKS` order.
        report: findings (new only, when a baseline is used) and summaries.
        scope: what was checked, for the audit report.
    """

    root: Path
    config: Config
    fail_on: Severity
    outcomes: List[CheckOutcome]
    report: Report
    scope: Dict[str, Any]

    @property
    def errored(self) -> List[CheckOutcome]:
        return [o for o in self.outcomes if o.errored]

    def exit_code(self) -> int:
        if self.errored:
            return 2
        return 1 if any(f.severity >= self.fail_on for f in self.report.findings) else 0

    def audit(self, environ=os.environ) -> Dict[str, Any]:
        from . import audit

        return audit.build(
            self.outcomes, root=self.root, config=self.config, version=__version__,
            fail_on=self.fail_on.label, scope=self.scope, environ=environ,
        )


def _resolve(args: argparse.Namespace, root: Path, config: Config, fail_on: Severity):
    """Honour the positional ROOT: the CLI resolved root and configuration from ``--repo``/cwd."""
    if args.root is None:
        return root, config, fail_on
    if args.repo is not None:
        raise ToolError("give the repository as ROOT or as --repo, not both")
    from ..cli import fail_threshold, resolve_root

    root = resolve_root(args.root)
    config = load_config(args.config, root)
    return root, config, fail_threshold(args, config)


def _baseline_path(args: argparse.Namespace, config: Config, root: Path) -> Optional[Path]:
    if args.baseline is not None:
        return args.baseline
    run_table = config.settings.get("run", {})
    value = run_table.get("baseline") if isinstance(run_table, dict) else None
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ToolError(f"{config.source}: [tool.governance-hooks.run] baseline must be a file path")
    return root / value


def execute(args: argparse.Namespace, *, root: Path, config: Config, fail_on: Severity, stderr: TextIO,
            parser_factory=None) -> PipelineResult:
    """Select, run, baseline and summarise the checks (shared by ``run`` and ``report``).

    Raises:
        ToolError: bad ROOT/options/configuration, an unknown revision, an unreadable baseline.
    """
    from . import changes

    root, config, fail_on = _resolve(args, root, config, fail_on)
    requested = parse_check_list(args.checks, "--checks") if args.checks else None
    changed: Optional[List[str]] = None
    scope: Dict[str, Any] = {"changed_since": None, "staged": False, "changed_files": None, "baseline": None}
    if args.changed_since:
        changed = changes.changed_since(root, args.changed_since)
        scope.update(changed_since=args.changed_since, changed_files=len(changed))
    elif args.staged:
        changed = changes.staged(root)
        scope.update(staged=True, changed_files=len(changed))
        dirty = changes.unstaged_among(root, changed)
        if dirty:
            # The checks read the working tree; with unstaged edits that is not what
            # would be committed, so a clean result would prove nothing.
            shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
            raise ToolError(
                f"--staged: {shown} also had unstaged changes, so the files on disk are not the ones being "
                "committed; stage them (git add) or set them aside (git stash push --keep-index), then commit again"
            )
    accepted_path = _baseline_path(args, config, root)
    accepted: Optional[Counter] = None
    if accepted_path is not None:
        # Writing a new baseline: a missing old one is simply empty.
        creating = getattr(args, "write_baseline", None) is not None and not Path(accepted_path).exists()
        accepted = Counter() if creating else baseline_file.load(accepted_path)
        scope["baseline"] = str(args.baseline) if args.baseline is not None else relative_posix(accepted_path, root)

    selections = select(requested, config, lambda: changes.discoverable(root))
    outcomes = run_checks(
        selections, root=root, config=config, changed_files=changed, changed_since=args.changed_since,
        debug=getattr(args, "debug", False), stderr=stderr, parser_factory=parser_factory,
    )
    for outcome in outcomes:
        if accepted is not None:
            outcome.findings, outcome.absorbed = baseline_file.split(outcome.findings, accepted)
        settle(outcome, fail_on)
    findings = sorted((f for o in outcomes for f in o.findings), key=Finding.sort_key)
    report = Report(findings=findings, checks=[o.summary for o in outcomes], version=__version__, root=str(root))
    return PipelineResult(root, config, fail_on, outcomes, report, scope)


def github_paths(report: Report, root: Path) -> Report:
    """``report`` with paths relative to the git top level instead of ``root``.

    GitHub resolves annotation ``file=`` values and SARIF ``%SRCROOT%`` URIs
    against the repository root, so ``run sub/project`` must say
    ``sub/project/x.py``, not ``x.py``. Outside git, or at the top level, the
    report is returned as it is.
    """
    from dataclasses import replace

    from ..repo import git_toplevel

    top = git_toplevel(root)
    if top is None:
        return report
    prefix = relative_posix(root, top.resolve())
    if prefix in ("", ".") or prefix.startswith("../") or Path(prefix).is_absolute():
        return report
    moved = [
        replace(f, location=replace(f.location, path=f"{prefix}/{f.location.path}" if f.location.path else prefix))
        for f in report.findings
    ]
    return replace(report, findings=moved)


def _write_file(path: Path, text: str, what: str) -> None:
    from ..atomic import write_atomic

    try:
        write_atomic(path, text)
    except OSError as exc:
        raise ToolError(f"{path}: cannot write {what}: {exc.strerror or exc}") from None


def main(args: argparse.Namespace, *, root: Path, config: Config, fail_on: Severity, stdout: TextIO, stderr: TextIO) -> int:
    """Entry point called by :func:`governance_hooks.cli.main` for ``run``; returns the exit code.

    Raises:
        ToolError: for exit-2 conditions that stop the whole run (the CLI prints it).
    """
    from ..cli import emit

    if args.write_baseline is not None and (args.changed_since or args.staged):
        raise ToolError("--write-baseline records the whole repository; drop --changed-since/--staged")
    result = execute(args, root=root, config=config, fail_on=fail_on, stderr=stderr)
    if args.write_baseline is not None:
        # Checks that were skipped or could not run keep their accepted findings.
        not_run = [o.check for o in result.outcomes if o.summary.status in ("skipped", "error")]
        # Record everything found now, including what an older baseline absorbed.
        everything = [f for o in result.outcomes for f in o.findings + o.absorbed]
        count = baseline_file.write(args.write_baseline, everything, keep_checks_not_run=not_run)
        stderr.write(f"governance-hooks: wrote {count} accepted findings to {args.write_baseline}\n")
    for_github = github_paths(result.report, result.root)
    emit(for_github if args.format in ("github", "sarif") else result.report, args, stdout)
    if args.sarif is not None:
        _write_file(args.sarif, render("sarif", for_github), "SARIF")
    if args.report is not None:
        from . import audit

        audit.write(result.audit(), args.report)
    if result.errored:
        names = ", ".join(o.check for o in result.errored)
        stderr.write(f"governance-hooks: error: {len(result.errored)} check(s) could not run: {names}\n")
        return 2
    if args.write_baseline is not None:
        return 0
    return result.exit_code()

