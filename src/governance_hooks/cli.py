"""The one command-line front door: ``governance-hooks <check> [options]``.

Parses arguments, loads configuration, runs a check through its command
adapter (``governance_hooks.<check>.command``), filters suppressed rules,
renders the report and returns the exit code (DESIGN.md):

* 0: nothing at or above ``--fail-on``;
* 1: findings at or above ``--fail-on``;
* 2: the tool could not do its job (one line on stderr; traceback only with ``--debug``).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from . import __version__
from .check import CheckResult, Context
from .config import Config, load as load_config, matches_any
from .errors import ToolError
from .findings import Finding, Severity, count_by_severity
from .report import FORMATS, CheckSummary, Report, render
from .rules import CHECKS, all_rules, rules_of

PROG = "governance-hooks"
#: Subcommands that are not single checks; their modules live beside cli.py.
PIPELINE_COMMANDS = {"run": "governance_hooks.pipeline.run_command", "report": "governance_hooks.pipeline.report_command"}


def _command_module(name: str):
    if name in PIPELINE_COMMANDS:
        return importlib.import_module(PIPELINE_COMMANDS[name])
    return importlib.import_module(f"governance_hooks.{name}.command")


class _Parser(argparse.ArgumentParser):
    """argparse with DESIGN.md's error contract: one line on stderr, exit 2 (``--help`` keeps the usage)."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def common_options() -> argparse.ArgumentParser:
    """Options every subcommand accepts (a parent parser)."""
    common = argparse.ArgumentParser(add_help=False)
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
    group.add_argument("--list-rules", action="store_true", help="list this check's rule ids and exit")
    group.add_argument("--debug", action="store_true", help="show tracebacks for internal errors")
    return common


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


