"""The registry of subcommands: their modules, the parser that knows them, and running one check.

Below the front door: ``cli.py`` and the pipeline (``governance-hooks run``)
both drive checks through :func:`run_check`, so ``ignore`` settings and the
internal-error boundary are the same everywhere.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Dict, List, Optional, Sequence, Tuple

from . import __version__
from .check import CheckResult, Context
from .config import Config, matches_any
from .errors import ToolError
from .findings import Finding, Location, Severity, count_by_severity
from .options import CliParser, common_options
from .report import CheckSummary
from .rules import CHECKS

PROG = "governance-hooks"
#: Subcommands that are not single checks.
PIPELINE_COMMANDS = {"run": "governance_hooks.pipeline.run_command", "report": "governance_hooks.pipeline.report_command"}

#: One line per subcommand for ``governance-hooks --help``; the full
#: description comes from the command module's ``HELP`` once it is imported.
SUMMARIES: Dict[str, str] = {
    "codeowners": "CODEOWNERS: GitHub/GitLab semantics, dead and shadowed rules, unowned files",
    "redos": "regexes with catastrophic backtracking, with a confirmed attack string",
    "metrics": "metrics NDJSON logs validated line by line against JSON Schema",
    "policy": "prove the egress/admin/tracking policy with z3",
    "manifest": "dataset manifests: build, or verify shards by sha256 and size",
    "checkpoint": "checkpoint integrity and pickle safety without unpickling",
    "semgrep": "the governance Semgrep rule pack, offline",
    "run": "every enabled check in one pass (report, SARIF, summary, audit)",
    "report": "the audit report: capability matrix and input hashes",
}


#: Third-party modules that come with an extra (pyproject.toml), so a missing one is a setup
#: problem with a fix, not an internal error.
EXTRAS: Dict[str, str] = {
    "z3": "policy",
    "jsonschema": "metrics",
    "referencing": "metrics",
    "jsonschema_specifications": "metrics",
    "jsonschema_rs": "fast",
    "orjson": "fast",
}


def command_module(name: str):
    """The module behind subcommand ``name`` (``governance_hooks.<check>.command`` or a pipeline command)."""
    if name in PIPELINE_COMMANDS:
        return importlib.import_module(PIPELINE_COMMANDS[name])
    return importlib.import_module(f"governance_hooks.{name}.command")


def build_parser(only: Optional[str] = None) -> argparse.ArgumentParser:
    """The full parser: top-level flags and one subparser per check and pipeline command.

    With ``only``, just that command's module is imported and given its real
    options; the others get a placeholder (enough for ``--help``). A commit
    hook runs one check, so it should not pay for importing the rest.
    """
    parser = CliParser(prog=PROG, description="Governance checks for ML and platform repositories.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--list-rules", action="store_true", help="list every rule id with its summary and exit")
    parser.add_argument("--format", dest="top_format", choices=("text", "json"), default=None,
                        help="with --list-rules: text (default) or json")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CliParser)
    parent = common_options()
    for name in CHECKS + tuple(PIPELINE_COMMANDS):
        if only is not None and name != only:
            sub.add_parser(name, help=SUMMARIES.get(name), add_help=False)
            continue
        try:
            module = command_module(name)
        except ModuleNotFoundError as exc:
            if not (exc.name or "").startswith("governance_hooks"):
                raise
            continue  # a check not built into this installation
        sp = sub.add_parser(name, parents=[parent], help=SUMMARIES.get(name, module.HELP), description=module.HELP)
        module.add_arguments(sp)
    return parser


def apply_ignores(check: str, findings: List[Finding], config: Config) -> List[Finding]:
    """Drop findings whose rule id the configuration ignores for ``check``."""
    patterns = config.ignored(check)
    if not patterns:
        return findings
    return [f for f in findings if not matches_any(f.rule_id, patterns)]


def exit_code(findings: Sequence[Finding], fail_on: Severity) -> int:
    """1 if any finding is at or above ``fail_on``, else 0."""
    return 1 if any(f.severity >= fail_on for f in findings) else 0


def review_configuration(name: str, module, args: argparse.Namespace, ctx: Context) -> List[Finding]:
    """``<check>/configuration-weakened`` for a check run on its own against a base revision.

    A check module opts in with ``base_revision(args)`` (the revision its run compares
    with, or ``None``) and may name in ``OVERRIDDEN_BY`` (``{key: option dest}``) the
    configuration keys its command-line options replace. ``run --changed-since``
    reviews every check itself (``ctx.changed_since`` is set), so nothing is added then.

    Raises:
        ToolError: the revision names no commit.
    """
    revision = getattr(module, "base_revision", None)
    rev = revision(args) if revision is not None and ctx.changed_since is None else None
    if not rev:
        return []
    from . import weakening

    overridden = tuple(key for key, dest in getattr(module, "OVERRIDDEN_BY", {}).items()
                       if getattr(args, dest, None) is not None)
    if getattr(args, "fail_on", None) is not None:
        overridden += ("fail-on",)
    return weakening.check_findings(name, ctx.root, rev, ctx.config.source,
                                    {**ctx.config.settings, **ctx.config.checks}, overridden)


def run_check(
    name: str, args: argparse.Namespace, ctx: Context, fail_on: Severity = Severity.ERROR,
) -> Tuple[CheckSummary, List[Finding], CheckResult]:
    """Run one check, apply ignores, review its configuration (:func:`review_configuration`), and summarise it.

    The summary's status is ``fail`` when a finding reaches ``fail_on``, else
    ``pass`` (or ``skipped`` with the check's reason). An unexpected exception
    becomes a ``<check>/internal-error`` finding and an ``error`` status (the
    caller turns that into exit 2); :class:`ToolError` propagates.
    """
    module = command_module(name)
    try:
        result = module.run(args, ctx)
    except ToolError:
        raise
    except Exception as exc:  # noqa: BLE001 - the boundary that keeps other checks running
        missing = (exc.name or "") if isinstance(exc, ModuleNotFoundError) else ""
        extra = EXTRAS.get(missing.split(".")[0])
        if extra is not None:
            raise ToolError(
                f"{name}: needs {missing}, which is not installed: python -m pip install 'governance-hooks[{extra}]'"
                " (for a pre-commit hook: its additional_dependencies)"
            ) from None
        if ctx.debug:
            import traceback

            traceback.print_exc(file=ctx.stderr)
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        finding = Finding(f"{name}/internal-error", Severity.ERROR, f"internal error: {reason}", Location(""))
        summary = CheckSummary(name, count_by_severity([finding]), status="error", reason=reason)
        return summary, [finding], CheckResult(findings=[finding])
    outcome = result if isinstance(result, CheckResult) else CheckResult(findings=list(result))
    findings = apply_ignores(name, list(outcome.findings), ctx.config)
    # After ignore: a change cannot weaken the check and hide that it did.
    findings = sorted(findings + review_configuration(name, module, args, ctx), key=Finding.sort_key)
    if outcome.skipped:
        summary = CheckSummary(name, count_by_severity(findings), outcome.stats, "skipped", outcome.skipped)
    else:
        status = "fail" if exit_code(findings, fail_on) else "pass"
        summary = CheckSummary(name, count_by_severity(findings), outcome.stats, status)
    return summary, findings, outcome
