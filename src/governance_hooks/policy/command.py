"""``governance-hooks policy [FILES...]``: the command adapter of the policy check."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..check import CheckResult, Context
from ..config import require_keys
from ..errors import ToolError

HELP = ("Prove the network, tracking and admin policy with z3 (.governance/policy.yaml, .governance/*.smt2) "
        "and check the repository's endpoints against it.")
CONFIG_KEYS = ("policy", "smt", "rlimit", "smt-timeout", "allow-unknown", "conformance", "anomaly-queries",
               "incomplete-anomalies")
SEVERITIES = ("note", "warning", "error")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", metavar="FILE", type=Path,
                        help="policy files (.yaml/.yml or .smt2); default: the repository's policy, its .smt2 files "
                             "and the conformance scan")
    base = parser.add_mutually_exclusive_group()
    base.add_argument("--base", metavar="FILE", type=Path, help="no new access: compare with this base policy file")
    base.add_argument("--base-ref", metavar="REV", help="no new access: compare with the policy at git revision REV")
    parser.add_argument("--allow-unknown", action="store_true", default=None,
                        help="report invariants z3 cannot decide within the limit as warnings, not errors")
    parser.add_argument("--rlimit", type=int, metavar="N", help="z3 resource limit per query (default 20000000)")
    parser.add_argument("--anomaly-queries", type=int, metavar="N",
                        help="solver queries for shadowed/redundant/conflicting rules (default 250000)")
    parser.add_argument("--no-conformance", action="store_true", help="skip the repository conformance scan")


def _options(ctx: Context):
    table = ctx.options
    require_keys("policy", table, CONFIG_KEYS, ctx.config.source)
    where = f"{ctx.config.source}: [tool.governance-hooks.policy]"
    policy = table.get("policy", None)
    if policy is not None and not isinstance(policy, str):
        raise ToolError(f"{where} policy must be a path")
    smt = table.get("smt", None)
    if smt is not None and (not isinstance(smt, list) or not all(isinstance(s, str) for s in smt)):
        raise ToolError(f"{where} smt must be a list of glob patterns")
    for pattern in smt or ():
        # Path.glob refuses absolute patterns, and '..' would walk out of the repository.
        if not pattern or pattern.startswith(("/", "\\")) or ".." in pattern.replace("\\", "/").split("/"):
            raise ToolError(f"{where} smt pattern {pattern!r} must be a relative glob inside the repository")
    rlimit = table.get("rlimit", 20_000_000)
    if isinstance(rlimit, bool) or not isinstance(rlimit, int) or rlimit <= 0:
        raise ToolError(f"{where} rlimit must be a positive integer")
    timeout = table.get("smt-timeout", 30)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 3600:
        raise ToolError(f"{where} smt-timeout must be a number of seconds (0-3600]")
    for key in ("allow-unknown", "conformance"):
        if key in table and not isinstance(table[key], bool):
            raise ToolError(f"{where} {key} must be true or false")
    queries = table.get("anomaly-queries", 250_000)
    if isinstance(queries, bool) or not isinstance(queries, int) or queries < 0:
        raise ToolError(f"{where} anomaly-queries must be a non-negative integer, found {queries!r}")
    incomplete = table.get("incomplete-anomalies", "note")
    if incomplete not in SEVERITIES:
        raise ToolError(f"{where} incomplete-anomalies must be one of {', '.join(SEVERITIES)}, found {incomplete!r}")
    return (policy, smt, rlimit, timeout, table.get("allow-unknown", False), table.get("conformance", True),
            queries, incomplete)


def run(args: argparse.Namespace, ctx: Context) -> CheckResult:
    """Build the plan from arguments and configuration, and execute it.

    Raises:
        ToolError: bad arguments or configuration, or a policy error (exit 2).
    """
    from .runner import DEFAULT_POLICY, DEFAULT_SMT_GLOB, Plan, execute

    policy_opt, smt_opt, rlimit, timeout, allow_unknown, scan, queries, incomplete = _options(ctx)
    if getattr(args, "anomaly_queries", None) is not None:
        if args.anomaly_queries < 0:
            raise ToolError("--anomaly-queries must be a non-negative integer")
        queries = args.anomaly_queries
    if args.rlimit is not None:
        if args.rlimit <= 0:
            raise ToolError("--rlimit must be a positive integer")
        rlimit = args.rlimit
    if args.allow_unknown:
        allow_unknown = True
    root = ctx.root
    plan = Plan(root=root, base_file=args.base, base_ref=args.base_ref, rlimit=rlimit, allow_unknown=allow_unknown,
                smt_timeout=float(timeout), anomaly_queries=queries, incomplete_anomalies=incomplete)
    if args.files:
        for path in args.files:
            full = path if path.is_absolute() else (Path.cwd() / path)
            if not full.is_file():
                raise ToolError(f"{path}: no such file")
            if path.suffix in (".yaml", ".yml"):
                plan.policies.append(full)
            elif path.suffix == ".smt2":
                plan.smt_files.append(full)
            else:
                raise ToolError(f"{path}: not a policy file (expected .yaml, .yml or .smt2)")
    else:
        from ..repo import list_files, relative_posix
        from ..safe_open import UnsafeFile, config_path

        default = root / (policy_opt or DEFAULT_POLICY)
        if policy_opt is not None:
            try:  # the one rule for paths in repository configuration
                default = config_path(policy_opt, root, "[tool.governance-hooks.policy] policy")
            except UnsafeFile as exc:
                raise ToolError(f"{ctx.config.source}: [tool.governance-hooks.policy] policy {policy_opt!r} "
                                f"is outside the repository ({exc.reason})") from None
        _refuse_unusable_policy(default, policy_opt or DEFAULT_POLICY, root)
        if default.is_file():
            plan.policies.append(default)
        elif policy_opt is not None:
            raise ToolError(f"{ctx.config.source}: [tool.governance-hooks.policy] policy {policy_opt!r} does not exist")
        listed = set(list_files(root, untracked=True))  # the one listing: tracked + untracked-not-ignored
        for pattern in (smt_opt if smt_opt is not None else [DEFAULT_SMT_GLOB]):
            plan.smt_files.extend(sorted(p for p in root.glob(pattern) if relative_posix(p, root) in listed))
        if scan and not args.no_conformance and plan.policies:
            from ..repo import select_files

            plan.conformance_files = select_files(root, ctx.changed_files)
        if not plan.policies and (plan.base_ref is not None or plan.base_file is not None):
            # A configured comparison whose input was deleted fails: deleting the policy is not a way around it.
            raise ToolError(f"{relative_posix(default, root)}: the policy is missing, so --base/--base-ref cannot "
                            "prove the change grants no new access (deleting the policy is itself a change to review)")
        if not plan.policies and not plan.smt_files:
            reason = f"no policy file ({policy_opt or DEFAULT_POLICY})"
            return CheckResult(stats={"policy": "absent"}, skipped=reason)
    return execute(plan)


def _refuse_unusable_policy(path: Path, shown: str, root: Path) -> None:
    """Exit 2 when the policy path exists but cannot be the policy.

    A FIFO, a folder, a device, a dangling or looping symbolic link, or a link out
    of the repository must not make the check pass as "no policy" (nor be read).

    Raises:
        ToolError: ``shown: reason`` for such a path.
    """
    import stat

    from ..repo import is_within

    try:
        link = path.lstat()
    except OSError:
        return  # absent: the check is skipped, as documented
    if stat.S_ISLNK(link.st_mode):
        try:
            target = path.stat()
        except OSError as exc:
            raise ToolError(f"{shown}: the policy is a broken symbolic link ({exc.strerror or exc})") from None
        if not is_within(path, root):
            raise ToolError(f"{shown}: the policy is a symbolic link that points outside the repository; refusing to read it")
        mode = target.st_mode
    else:
        mode = link.st_mode
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "a device or special file"
        raise ToolError(f"{shown}: the policy is {kind}, not a regular file")
