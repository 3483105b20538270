"""``governance-hooks metrics [FILES...]``: the CLI adapter of the metrics NDJSON check.

Without FILES it checks every ``*.ndjson``, ``*.jsonl`` (and ``.gz``) file of
the repository (``ctx.changed_files`` when set). Options come from
``[tool.governance-hooks.metrics]`` and are overridden by flags.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, Dict, List

from ..check import CheckResult, Context
from ..errors import ToolError
from ..findings import Finding, Location, Severity

HELP = "Validate metrics NDJSON/JSON Lines logs (also .gz) line by line against a JSON Schema."

SUFFIXES = (".ndjson", ".jsonl", ".ndjson.gz", ".jsonl.gz")
#: Bundle keys that cannot be a schema path from the configuration.
BUILTIN_SCHEMA = "<builtin>"
CLI_SCHEMA = "<--schema>"
CONFIG_KEYS = (
    "schema", "schemas", "backend", "max-errors", "allow-nan", "allow-blank-lines", "cross-checks",
    "timestamp-keys", "jobs", "max-line-bytes", "max-decompressed-bytes", "max-depth", "exclude",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the metrics subcommand (the common ones come from the CLI)."""
    parser.add_argument("files", nargs="*", metavar="FILES",
                        help="NDJSON/JSON Lines files or folders (default: every *.ndjson, *.jsonl and .gz form in the repository)")
    parser.add_argument("--schema", metavar="FILE", type=Path,
                        help="JSON Schema (draft-07, 2019-09 or 2020-12) for every file, overriding the configuration "
                             "(default: the shipped Metrics NDJSON v0.3 schema)")
    parser.add_argument("--backend", choices=("auto", "jsonschema", "jsonschema-rs"), default=None,
                        help="validation library (default auto: jsonschema-rs when installed)")
    parser.add_argument("--max-errors", metavar="N", type=int, default=None,
                        help="list at most N findings per file, then count the rest (default 100; 0 = all)")
    parser.add_argument("--allow-nan", action="store_true", default=None,
                        help="accept NaN, Infinity and -Infinity literals as numbers")
    parser.add_argument("--allow-blank-lines", action="store_true", default=None,
                        help="accept empty and whitespace-only lines")
    parser.add_argument("--cross-check", metavar="NAME", action="append", default=None,
                        choices=("types", "steps", "timestamps", "finite", "all"),
                        help="opt-in check across lines: types, steps, timestamps, finite, or all (repeatable)")
    parser.add_argument("--timestamp-key", metavar="KEY", action="append", default=None,
                        help="key holding a timestamp for --cross-check timestamps (repeatable; default: timestamp, time)")
    parser.add_argument("--jobs", metavar="N", type=int, default=None,
                        help="worker processes for large inputs (default: the usable cores)")
    parser.add_argument("--max-line-bytes", metavar="N", type=int, default=None,
                        help="longer lines are not validated, an error (default 16777216 = 16 MiB)")
    parser.add_argument("--max-depth", metavar="N", type=int, default=None,
                        help="records nested deeper are not validated, an error (default 256, at most 900)")


def _option(args_value: Any, table: Dict[str, Any], key: str, kind, default, source) -> Any:
    if args_value is not None:
        return args_value
    if key not in table:
        return default
    value = table[key]
    if kind is int and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ToolError(f"{source}: [tool.governance-hooks.metrics] {key} must be a non-negative integer")
    if kind is bool and not isinstance(value, bool):
        raise ToolError(f"{source}: [tool.governance-hooks.metrics] {key} must be true or false")
    if kind is str and not isinstance(value, str):
        raise ToolError(f"{source}: [tool.governance-hooks.metrics] {key} must be a string")
    if kind is list and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise ToolError(f"{source}: [tool.governance-hooks.metrics] {key} must be a list of strings")
    return value