def build_parser(only: Optional[str] = None) -> argparse.ArgumentParser:
    """The full parser: top-level flags and one subparser per check and pipeline command.

    With ``only``, just that command's module is imported and given its real
    options; the others get a placeholder (enough for ``--help``). A commit
    hook runs one check, so it should not pay for importing the rest.
    """
    parser = _Parser(
        prog=PROG,
        description="Governance checks for ML and platform repositories.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--list-rules", action="store_true", help="list every rule id with its summary and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    parent = common_options()
    for name in CHECKS + tuple(PIPELINE_COMMANDS):
        if only is not None and name != only:
            sub.add_parser(name, help=SUMMARIES.get(name), add_help=False)
            continue
        try:
            module = _command_module(name)
        except ModuleNotFoundError as exc:
            if not (exc.name or "").startswith("governance_hooks"):
                raise
            continue  # a check not built into this installation
        sp = sub.add_parser(name, parents=[parent], help=SUMMARIES.get(name, module.HELP), description=module.HELP)
        module.add_arguments(sp)
    return parser


def _command_in(argv: Sequence[str]) -> Optional[str]:
    """The subcommand named in ``argv``: its first word that is not an option (top-level options take no value)."""
    for word in argv:
        if word == "--":
            return None
        if not word.startswith("-"):
            return word if word in SUMMARIES else None
    return None


def list_rules(checks: Sequence[str], out) -> None:
    """Print ``rule-id  severity  summary`` for the rules of ``checks``."""
    registry = all_rules()
    rules = [r for r in registry.values() if r.check in checks]
    width = max((len(r.id) for r in rules), default=0)
    for r in rules:
        out.write(f"{r.id:<{width}}  {r.severity.label:<7}  {r.summary}\n")


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


def apply_ignores(check: str, findings: List[Finding], config: Config) -> List[Finding]:
    """Drop findings whose rule id the configuration ignores for ``check``."""
    patterns = config.ignored(check)
    if not patterns:
        return findings
    return [f for f in findings if not matches_any(f.rule_id, patterns)]


def run_check(
    name: str, args: argparse.Namespace, ctx: Context, fail_on: Severity = Severity.ERROR,
) -> Tuple[CheckSummary, List[Finding], CheckResult]:
    """Run one check, apply ignores, and summarise it.

    The summary's status is ``fail`` when a finding reaches ``fail_on``, else
    ``pass`` (or ``skipped`` with the check's reason). An unexpected exception becomes a ``<check>/internal-error`` finding and an
    ``error`` status (the caller turns that into exit 2); :class:`ToolError`
    propagates.
    """
    module = _command_module(name)
    try:
        result = module.run(args, ctx)
    except ToolError:
        raise
    except Exception as exc:  # noqa: BLE001 - the boundary that keeps other checks running
        if ctx.debug:
            traceback.print_exc(file=ctx.stderr)
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        from .findings import Location

        finding = Finding(f"{name}/internal-error", Severity.ERROR, f"internal error: {reason}", Location(""))
        summary = CheckSummary(name, count_by_severity([finding]), status="error", reason=reason)
        return summary, [finding], CheckResult(findings=[finding])
    if isinstance(result, CheckResult):
        outcome = result
    else:
        outcome = CheckResult(findings=list(result))
    findings = sorted(apply_ignores(name, list(outcome.findings), ctx.config), key=Finding.sort_key)
    if outcome.skipped:
        summary = CheckSummary(name, count_by_severity(findings), outcome.stats, "skipped", outcome.skipped)
    else:
        status = "fail" if exit_code(findings, fail_on) else "pass"
        summary = CheckSummary(name, count_by_severity(findings), outcome.stats, status)
    return summary, findings, outcome


def exit_code(findings: Sequence[Finding], fail_on: Severity) -> int:
    """1 if any finding is at or above ``fail_on``, else 0."""
    return 1 if any(f.severity >= fail_on for f in findings) else 0


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


def emit(report: Report, args: argparse.Namespace, stdout) -> None:
    """Write the report in ``--format`` to ``--output`` or stdout, and ``--summary`` if asked.

    Raises:
        ToolError: when an output file cannot be written.
    """
    if args.output is not None:
        text = render(args.format, report, color=False)
        _write(args.output, text)
    else:
        color = args.format == "text" and _is_tty(stdout) and "NO_COLOR" not in os.environ
        stdout.write(render(args.format, report, color=color))
    if args.summary is not None:
        from .report.github import render_summary

        _write(args.summary, render_summary(report, annotated=args.format == "github"), append=True)


def _write(path: Path, text: str, append: bool = False) -> None:
    from .atomic import write_atomic

    try:
        write_atomic(path, text, append=append)  # the one output writer: devices written through, links refused
    except OSError as exc:
        raise ToolError(f"{path}: cannot write: {exc.strerror or exc}") from None


def _is_tty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of ``governance-hooks``; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    stdout, stderr = sys.stdout, sys.stderr
    try:
        parser = build_parser(only=_command_in(argv))
        args = parser.parse_args(argv)
        if args.list_rules and not args.command:
            list_rules(CHECKS, stdout)
            return 0
        if not args.command:
            parser.print_help(stderr)
            return 2
        if args.list_rules:
            checks = CHECKS if args.command in PIPELINE_COMMANDS else (args.command,)
            list_rules(checks, stdout)
            return 0
        root = resolve_root(args.repo)
        config = load_config(args.config, root)
        fail_on = fail_threshold(args, config)
        module = _command_module(args.command)
        if args.command in PIPELINE_COMMANDS:
            return module.main(args, root=root, config=config, fail_on=fail_on, stdout=stdout, stderr=stderr)
        ctx = Context(root=root, config=config, check=args.command, stdout=stdout, stderr=stderr, debug=args.debug)
        summary, findings, outcome = run_check(args.command, args, ctx, fail_on)
        if outcome.replaces_report and summary.status != "error":
            return exit_code(findings, fail_on)
        report = Report(findings=findings, checks=[summary], version=__version__, root=str(root))
        emit(report, args, stdout)
        if summary.status == "error":
            stderr.write(f"{PROG}: internal error in {args.command}: {summary.reason}"
                         f"{'' if debug else ' (re-run with --debug for the traceback)'}\n")
            return 2
        return exit_code(findings, fail_on)
    except ToolError as exc:
        stderr.write(f"{PROG}: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        stderr.write(f"{PROG}: interrupted\n")
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a bare traceback
        if debug:
            traceback.print_exc(file=stderr)
        message = f"{type(exc).__name__}: {exc}".splitlines()[0][:300] if str(exc) else type(exc).__name__
        stderr.write(f"{PROG}: internal error: {message}{'' if debug else ' (re-run with --debug for the traceback)'}\n")
        return 2


def _hook(check: str, *fixed: str) -> Callable[[Optional[Sequence[str]]], int]:
    def hook_main(argv: Optional[Sequence[str]] = None) -> int:
        rest = list(sys.argv[1:] if argv is None else argv)
        return main([check, *fixed, *rest])

    hook_main.__name__ = f"{check}_main"
    hook_main.__doc__ = f"Console script for the {check} hook: ``governance-hooks {check} ...``."
    return hook_main


codeowners_main = _hook("codeowners")
redos_main = _hook("redos")
metrics_main = _hook("metrics")
policy_main = _hook("policy")
manifest_main = _hook("manifest")
checkpoint_main = _hook("checkpoint")
semgrep_main = _hook("semgrep")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
