"""Raw SMT-LIB2 policy files (expert mode), run under a strict command subset.

A file states its expected result with ``(set-info :status sat|unsat)``.
z3 runs in a child process (:mod:`.smt_worker`) under CPU, memory and
wall-clock limits, because some inputs make z3 ignore ``rlimit`` or crash.
This module tokenises and parses the S-expressions itself (SMT-LIB 2.6 §3.1
lexicon: comments, string literals, ``|quoted|`` symbols), refuses every
command outside :data:`ALLOWED`, bounds size, token count and nesting, and
only then hands the accepted declarations and assertions to z3 in a fresh
context with a fixed seed and an ``rlimit``. Mismatches are reported with the
model (expected unsat, got sat) or the unsat core over ``:named`` assertions
(expected sat, got unsat).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional, Tuple, Union

from ..findings import Finding, Location, Severity

#: Commands that are run.
ALLOWED = frozenset({
    "set-logic", "set-info", "declare-const", "declare-fun", "declare-sort",
    "define-fun", "define-sort", "define-const", "assert", "check-sat",
})
#: Standard commands that only ask for output or end the script (SMT-LIB 2.6 section 4.2):
#: accepted and not run, so the files of standard benchmarks (which end with ``(exit)``) pass.
IGNORED = frozenset({
    "exit", "echo", "get-model", "get-value", "get-assignment", "get-unsat-core", "get-unsat-assumptions",
    "get-info", "get-option", "get-assertions", "get-proof",
})
#: ``set-option`` keys that change only what the solver records or prints; ignored. Every
#: other option (time-outs, output channels that write files, solver tuning) is refused.
HARMLESS_OPTIONS = frozenset({
    ":produce-models", ":produce-unsat-cores", ":produce-assignments", ":produce-proofs",
    ":produce-unsat-assumptions", ":produce-assertions", ":print-success", ":interactive-mode",
    ":global-declarations",
})
# Everything else (include, push, pop, reset, eval, define-fun-rec, check-sat-assuming,
# z3 extensions) is refused.
MAX_BYTES = 1024 * 1024
MAX_TOKENS = 200_000
MAX_DEPTH = 128
MAX_MODEL_ENTRIES = 40


class SmtSyntaxError(Exception):
    """Malformed S-expressions; ``line`` is 1-based."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


@dataclass
class Atom:
    text: str
    line: int


@dataclass
class SList:
    items: List[Union["SList", Atom]] = field(default_factory=list)
    line: int = 0
    start: int = 0
    end: int = 0


def parse_sexprs(text: str) -> List[SList]:
    """Top-level S-expressions of ``text`` with lines and character spans.

    Raises:
        SmtSyntaxError: unbalanced parentheses, unterminated literal, a bare
            top-level atom, or a token/nesting limit exceeded.
    """
    top: List[SList] = []
    stack: List[SList] = []
    i, n, line, tokens = 0, len(text), 1, 0
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
            continue
        if c in " \t\r\f\v":
            i += 1
            continue
        if c == ";":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        tokens += 1
        if tokens > MAX_TOKENS:
            raise SmtSyntaxError(f"more than {MAX_TOKENS} tokens", line)
        if c == "(":
            if len(stack) >= MAX_DEPTH:
                raise SmtSyntaxError(f"nested deeper than {MAX_DEPTH}", line)
            stack.append(SList(line=line, start=i))
            i += 1
            continue
        if c == ")":
            if not stack:
                raise SmtSyntaxError("unbalanced ')'", line)
            done = stack.pop()
            done.end = i + 1
            if stack:
                stack[-1].items.append(done)
            else:
                top.append(done)
            i += 1
            continue
        start, start_line = i, line
        if c == '"':
            i += 1
            while True:
                if i >= n:
                    raise SmtSyntaxError("unterminated string literal", start_line)
                if text[i] == '"':
                    if i + 1 < n and text[i + 1] == '"':
                        i += 2
                        continue
                    i += 1
                    break
                if text[i] == "\n":
                    line += 1
                i += 1
        elif c == "|":
            j = text.find("|", i + 1)
            if j < 0:
                raise SmtSyntaxError("unterminated |quoted symbol|", start_line)
            line += text.count("\n", i, j)
            i = j + 1
        else:
            while i < n and text[i] not in " \t\r\n\f\v();\"|":
                i += 1
        atom = Atom(text[start:i], start_line)
        if not stack:
            raise SmtSyntaxError(f"unexpected {atom.text!r} outside a command", start_line)
        stack[-1].items.append(atom)
    if stack:
        raise SmtSyntaxError("unbalanced '(' (file ends inside a command)", stack[-1].line)
    return top


