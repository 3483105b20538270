"""Fake checks for pipeline tests: real command modules in shape, injected into ``sys.modules``.

A fake check reads every file whose name ends with its suffix (or, with
``ctx.changed_files``, only those) and reports each line holding a marker:
``BAD:<id>`` is an error, ``WARN:<id>`` a warning. The identity is the marker,
so findings keep their fingerprint when lines move, as real checks do.
"""

from __future__ import annotations

import importlib.machinery
import sys
import types
from pathlib import Path
from typing import Callable, Dict, List, Optional

import pytest

from governance_hooks.check import CheckResult
from governance_hooks.errors import ToolError
from governance_hooks.findings import Finding, Location, Severity
from governance_hooks.pipeline import selection
from governance_hooks.rules import Rule


def marker_check(check: str, suffix: str) -> Callable:
    """A ``run(args, ctx)`` that finds ``BAD:``/``WARN:`` markers in ``*suffix`` files."""

    def run(args, ctx) -> CheckResult:
        root = Path(ctx.root)
        if ctx.changed_files is not None:
            names = [n for n in ctx.changed_files if n.endswith(suffix)]
        else:
            names = sorted(p.relative_to(root).as_posix() for p in root.rglob(f"*{suffix}") if ".git" not in p.parts)
        findings: List[Finding] = []
        for name in names:
            for number, line in enumerate((root / name).read_text(encoding="utf-8").splitlines(), start=1):
                for word in line.split():
                    kind, _, ident = word.partition(":")
                    if kind in ("BAD", "WARN") and ident:
                        severity = Severity.ERROR if kind == "BAD" else Severity.WARNING
                        rule = f"{check}/bad-marker" if kind == "BAD" else f"{check}/warn-marker"
                        findings.append(Finding(
                            rule, severity, f"marker {ident} at line {number}", Location(name, number, 1),
                            identity=ident,
                        ))
        seen.setdefault(check, []).append(None if ctx.changed_files is None else list(ctx.changed_files))
        return CheckResult(findings=findings, inputs=names, stats={"files": len(names)})

    run.suffix = suffix
    return run


#: check -> list of ``ctx.changed_files`` values each fake run saw.
seen: Dict[str, List[Optional[List[str]]]] = {}


def crashing(args, ctx):
    raise RuntimeError("boom\nsecond line")


def misconfigured(args, ctx):
    raise ToolError("pyproject.toml: [tool.governance-hooks.policy] policy: no such file")


def skipping(args, ctx):
    return CheckResult(skipped="semgrep is not installed")


def _module(name: str, **attrs) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__spec__ = importlib.machinery.ModuleSpec(name, None)
    for key, value in attrs.items():
        setattr(module, key, value)
    return module


@pytest.fixture
def fake_checks(monkeypatch):
    """``fake_checks({"codeowners": run_fn, ...})``: only these checks exist for the pipeline.

    Discovery finds a marker check when a file with its suffix exists; other
    fakes are always found. Each gets a command module (``HELP``, ``add_arguments``, ``run``) and a rules
    module with ``<check>/bad-marker`` (error) and ``<check>/warn-marker`` (warning).
    """
    seen.clear()

    def install(behaviours: Dict[str, Callable]) -> None:
        for check, run in behaviours.items():
            rules = (
                Rule(f"{check}/bad-marker", Severity.ERROR, "A BAD marker.", "Remove the BAD marker."),
                Rule(f"{check}/warn-marker", Severity.WARNING, "A WARN marker.", "Remove the WARN marker."),
            )
            monkeypatch.setitem(sys.modules, f"governance_hooks.{check}.command", _module(
                f"governance_hooks.{check}.command", HELP=f"fake {check}", add_arguments=lambda parser: None, run=run,
            ))
            monkeypatch.setitem(sys.modules, f"governance_hooks.{check}.rules", _module(
                f"governance_hooks.{check}.rules", RULES=rules,
            ))
            suffix = getattr(run, "suffix", None)
            found = (lambda files, s=suffix: any(f.endswith(s) for f in files)) if suffix else (lambda files: True)
            monkeypatch.setitem(selection.DISCOVERY, check, (found, f"no *{suffix} files"))
        monkeypatch.setattr(selection, "available", lambda check: check in behaviours)

    return install
