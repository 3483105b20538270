"""Orchestration of the policy check: read files, prove, scan, run SMT files.

Pure with respect to the terminal: no printing, no exits, no argv. The
command adapter (:mod:`.command`) turns arguments and configuration into a
:class:`Plan` and calls :func:`execute`.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from ..check import CheckResult
from ..errors import ToolError
from ..findings import Finding, Location, Severity
from ..repo import is_within, relative_posix
from ..suppression import is_suppressed
from . import model as m

DEFAULT_POLICY = ".governance/policy.yaml"
DEFAULT_SMT_GLOB = ".governance/*.smt2"


@dataclass
class Plan:
    """What to check.

    Attributes:
        root: repository root.
        policies: YAML policy files (absolute).
        smt_files: SMT-LIB2 files (absolute).
        conformance_files: repo-relative files to scan, or ``None`` for no scan.
        base_file / base_ref: the base policy for no-new-access (at most one).
    """

    root: Path
    policies: List[Path] = field(default_factory=list)
    smt_files: List[Path] = field(default_factory=list)
    conformance_files: Optional[List[str]] = None
    base_file: Optional[Path] = None
    base_ref: Optional[str] = None
    rlimit: int = 20_000_000
    allow_unknown: bool = False
    smt_timeout: float = 30.0
    anomaly_queries: int = 250_000
    incomplete_anomalies: str = "note"


def read_bounded(path: Path, limit: int, root: Optional[Path] = None) -> bytes:
    """At most ``limit + 1`` bytes of ``path``: one byte more than allowed tells "too large"
    without reading all of a huge file. Opened through :mod:`governance_hooks.safe_open`
    (regular files only, never blocking; with ``root``, no symlink out of the repository).

    Raises:
        OSError: the file cannot be read (:class:`governance_hooks.safe_open.UnsafeFile`: a
            FIFO, device, loop or link out of ``root``; a stream is accepted only without ``root``).
    """
    from ..safe_open import open_repo_file

    with open_repo_file(path, root, limit=None, streams=True) as handle:
        return handle.read(limit + 1)


def read_text(path: Path, what: str, shown: Optional[str] = None, root: Optional[Path] = None) -> str:
    """Decode a policy file as UTF-8 (a BOM is allowed); ``shown`` names it in errors.

    Raises:
        ToolError: unreadable, or not UTF-8.
    """
    from .yamlload import MAX_BYTES

    shown = shown or str(path)
    try:
        data = read_bounded(path, MAX_BYTES, root)
    except OSError as exc:
        raise ToolError(f"{shown}: cannot read {what}: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise ToolError(f"{shown}: {what} is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ToolError(f"{shown}: {what} is not valid UTF-8 (byte {exc.start})") from None


def include_loader(policy_path: Path, root: Path):
    """Reads a version 2 ``include:`` relative to the policy's folder, inside the repository only."""
    from ..repo import is_within
    from .parse import MAX_INCLUDES

    count = [0]

    def load(name: str, source: str):
        count[0] += 1
        if count[0] > MAX_INCLUDES:
            raise ToolError(f"{source}: more than {MAX_INCLUDES} includes")
        if not name or name.startswith(("/", "\\")) or ":" in name:
            raise ToolError(f"{source}: include {name!r} must be a path relative to the policy, inside the repository")
        target = policy_path.parent / name
        if not is_within(target, root):
            raise ToolError(f"{source}: include {name!r} leads outside the repository; refusing to read it")
        if not target.is_file():
            raise ToolError(f"{source}: include {name!r}: no such regular file")
        rel = relative_posix(target, root)
        return read_text(target, "included policy", rel, root), rel

    return load


def load_policy_file(path: Path, root: Path) -> m.Policy:
    from .parse import load_policy

    rel = relative_posix(path, root)
    return load_policy(read_text(path, "policy", rel, root), rel, rel, include_loader(path, root))


