"""``governance-hooks redos [FILES...]``: the command adapter of the redos check."""

from __future__ import annotations

import argparse
import math
from typing import Any, Dict, List, Optional

from ..check import CheckResult, Context
from ..config import require_keys
from ..errors import ToolError

HELP = "Find regexes with exponential or polynomial backtracking under Python's re, with a confirmed attack string."

CONFIG_KEYS = (
    "min-degree", "confirm", "confirm-timeout", "confirm-target", "analysis-timeout", "max-states",
    "workers", "schemas", "data-keys", "data-files", "lexer-tokens", "exclude",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", metavar="FILES",
                        help="Python, JSON Schema or configured data files (default: the whole repository)")
    parser.add_argument("--min-degree", type=int, default=None,
                        help="smallest polynomial degree to report (default 2; config min-degree)")
    parser.add_argument("--no-confirm", action="store_true",
                        help="do not time the real engine (static analysis only)")
    parser.add_argument("--confirm-timeout", type=float, default=None, metavar="SECONDS",
                        help="CPU seconds per regex for dynamic confirmation (default 3)")
    parser.add_argument("--analysis-timeout", type=float, default=None, metavar="SECONDS",
                        help="CPU seconds per regex for static analysis (default 3)")
    parser.add_argument("--workers", type=int, default=None, help="confirmation processes (default 2)")


def _number(table: Dict[str, Any], key: str, kind, low, source) -> Any:
    value = table[key]
    if (isinstance(value, bool) or not isinstance(value, (int, float) if kind is float else int)
            or not math.isfinite(value) or value < low):
        raise ToolError(f"{source or 'configuration'}: [tool.governance-hooks.redos] {key} must be "
                        f"{'a number' if kind is float else 'an integer'} >= {low}")
    return kind(value)


def _strings(table: Dict[str, Any], key: str, source) -> tuple:
    value = table[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ToolError(f"{source or 'configuration'}: [tool.governance-hooks.redos] {key} must be a list of strings")
    return tuple(value)


def options_from(args: argparse.Namespace, ctx: Context):
    """Merge ``[tool.governance-hooks.redos]`` and command-line flags into :class:`scan.Options`.

    Raises:
        ToolError: unknown key or a value of the wrong type.
    """
    from .scan import Options

    table = ctx.options
    source = ctx.config.source
    require_keys("redos", table, CONFIG_KEYS, source)
    opts = Options()
    if "min-degree" in table:
        opts.min_degree = _number(table, "min-degree", int, 2, source)
    if "confirm" in table:
        if not isinstance(table["confirm"], bool):
            raise ToolError(f"{source}: [tool.governance-hooks.redos] confirm must be true or false")
        opts.confirm = table["confirm"]
    if "lexer-tokens" in table:
        if not isinstance(table["lexer-tokens"], bool):
            raise ToolError(f"{source}: [tool.governance-hooks.redos] lexer-tokens must be true or false")
        opts.lexer_tokens = table["lexer-tokens"]
    for key, attr in (("confirm-timeout", "confirm_timeout"), ("confirm-target", "confirm_target"),
                      ("analysis-timeout", "analysis_timeout")):
        if key in table:
            setattr(opts, attr, _number(table, key, float, 0.01, source))
    if "max-states" in table:
        opts.max_states = _number(table, "max-states", int, 10, source)
    if "workers" in table:
        opts.workers = _number(table, "workers", int, 1, source)
    for key, attr in (("schemas", "schemas"), ("data-keys", "data_keys"), ("data-files", "data_files"),
                      ("exclude", "exclude")):
        if key in table:
            setattr(opts, attr, _strings(table, key, source))
    if args.min_degree is not None:
        if args.min_degree < 2:
            raise ToolError("--min-degree must be at least 2")
        opts.min_degree = args.min_degree
    if args.no_confirm:
        opts.confirm = False
    if args.confirm_timeout is not None:
        if not (math.isfinite(args.confirm_timeout) and args.confirm_timeout > 0):
            raise ToolError("--confirm-timeout must be a positive number of seconds")
        opts.confirm_timeout = args.confirm_timeout
    if args.analysis_timeout is not None:
        if not (math.isfinite(args.analysis_timeout) and args.analysis_timeout > 0):
            raise ToolError("--analysis-timeout must be a positive number of seconds")
        opts.analysis_timeout = args.analysis_timeout
    if args.workers is not None:
        if args.workers < 1:
            raise ToolError("--workers must be at least 1")
        opts.workers = args.workers
    return opts


def run(args: argparse.Namespace, ctx: Context) -> CheckResult:
    """Scan the named files, or every Python/JSON Schema file of the repository."""
    from pathlib import Path

    from ..repo import is_within, list_files, relative_posix, select_files
    from .scan import scan

    opts = options_from(args, ctx)
    if args.files:
        paths = []
        repo_files: Optional[List[str]] = None
        for name in args.files:
            # relative names are taken from the repository root (pre-commit runs there), else the cwd
            candidate = Path(name) if Path(name).is_absolute() else ctx.root / name
            if not candidate.exists():
                candidate = Path(name)
            if not candidate.exists():
                raise ToolError(f"{name}: no such file or folder")
            if not is_within(candidate, ctx.root):
                raise ToolError(f"{name}: outside the repository {ctx.root}")
            rel = relative_posix(candidate, ctx.root)
            if candidate.is_dir():
                # A folder stands for the repository's files under it (tracked ones in git).
                if repo_files is None:
                    repo_files = list_files(ctx.root, untracked=True)
                prefix = "" if rel in ("", ".") else rel.rstrip("/") + "/"
                paths.extend(p for p in repo_files if p.startswith(prefix))
            else:
                paths.append(rel)
        explicit = True
    else:
        paths = select_files(ctx.root, ctx.changed_files)
        explicit = False
    outcome = scan(ctx.root, paths, opts, explicit=explicit)
    return CheckResult(findings=outcome.findings, stats=outcome.stats, inputs=outcome.inputs)