def run(args: argparse.Namespace, ctx: Context) -> CheckResult:
    """Check the requested (or discovered) logs; see :func:`governance_hooks.metrics.engine.run`.

    Raises:
        ToolError: bad configuration, schema (unreadable, invalid, remote ``$ref``) or arguments.
    """
    from ..config import require_keys
    from . import engine
    from .globs import compile_glob
    from .schema_loader import load_default, load_schema

    table = ctx.options
    source = ctx.config.source or "configuration"
    require_keys("metrics", table, CONFIG_KEYS, ctx.config.source)
    base = ctx.config.source.parent if ctx.config.source else ctx.root
    options, backend, jobs = _scan_options(args, table, source)

    # Schemas: --schema wins; else the first matching glob of `schemas`; else `schema`; else the builtin.
    bundles: Dict[str, Any] = {}
    mapping: List = []
    if args.schema is not None:
        bundles[CLI_SCHEMA] = load_schema(args.schema)
        fallback = CLI_SCHEMA
    else:
        schemas = table.get("schemas", {})
        if not isinstance(schemas, dict) or not all(isinstance(v, str) for v in schemas.values()):
            raise ToolError(f"{source}: [tool.governance-hooks.metrics] schemas must map globs to schema paths")
        for glob, schema_path in schemas.items():
            try:
                mapping.append((compile_glob(glob), schema_path))
            except ValueError as exc:
                raise ToolError(f"{source}: schemas: bad glob {glob!r}: {exc}") from None
        fallback = _option(None, table, "schema", str, "", source) or BUILTIN_SCHEMA

    targets_paths = _discover(args.files, ctx, _option(None, table, "exclude", list, [], source))
    targets = []
    refused: List[Finding] = []
    from .engine import Target
    from ..repo import is_within, relative_posix

    for path in targets_paths:
        rel = relative_posix(path, ctx.root)
        problem = None
        if path.is_symlink() and not is_within(path, ctx.root):
            problem = "symbolic link to a file outside the repository; not followed"
        elif path.exists() and not path.is_file():
            problem = "not a regular file; not read"
        if problem is not None:
            refused.append(Finding("metrics/unreadable-file", Severity.ERROR, problem, Location(rel)))
            continue
        key = fallback
        for pattern, schema_path in mapping:
            if pattern.match(rel):
                key = schema_path
                break
        if key not in bundles:
            if key == BUILTIN_SCHEMA:
                bundles[key] = load_default()
            else:
                from ..safe_open import config_path

                # A schema named by repository configuration stays inside the repository.
                bundles[key] = load_schema(config_path(key, ctx.root, "[tool.governance-hooks.metrics] schema", base)
                                           if _from_repository(ctx) else base / key, label=key)
        # Inside the repository: each open re-checks "no link out" (the check above is at listing time).
        from ..safe_open import inside

        in_repo = inside(os.path.abspath(path), os.path.abspath(ctx.root)) or is_within(path, ctx.root)
        targets.append(Target(path, rel, key, ctx.root if in_repo else None))
    if not targets:
        return CheckResult(findings=refused, stats={"files": 0, "lines": 0}, inputs=[])
    outcome = _run_with_progress(engine, targets, bundles, backend, options, jobs, ctx)
    stats = {"files": outcome.files, "lines": outcome.lines, "backend": outcome.backend}
    return CheckResult(findings=refused + outcome.findings, stats=stats, inputs=[t.rel for t in targets])


def _scan_options(args: argparse.Namespace, table: Dict[str, Any], source):
    """``(ScanOptions, backend name, jobs)`` from the flags, else the table, else defaults.

    Raises:
        ToolError: a value of the wrong type or out of range.
    """
    from .backends import MAX_DEPTH
    from .crossline import CHECKS
    from .engine import default_jobs
    from .scan import ScanOptions

    cross = _option(args.cross_check, table, "cross-checks", list, [], source)
    if "all" in cross:
        cross = list(CHECKS)
    unknown = sorted(set(cross) - set(CHECKS))
    if unknown:
        raise ToolError(f"{source}: unknown cross-checks {', '.join(unknown)} (known: {', '.join(CHECKS)}, all)")
    max_errors = _option(args.max_errors, table, "max-errors", int, 100, source)
    if max_errors < 0:
        raise ToolError("--max-errors must be 0 (no cap) or a positive number")
    jobs = _option(args.jobs, table, "jobs", int, 0, source) or default_jobs()
    if jobs < 1:
        raise ToolError("--jobs must be at least 1")
    backend = _option(args.backend, table, "backend", str, "auto", source)
    options = ScanOptions(
        allow_nan=bool(_option(args.allow_nan, table, "allow-nan", bool, False, source)),
        allow_blank_lines=bool(_option(args.allow_blank_lines, table, "allow-blank-lines", bool, False, source)),
        max_errors=max_errors,
        cross_checks=tuple(dict.fromkeys(cross)),
        timestamp_keys=tuple(_option(args.timestamp_key, table, "timestamp-keys", list, ["timestamp", "time"], source)),
        max_line_bytes=_option(getattr(args, "max_line_bytes", None), table, "max-line-bytes", int, 16 << 20, source)
        or (16 << 20),
        max_decompressed_bytes=_option(None, table, "max-decompressed-bytes", int, 16 << 30, source) or (16 << 30),
        max_depth=_max_depth(_option(getattr(args, "max_depth", None), table, "max-depth", int, MAX_DEPTH, source)),
    )
    return options, backend, jobs


