"""Run the selected checks one after another, each isolated from the others' failures.

Each check is driven exactly as ``governance-hooks <check>`` drives it: its
arguments come from the CLI's own parser (:func:`governance_hooks.commands.build_parser`) (``[<check>]``, i.e. the whole
repository) and it runs through :func:`governance_hooks.commands.run_check`, so
``ignore`` settings and the internal-error boundary are the same. A check
that raises :class:`ToolError` (bad configuration, policy or schema) or crashes is
recorded with status ``error`` and the run goes on; the caller turns that into
exit code 2.
"""

from __future__ import annotations

import argparse
import io
import sys
from contextlib import redirect_stderr
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional, Sequence, TextIO

from ..check import Context
from ..config import Config
from ..errors import ToolError
from ..findings import Finding, Location, Severity, count_by_severity
from ..report import CheckSummary
from ..escape import terminal_safe
from .selection import Selection


@dataclass
class CheckOutcome:
    """What one check produced in a pipeline run.

    Attributes:
        check: the check name.
        summary: counts, stats, status (``pass``/``fail``/``skipped``/``error``) and reason.
        findings: the check's findings after ``ignore`` (and, later, the baseline).
        inputs: repo-relative POSIX paths of the files the check read.
        absorbed: findings the baseline accepted (not reported, still counted).
    """

    check: str
    summary: CheckSummary
    findings: List[Finding] = field(default_factory=list)
    inputs: List[str] = field(default_factory=list)
    absorbed: List[Finding] = field(default_factory=list)

    @property
    def baselined(self) -> int:
        return len(self.absorbed)

    @property
    def errored(self) -> bool:
        return self.summary.status == "error"


def _zero() -> dict:
    return count_by_severity([])


def skipped(check: str, reason: str) -> CheckOutcome:
    """An outcome for a check that was not run."""
    return CheckOutcome(check, CheckSummary(check, _zero(), status="skipped", reason=reason))


def _errored(check: str, reason: str) -> CheckOutcome:
    finding = Finding(f"{check}/internal-error", Severity.ERROR, f"{check} could not run: {reason}", Location(""))
    summary = CheckSummary(check, count_by_severity([finding]), status="error", reason=reason)
    return CheckOutcome(check, summary, [finding])


def _check_args(parser: argparse.ArgumentParser, check: str, debug: bool) -> argparse.Namespace:
    """The namespace ``governance-hooks <check>`` would get with no path arguments.

    Raises:
        ToolError: when the check's parser rejects that (its usage text is kept short).
    """
    argv = [check] + (["--debug"] if debug else [])
    captured = io.StringIO()
    try:
        with redirect_stderr(captured):
            return parser.parse_args(argv)
    except SystemExit:
        lines = [ln for ln in captured.getvalue().splitlines() if ln.strip()]
        raise ToolError(lines[-1] if lines else f"cannot build arguments for {check}") from None


def _relative_inputs(paths: Sequence[object], root: Path) -> List[str]:
    from ..repo import relative_posix

    out = set()
    for p in paths:
        text = str(p)
        out.add(relative_posix(Path(text), root) if Path(text).is_absolute() else Path(text).as_posix())
    return sorted(out)


def run_checks(
    selections: Sequence[Selection],
    *,
    root: Path,
    config: Config,
    changed_files: Optional[List[str]],
    changed_since: Optional[str] = None,
    debug: bool = False,
    stderr: TextIO = sys.stderr,
    parser_factory: Optional[Callable[[], argparse.ArgumentParser]] = None,
) -> List[CheckOutcome]:
    """Run every selected check in order; never stops early.

    Args:
        selections: from :func:`.selection.select`, in :data:`rules.CHECKS` order.
        root: the repository root (absolute).
        config: the loaded configuration.
        changed_files: restrict checks to these repo-relative paths (``None``: all files).
        changed_since: the ``--changed-since`` revision as given, for checks that compare with it.
        stderr: where checks' progress and the per-check error lines go. Checks'
            ``ctx.stdout`` is also pointed here, so the report on stdout stays
            machine-readable.
        parser_factory: builds the CLI parser (tests inject fakes).

    Returns:
        One outcome per selection, in the same order.
    """
    from .. import commands

    parser = (parser_factory or commands.build_parser)()
    outcomes: List[CheckOutcome] = []
    for sel in selections:
        if sel.skip is not None:
            outcomes.append(skipped(sel.check, sel.skip))
            continue
        ctx = Context(
            root=root, config=config, check=sel.check, stdout=stderr, stderr=stderr, debug=debug,
            changed_files=list(changed_files) if changed_files is not None else None,
            changed_since=changed_since,
        )
        try:
            args = _check_args(parser, sel.check, debug)
            summary, findings, result = commands.run_check(sel.check, args, ctx)
        except ToolError as exc:
            outcome = _errored(sel.check, str(exc))
        else:
            outcome = CheckOutcome(sel.check, summary, list(findings), _relative_inputs(result.inputs, root))
        if outcome.errored:
            stderr.write(terminal_safe(f"governance-hooks: {sel.check}: error: {outcome.summary.reason}") + "\n")
        outcomes.append(outcome)
    return outcomes


def settle(outcome: CheckOutcome, fail_on: Severity) -> None:
    """Recount ``outcome`` after baseline filtering and set ``pass``/``fail``.

    ``skipped`` and ``error`` are left as they are.
    """
    outcome.summary.counts = count_by_severity(outcome.findings)
    if outcome.baselined:
        outcome.summary.stats = {**outcome.summary.stats, "baselined": outcome.baselined}
    if outcome.summary.status in ("pass", "fail"):
        failing = any(f.severity >= fail_on for f in outcome.findings)
        outcome.summary.status = "fail" if failing else "pass"
