"""A stand-in check used to drive the CLI and reporters without a real analysis."""

from __future__ import annotations

from governance_hooks.check import CheckResult
from governance_hooks.errors import ToolError
from governance_hooks.findings import Finding, Location, Severity

HELP = "a fake check for tests"

FINDINGS = [
    Finding("fake/bad-thing", Severity.ERROR, "bad thing, with 100% certainty: yes", Location("src/a,b.py", 3, 5, 3, 9),
            suggestion="remove it", evidence={"attack": ("a", 3)}),
    Finding("fake/odd-thing", Severity.WARNING, "odd\nthing", Location("src/a,b.py", 1, 1)),
    Finding("fake/note-thing", Severity.NOTE, "for your information", Location("")),
]


def add_arguments(parser):
    parser.add_argument("--mode", choices=("findings", "clean", "notes", "crash", "usage", "query"), default="findings")


def run(args, ctx):
    if args.mode == "crash":
        raise ZeroDivisionError("division by zero in fake")
    if args.mode == "usage":
        raise ToolError("policy.yaml:3: unknown key 'alow'")
    if args.mode == "query":
        ctx.stdout.write("owners of x.py: @a\n")
        return CheckResult(findings=[FINDINGS[1]], replaces_report=True)
    if args.mode == "clean":
        return CheckResult(stats={"scanned": 2})
    if args.mode == "notes":
        return CheckResult(findings=[FINDINGS[2]])
    return CheckResult(findings=list(FINDINGS), stats={"scanned": 2}, inputs=["src/a,b.py"])