def _max_depth(value: int) -> int:
    """``max-depth`` checked against what the parser and validators can take.

    Raises:
        ToolError: below 1 or above :data:`~.backends.MAX_DEPTH_CEILING`.
    """
    from .backends import MAX_DEPTH_CEILING

    if not 1 <= value <= MAX_DEPTH_CEILING:
        raise ToolError(f"max-depth must be between 1 and {MAX_DEPTH_CEILING} (got {value})")
    return value


#: Inputs at least this large get a progress bar when stderr is a terminal.
PROGRESS_MIN_BYTES = 64 << 20


def _run_with_progress(engine, targets, bundles, backend, options, jobs, ctx: Context):
    total = 0
    for t in targets:
        try:
            total += t.path.stat().st_size
        except OSError:
            pass
    if not ctx.interactive or total < PROGRESS_MIN_BYTES:
        return engine.run(targets, bundles, backend, options, jobs)
    from tqdm import tqdm

    with tqdm(total=total, unit="B", unit_scale=True, desc="metrics", file=ctx.stderr, leave=False,
              mininterval=0) as bar:  # one update per file or 16 MiB segment: draw each
        return engine.run(targets, bundles, backend, options, jobs, progress=bar.update)


def _from_repository(ctx: Context) -> bool:
    """True when the configuration is repository content (not a ``--config`` file outside it)."""
    from ..repo import is_within

    return ctx.config.source is None or is_within(ctx.config.source, ctx.root)


def _discover(files: List[str], ctx: Context, exclude: List[str]) -> List[Path]:
    """The files to check, as absolute paths, sorted and without duplicates.

    Discovery (no ``files``) skips tracked files missing from the working tree;
    a file named in ``files`` is kept even when missing, so the scan reports it
    (``metrics/unreadable-file``).
    """
    from ..repo import is_within, list_files, relative_posix, select_files
    from .globs import compile_glob

    excluded = [compile_glob(g) for g in exclude]

    def keep(rel: str) -> bool:
        return rel.endswith(SUFFIXES) and not any(p.match(rel) for p in excluded)

    found: List[Path] = []
    if not files:
        names = select_files(ctx.root, ctx.changed_files)
        # A tracked file deleted from the working tree (deletion not staged yet)
        # has nothing to validate; lexists keeps dangling links, which are reported.
        found = [ctx.root / n for n in names if keep(n) and os.path.lexists(ctx.root / n)]
    else:
        for name in files:
            path = Path(name)
            if not path.is_absolute():
                path = Path.cwd() / path
            if path.is_dir() and is_within(path, ctx.root):
                # a folder named explicitly: its logs, tracked or untracked-not-ignored (the one rule)
                under = relative_posix(path, ctx.root)
                found.extend(ctx.root / n for n in select_files(ctx.root, list_files(ctx.root, untracked=True), under)
                             if keep(n))
            elif path.is_dir():  # outside the repository: named by the operator
                for folder, dirs, names in os.walk(path):
                    dirs[:] = sorted(d for d in dirs if d != ".git")
                    found.extend(Path(folder) / n for n in names if keep(n))
            else:
                found.append(path)  # named explicitly: checked whatever its suffix
    unique = {Path(os.path.abspath(p)): None for p in found}  # symlinks kept as links: checked by the caller
    return sorted(unique)
