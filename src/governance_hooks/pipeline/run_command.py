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
from ..escape import terminal_safe
from ..repo import is_within, relative_posix
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
    from ..options import fail_threshold, resolve_root

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
    from ..safe_open import UnsafeFile, config_path

    try:  # the one rule for paths in repository configuration
        return config_path(value, root, "[tool.governance-hooks.run] baseline")
    except UnsafeFile as exc:
        raise ToolError(f"{config.source}: {exc}") from None


def execute(args: argparse.Namespace, *, root: Path, config: Config, fail_on: Severity, stderr: TextIO,
            parser_factory=None) -> PipelineResult:
    """Select, run, baseline and summarise the checks (shared by ``run`` and ``report``).

    Raises:
        ToolError: bad ROOT/options/configuration, an unknown revision, an unreadable baseline.
    """
    from .. import changes

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
    accepted_path = _baseline_path(args, config, root)
    accepted: Optional[Counter] = None
    if accepted_path is not None:
        # Writing a new baseline: a missing old one is simply empty.
        creating = getattr(args, "write_baseline", None) is not None and not Path(accepted_path).exists()
        accepted = Counter() if creating else baseline_file.load(accepted_path)
        scope["baseline"] = str(args.baseline) if args.baseline is not None else relative_posix(accepted_path, root)

    from ..repo import not_checked_out

    absent = not_checked_out(root)
    if absent and not args.staged:
        # A sparse checkout: say what was not checked rather than pass silently.
        scope["not_checked_out"] = len(absent)
        shown = ", ".join(absent[:3]) + (f" and {len(absent) - 3} more" if len(absent) > 3 else "")
        stderr.write(f"governance-hooks: note: sparse checkout: {len(absent)} tracked file(s) are not in the "
                     f"working tree and were not checked ({shown})\n")
    if args.staged:
        outcomes = _run_on_index(args, requested, root, config, changed, stderr, parser_factory)
    else:
        selections = select(requested, config, lambda: changes.discoverable(root))
        outcomes = run_checks(
            selections, root=root, config=config, changed_files=changed, changed_since=args.changed_since,
            debug=getattr(args, "debug", False), stderr=stderr, parser_factory=parser_factory,
        )
    weakened: Dict[str, List[Finding]] = {}
    if args.changed_since:
        from . import config_guard

        in_repo = accepted_path is not None and is_within(accepted_path, root)
        weakened = config_guard.review(
            root, args.changed_since, config.source, {**config.settings, **config.checks},
            running=[o.check for o in outcomes if o.summary.status != "skipped"],
            discovered=changes.discoverable(root),
            baseline_rel=relative_posix(accepted_path, root) if in_repo else None,
            baseline_counts=accepted if in_repo else None,
            overridden=("fail-on",) if args.fail_on else ())
    for outcome in outcomes:
        if accepted is not None:
            outcome.findings, outcome.absorbed = baseline_file.split(outcome.findings, accepted)
        # After ignore and the baseline: a change cannot weaken the checks and hide that it did.
        outcome.findings = outcome.findings + weakened.get(outcome.check, [])
        settle(outcome, fail_on)
    findings = sorted((f for o in outcomes for f in o.findings), key=Finding.sort_key)
    report = Report(findings=findings, checks=[o.summary for o in outcomes], version=__version__, root=str(root),
                    fail_on=fail_on.label)
    return PipelineResult(root, config, fail_on, outcomes, report, scope)


def _run_on_index(args, requested, root: Path, config: Config, changed, stderr, parser_factory) -> List[CheckOutcome]:
    """``--staged``: run the checks on a temporary checkout of the index, so what is checked is what is committed.

    Unstaged edits (a fix not yet added, or a problem not yet added) do not count,
    and untracked files are not there. The configuration is the index's too, unless
    ``--config`` names one. Finding paths are repository-relative, as usual.
    """
    import tempfile

    from ..repo import git_toplevel
    from .. import changes

    top = git_toplevel(root)
    sub = relative_posix(root, top.resolve()) if top is not None else "."
    with tempfile.TemporaryDirectory(prefix="governance-hooks-index-") as scratch:
        changes.index_snapshot(root, Path(scratch))
        snap = Path(scratch) / sub if sub not in ("", ".") else Path(scratch)
        snap.mkdir(parents=True, exist_ok=True)
        snap_config = config if args.config is not None else load_config(None, snap)
        selections = select(requested, snap_config, lambda: changes.discoverable(snap))
        return run_checks(
            selections, root=snap, config=snap_config, changed_files=changed,
            debug=getattr(args, "debug", False), stderr=stderr, parser_factory=parser_factory,
        )


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
    """Entry point called by :func:`governance_hooks.cli.main` (through :mod:`governance_hooks.commands`) for ``run``; returns the exit code.

    Raises:
        ToolError: for exit-2 conditions that stop the whole run (the CLI prints it).
    """
    from ..emit import emit

    if args.write_baseline is not None and (args.changed_since or args.staged):
        raise ToolError("--write-baseline records the whole repository; drop --changed-since/--staged")
    result = execute(args, root=root, config=config, fail_on=fail_on, stderr=stderr)
    if args.write_baseline is not None:
        # Checks that were skipped or could not run keep their accepted findings.
        not_run = [o.check for o in result.outcomes if o.summary.status in ("skipped", "error")]
        # Record everything found now, including what an older baseline absorbed.
        everything = [f for o in result.outcomes for f in o.findings + o.absorbed]
        count = baseline_file.write(args.write_baseline, everything, keep_checks_not_run=not_run)
        stderr.write(terminal_safe(f"governance-hooks: wrote {count} accepted findings to {args.write_baseline}") + "\n")
    if args.write_baseline is not None and not result.errored:
        from dataclasses import replace

        result.report = replace(result.report, exit_override=0)
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