def load_base(plan: Plan, policy_path: Path) -> Optional[m.Policy]:
    """The base policy from ``--base FILE`` or ``git show REV:path``; ``None`` if absent at REV.

    Raises:
        ToolError: unreadable file, unknown revision, or an invalid base policy.
    """
    from .parse import load_policy

    if plan.base_file is not None:
        return load_policy(read_text(plan.base_file, "base policy"), str(plan.base_file), str(plan.base_file),
                           include_loader(plan.base_file, plan.root) if is_within(plan.base_file, plan.root) else None)
    if plan.base_ref is None:
        return None
    rel = relative_posix(policy_path, plan.root)
    spec = f"{plan.base_ref}:./{rel}"
    try:
        verify = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{plan.base_ref}^{{commit}}"],
                                cwd=plan.root, capture_output=True, timeout=60)
        if verify.returncode != 0:
            raise ToolError(f"--base-ref {plan.base_ref}: not a commit in {plan.root}")
        shown = subprocess.run(["git", "show", spec], cwd=plan.root, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ToolError(f"--base-ref {plan.base_ref}: cannot run git: {exc}") from None
    if shown.returncode != 0:
        return None  # the policy is new at this revision
    try:
        text = shown.stdout.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ToolError(f"{plan.base_ref}:{rel}: base policy is not valid UTF-8") from None
    return load_policy(text, f"{plan.base_ref}:{rel}", f"{plan.base_ref}:{rel}", _git_include_loader(plan, rel))


def _git_include_loader(plan: Plan, policy_rel: str):
    """Includes of a base policy read at the same revision (``git show REV:path``)."""
    import posixpath

    def load(name: str, source: str):
        rel = posixpath.normpath(posixpath.join(posixpath.dirname(policy_rel), name))
        if not name or name.startswith("/") or ":" in name or rel.startswith("../") or rel == "..":
            raise ToolError(f"{source}: include {name!r} must be a path relative to the policy, inside the repository")
        shown = subprocess.run(["git", "show", f"{plan.base_ref}:./{rel}"], cwd=plan.root, capture_output=True, timeout=60)
        if shown.returncode != 0:
            raise ToolError(f"{source}: include {name!r} does not exist at {plan.base_ref}")
        try:
            return shown.stdout.decode("utf-8-sig"), f"{plan.base_ref}:{rel}"
        except UnicodeDecodeError:
            raise ToolError(f"{plan.base_ref}:{rel}: included policy is not valid UTF-8") from None

    return load


def terminal_progress():
    """A progress bar on stderr when it is a terminal outside CI, else ``None`` (see :mod:`.progress`)."""
    from .progress import PhaseProgress

    return PhaseProgress.if_terminal()


def execute(plan: Plan) -> CheckResult:
    """Run the plan.

    Raises:
        ToolError: a policy error (exit 2), including a solver/evaluator disagreement.
    """
    from .conformance import conformance
    from .prove import ProveOptions, prove
    from .smtlib import MAX_BYTES as SMT_MAX_BYTES, SmtOptions, check_smt

    findings: List[Finding] = []
    stats: Dict[str, object] = {}
    inputs: List[str] = []
    policies = [(p, load_policy_file(p, plan.root)) for p in plan.policies]
    if (plan.base_file or plan.base_ref) and len(policies) != 1:
        raise ToolError("--base/--base-ref compare exactly one YAML policy")
    proved = violated = unknown = rules = 0
    for path, policy in policies:
        inputs.append(policy.path)
        base = load_base(plan, path)
        if plan.base_ref is not None and base is None:
            stats["base"] = f"absent at {plan.base_ref}"
        options = ProveOptions(rlimit=plan.rlimit, allow_unknown=plan.allow_unknown, anomaly_queries=plan.anomaly_queries,
                               budget_severity=Severity[plan.incomplete_anomalies.upper()], progress=terminal_progress())
        try:
            result = prove(policy, options, base)
        finally:
            if options.progress is not None:
                options.progress.close()
        findings.extend(result.findings)
        proved, violated, unknown = proved + result.proved, violated + result.violated, unknown + result.unknown
        rules += len(policy.egress)
    if policies:
        stats.update({"policies": len(policies), "rules": rules, "invariants_proved": proved,
                      "invariants_violated": violated, "invariants_unknown": unknown})
    if plan.conformance_files is not None and policies:
        policy = policies[0][1]
        hits, scanned = conformance(policy, plan.root, plan.conformance_files, skip={policy.path})
        findings.extend(hits)
        stats["endpoints_scanned"] = scanned
    outcomes: Dict[str, int] = {}
    for path in plan.smt_files:
        rel = relative_posix(path, plan.root)
        inputs.append(rel)
        try:
            data = read_bounded(path, SMT_MAX_BYTES, plan.root)
            refusal = None
        except OSError as exc:  # a FIFO, device, loop or link out: refused like an oversized file, the others still run
            data, refusal = b"", f"cannot read the file: {exc.strerror or exc}; not run"
        if refusal or len(data) > SMT_MAX_BYTES:  # the same finding check_smt gives, without decoding a huge file
            message = refusal or f"file larger than {SMT_MAX_BYTES} bytes is not run"
            found, outcome = [Finding("policy/smt-refused", Severity.ERROR, message, Location(rel, 1),
                                      identity=f"policy/smt-refused:{message[:80]}")], "refused"
        else:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                found, outcome = [Finding("policy/smt-invalid", Severity.ERROR, f"not valid UTF-8 (byte {exc.start})",
                                          Location(rel, 1), identity="utf-8")], "invalid"
            else:
                found, outcome = check_smt(text, rel, SmtOptions(rlimit=plan.rlimit, allow_unknown=plan.allow_unknown,
                                                                       timeout=plan.smt_timeout))
        findings.extend(found)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    if plan.smt_files:
        stats["smt_files"] = len(plan.smt_files)
        stats.update({f"smt_{k.replace('-', '_')}": v for k, v in sorted(outcomes.items())})
    return CheckResult(findings=drop_suppressed(findings, plan.root), stats=stats, inputs=inputs)


def drop_suppressed(findings: List[Finding], root: Path) -> List[Finding]:
    """Drop findings whose line carries ``governance: ignore[rule-id]`` (YAML, .env, Python and SMT comments)."""
    from ..safe_open import read_repo_text

    cache: Dict[str, List[str]] = {}
    kept = []
    for f in findings:
        line = f.location.line
        if line and f.location.path and ":" not in f.location.path:
            if f.location.path not in cache:
                try:
                    cache[f.location.path] = read_repo_text(root / f.location.path, root,
                                                            errors="replace").splitlines()
                except ToolError:
                    cache[f.location.path] = []
            lines = cache[f.location.path]
            if 0 < line <= len(lines) and is_suppressed(f.rule_id, lines[line - 1]):
                continue
        kept.append(f)
    return kept
