"""The one command-line front door: ``governance-hooks <check> [options]``.

Parses arguments, loads configuration, runs a check through
:func:`governance_hooks.commands.run_check`, renders the report and returns
the exit code (DESIGN.md):

* 0: nothing at or above ``--fail-on``;
* 1: findings at or above ``--fail-on``;
* 2: the tool could not do its job (one line on stderr; traceback only with ``--debug``).

Nothing in the package imports this module except :mod:`.front` (the entry of
``governance-hooks``, which answers a plain ``codeowners --who`` query itself): what the
lower floors share (options, root resolution, emitting a report, running a
check) lives in :mod:`.options`, :mod:`.emit` and :mod:`.commands`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from . import __version__, commands
from .check import Context
from .commands import PIPELINE_COMMANDS, PROG, SUMMARIES, build_parser, exit_code
from .config import load as load_config
from .errors import ToolError
from .escape import CommandGuard, terminal_safe
from .options import fail_threshold, resolve_root
from .rules import CHECKS, all_rules

__all__ = ["main", "build_parser", "list_rules"]


#: Top-level options that take a value (so ``_command_in`` skips it).
_VALUED = {"--format"}


def _command_in(argv: Sequence[str]) -> "str | None":
    """The subcommand named in ``argv``: its first word that is not an option or an option's value."""
    skip = False
    for word in argv:
        if skip:
            skip = False
            continue
        if word == "--":
            return None
        if word in _VALUED:
            skip = True
            continue
        if not word.startswith("-"):
            return word if word in SUMMARIES else None
    return None


def list_rules(checks: Sequence[str], out, fmt: str = "text") -> None:
    """Print the rules of ``checks``: ``rule-id  severity  summary`` lines, or a JSON list with ``fmt="json"``.

    The JSON form is ``[{"id", "check", "severity", "summary", "help"}, ...]`` in registry order.
    """
    rules = [r for r in all_rules().values() if r.check in checks]
    if fmt == "json":
        import json

        items = [{"id": r.id, "check": r.check, "severity": r.severity.label, "summary": r.summary,
                  "help": r.help or r.summary} for r in rules]
        out.write(json.dumps(items, indent=2, ensure_ascii=False) + "\n")
        return
    width = max((len(r.id) for r in rules), default=0)
    for r in rules:
        out.write(f"{r.id:<{width}}  {r.severity.label:<7}  {r.summary}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``governance-hooks``; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    stdout = sys.stdout
    # Checks write notes, progress and answers (``--who``) that may quote the repository;
    # the runner reads both streams for workflow commands. The report itself goes to
    # the real stdout (``--format github`` writes annotation commands on purpose).
    stderr, check_stdout = CommandGuard(sys.stderr), CommandGuard(sys.stdout)
    try:
        return _main(argv, debug, stdout, stderr, check_stdout)
    finally:
        stderr.close_line()
        check_stdout.close_line()


def _main(argv, debug: bool, stdout, stderr, check_stdout) -> int:
    try:
        parser = commands.build_parser(only=_command_in(argv))
        args = parser.parse_args(argv)
        if args.list_rules and not args.command:
            list_rules(CHECKS, stdout, args.top_format or "text")
            return 0
        if not args.command:
            parser.print_help(stderr)
            return 2
        if args.list_rules:
            checks = CHECKS if args.command in PIPELINE_COMMANDS else (args.command,)
            fmt = getattr(args, "format", "text")
            if fmt not in ("text", "json"):
                raise ToolError(f"--list-rules supports --format text or json, not {fmt}")
            list_rules(checks, stdout, fmt)
            return 0
        root = resolve_root(args.repo)
        config = load_config(args.config, root)
        fail_on = fail_threshold(args, config)
        module = commands.command_module(args.command)
        if args.command in PIPELINE_COMMANDS:
            return module.main(args, root=root, config=config, fail_on=fail_on, stdout=stdout, stderr=stderr)
        ctx = Context(root=root, config=config, check=args.command, stdout=check_stdout, stderr=stderr, debug=args.debug)
        summary, findings, outcome = commands.run_check(args.command, args, ctx, fail_on)
        if outcome.replaces_report and summary.status != "error":
            for found in findings:  # added by the runner (a weakened configuration): say why the exit is not 0
                if found.severity >= fail_on and found not in outcome.findings:
                    stderr.write(terminal_safe(f"{found.location.path or '.'}: {found.severity.label} {found.rule_id}: "
                                               f"{found.message}") + "\n")
            return exit_code(findings, fail_on)
        from .emit import emit
        from .report import Report

        report = Report(findings=findings, checks=[summary], version=__version__, root=str(root), fail_on=fail_on.label)
        emit(report, args, stdout)
        if summary.status == "error":
            stderr.write(terminal_safe(f"{PROG}: internal error in {args.command}: {summary.reason}"
                                       f"{'' if debug else ' (re-run with --debug for the traceback)'}") + "\n")
            return 2
        return exit_code(findings, fail_on)
    except ToolError as exc:
        stderr.write(terminal_safe(f"{PROG}: error: {exc}") + "\n")
        return 2
    except KeyboardInterrupt:
        stderr.write(f"{PROG}: interrupted\n")
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a bare traceback
        if debug:
            import traceback

            traceback.print_exc(file=stderr)
        message = f"{type(exc).__name__}: {exc}".splitlines()[0][:300] if str(exc) else type(exc).__name__
        stderr.write(terminal_safe(f"{PROG}: internal error: {message}"
                                   f"{'' if debug else ' (re-run with --debug for the traceback)'}") + "\n")
        return 2


def _hook(check: str, *fixed: str):
    def hook_main(argv: Sequence[str] | None = None) -> int:
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