@dataclass
class SmtOptions:
    """Limits: ``rlimit`` per check, ``timeout`` seconds of wall clock for the worker process."""

    rlimit: int = 20_000_000
    seed: int = 0
    allow_unknown: bool = False
    timeout: float = 30.0


def _head(cmd: SList) -> Optional[str]:
    return cmd.items[0].text if cmd.items and isinstance(cmd.items[0], Atom) else None


def _named(cmd: SList) -> Optional[str]:
    """The ``:named`` label of ``(assert (! e ... :named n ...))``, if any."""
    if len(cmd.items) != 2 or not isinstance(cmd.items[1], SList):
        return None
    inner = cmd.items[1].items
    if not inner or not isinstance(inner[0], Atom) or inner[0].text != "!":
        return None
    for k in range(2, len(inner) - 1):
        if isinstance(inner[k], Atom) and inner[k].text == ":named" and isinstance(inner[k + 1], Atom):
            return inner[k + 1].text.strip("|")
    return None


def _blank_except(text: str, kept: List[SList]) -> str:
    """``text`` with everything outside the ``kept`` commands blanked, newlines preserved."""
    out = [ch if ch == "\n" else " " for ch in text]
    for cmd in kept:
        out[cmd.start:cmd.end] = text[cmd.start:cmd.end]
    return "".join(out)


def check_smt(text: str, path: str, options: Optional[SmtOptions] = None) -> Tuple[List[Finding], str]:
    """Run one SMT-LIB2 policy file.

    Args:
        text: the file's text.
        path: repository-relative POSIX path for findings.

    Returns:
        ``(findings, outcome)`` where ``outcome`` is ``as-expected``,
        ``unexpected``, ``unknown``, ``refused`` or ``invalid``.
    """
    opts = options or SmtOptions()

    def finding(rule: str, message: str, line: Optional[int], evidence=None, severity=Severity.ERROR) -> Finding:
        return Finding(rule, severity, message, Location(path, line), evidence=evidence, identity=f"{rule}:{message[:80]}")

    if len(text) > MAX_BYTES:
        return [finding("policy/smt-refused", f"file larger than {MAX_BYTES} bytes is not run", 1)], "refused"
    if "\x00" in text:
        return [finding("policy/smt-invalid", "file contains NUL bytes (not SMT-LIB2 text)", 1)], "invalid"
    try:
        commands = parse_sexprs(text)
    except SmtSyntaxError as exc:
        rule = "policy/smt-refused" if "more than" in str(exc) or "deeper" in str(exc) else "policy/smt-invalid"
        return [finding(rule, str(exc), exc.line)], "refused" if rule.endswith("refused") else "invalid"

    expected: Optional[str] = None
    status_line: Optional[int] = None
    check_line: Optional[int] = None
    kept: List[SList] = []
    refused: List[Finding] = []
    for index, cmd in enumerate(commands):
        head = _head(cmd)
        if head is None:
            return [finding("policy/smt-invalid", "a command must start with its name", cmd.line)], "invalid"
        if head == "exit":
            break  # the script ends here; nothing after it runs
        if head in IGNORED:
            continue
        if head == "set-option":
            key = cmd.items[1].text if len(cmd.items) >= 2 and isinstance(cmd.items[1], Atom) else "?"
            if key not in HARMLESS_OPTIONS:
                refused.append(finding("policy/smt-refused", f"option {key!r} is not allowed (set-option accepts only "
                                       f"{', '.join(sorted(HARMLESS_OPTIONS))}, which are ignored)", cmd.line))
            continue
        if head not in ALLOWED:
            refused.append(finding("policy/smt-refused", f"command '{head}' is not allowed (allowed: "
                                   f"{', '.join(sorted(ALLOWED))}; ignored: {', '.join(sorted(IGNORED))})", cmd.line))
            continue
        if check_line is not None:
            refused.append(finding("policy/smt-refused", f"'{head}' after check-sat: one check-sat, as the last command", cmd.line))
            continue
        if head == "check-sat":
            check_line = cmd.line
        elif head == "set-info":
            if len(cmd.items) >= 2 and isinstance(cmd.items[1], Atom) and cmd.items[1].text == ":status":
                value = cmd.items[2].text if len(cmd.items) == 3 and isinstance(cmd.items[2], Atom) else None
                if value not in ("sat", "unsat"):
                    return [finding("policy/smt-invalid", f"(set-info :status ...) must be sat or unsat, found "
                                    f"{value or 'something else'!r}", cmd.line)], "invalid"
                if expected is not None and value != expected:
                    return [finding("policy/smt-invalid", f"two (set-info :status ...) lines disagree: {expected} on "
                                    f"line {status_line}, {value} on line {cmd.line}; keep one", cmd.line)], "invalid"
                expected, status_line = value, cmd.line
        elif head != "set-logic":
            kept.append(cmd)
    if refused:
        return refused, "refused"
    if expected is None:
        return [finding("policy/smt-invalid", "no expected result: add (set-info :status sat) or (set-info :status unsat)", 1)], "invalid"
    if check_line is None:
        return [finding("policy/smt-invalid", "no (check-sat): the file must end with one (check-sat), found none",
                        status_line)], "invalid"

    asserts = [c for c in kept if _head(c) == "assert"]
    named = [(k, _named(c)) for k, c in enumerate(asserts) if _named(c) is not None]
    where = check_line or status_line
    answer = _run_worker({
        "program": _blank_except(text, kept),  # same line numbers as the file, for z3's messages
        "assertions": len(asserts),
        "named": named,
        "rlimit": opts.rlimit,
        "seed": opts.seed,
        "cpu_seconds": int(opts.timeout) + 2,
    }, opts.timeout)
    result = answer.get("result")
    if result == "error":
        reason = str(answer.get("reason", ""))
        # z3 prints one `(error "line L column C: message")` per line; match at line starts
        # only, so a long message cannot make the search quadratic.
        located = next(filter(None, (re.match(r'\(error "line (\d+) column \d+: (.*)"\)', part)
                                     for part in reason.splitlines())), None)
        line = int(located.group(1)) if located else 1
        reason = located.group(2) if located else reason
        return [finding("policy/smt-invalid", f"z3 rejected the file: {reason[:300]}", line)], "invalid"
    if result not in ("sat", "unsat"):
        severity = Severity.WARNING if opts.allow_unknown else Severity.ERROR
        return [finding("policy/analysis-incomplete", f"z3 could not decide the file within its limits "
                        f"(rlimit {opts.rlimit}, {opts.timeout:g} s): {answer.get('reason', 'unknown')}; expected {expected}",
                        where, severity=severity)], "unknown"
    if result == expected:
        return [], "as-expected"
    if result == "sat":
        entries = [tuple(e) for e in answer.get("model", [])]
        shown = ", ".join(f"{k}={v}" for k, v in entries[:MAX_MODEL_ENTRIES])
        more = "" if len(entries) <= MAX_MODEL_ENTRIES else f" (+{len(entries) - MAX_MODEL_ENTRIES} more)"
        return [finding("policy/smt-unexpected-result", f"expected unsat but z3 found a model: {shown or '(empty)'}{more}",
                        where, {"expected": expected, "result": result,
                                "model": dict(entries[:MAX_MODEL_ENTRIES])})], "unexpected"
    names = dict(named)
    core = sorted(((names[k], asserts[k].line) for k in answer.get("core", []) if k in names), key=lambda item: item[1])
    if core:
        text_core = ", ".join(f"{name} (line {line})" for name, line in core)
        message = f"expected sat but the assertions are unsatisfiable; unsat core: {text_core}"
    else:
        message = "expected sat but the assertions are unsatisfiable (name assertions with :named for an unsat core)"
    return [finding("policy/smt-unexpected-result", message, where,
                    {"expected": expected, "result": result, "unsat_core": [n for n, _ in core]})], "unexpected"


def _run_worker(request: dict, timeout: float) -> dict:
    """Run :mod:`.smt_worker` in a child process; a timeout or crash becomes ``result: unknown``."""
    import json
    import subprocess
    import sys

    try:
        done = subprocess.run(
            [sys.executable, "-m", "governance_hooks.policy.smt_worker"],
            input=json.dumps(request), capture_output=True, text=True, timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"result": "unknown", "reason": f"z3 did not finish within {timeout:g} s"}
    except OSError as exc:
        return {"result": "unknown", "reason": f"cannot start the z3 worker: {exc}"}
    if done.returncode != 0:
        how = f"signal {-done.returncode}" if done.returncode < 0 else f"exit status {done.returncode}"
        return {"result": "unknown", "reason": f"z3 stopped abnormally ({how})"}
    try:
        return json.loads(done.stdout)
    except ValueError:
        return {"result": "unknown", "reason": "no answer from the z3 worker"}
