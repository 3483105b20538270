"""``governance-hooks semgrep``: run the governance Semgrep rule pack offline.

Selects the Python files (:mod:`.targets`), adds rules generated from the
repository's migration map (:mod:`.migrations`), runs Semgrep (:mod:`.runner`)
and maps its JSON to findings (:mod:`.results`). Without Semgrep installed the
check is skipped with a reason, never failed.
"""

from __future__ import annotations

import argparse
import math
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional

from ..check import CheckResult, Context
from ..config import TABLE, require_keys
from ..errors import ToolError
from ..findings import Severity

HELP = ("Run the governance Semgrep rule pack offline: unsafe deserialisation, yaml.load, shell and eval "
        "injection, network calls without timeout, online tracking, non-atomic checkpoint writes, deprecated imports.")

CONFIG_KEYS = ("migrations", "exclude", "timeout", "budget", "max-file-bytes", "jobs")
NOT_INSTALLED = "semgrep is not installed: install governance-hooks with its semgrep extra, e.g. pip install -e '.[semgrep]' in a checkout"

#: Defaults: Semgrep's per-file-and-rule timeout (s), the run's wall-clock budget (s), the file size limit.
DEFAULT_TIMEOUT = 10.0
DEFAULT_BUDGET = 600.0
DEFAULT_MAX_FILE_BYTES = 1_000_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of this check (the common ones come from the CLI)."""
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE",
                        help="Python files or folders to scan (default: every Python file the repository tracks)")
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                        help=f"Semgrep's time limit per file and rule (default: {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                        help=f"wall-clock limit for the whole scan (default: {DEFAULT_BUDGET:g})")


def _number(table: Dict[str, Any], key: str, default: float, where: str, integer: bool = False) -> float:
    value = table.get(key, default)
    if (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0
            or (integer and not isinstance(value, int))):  # TOML has nan and inf
        kind = "a positive integer" if integer else "a positive number"
        raise ToolError(f"{where} {key} must be {kind}")
    return value


def options(ctx: Context) -> Dict[str, Any]:
    """This check's validated ``[tool.governance-hooks.semgrep]`` table with defaults filled in.

    Raises:
        ToolError: an unknown key or a value of the wrong type.
    """
    table = dict(ctx.options)
    require_keys("semgrep", table, CONFIG_KEYS, ctx.config.source)
    where = f"{ctx.config.source or 'configuration'}: [tool.{TABLE}.semgrep]"
    exclude = table.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(g, str) and g for g in exclude):
        raise ToolError(f"{where} exclude must be a list of globs")
    jobs = table.get("jobs")
    return {
        "migrations": table.get("migrations", {}),
        "exclude": exclude,
        "timeout": _number(table, "timeout", DEFAULT_TIMEOUT, where),
        "budget": _number(table, "budget", DEFAULT_BUDGET, where),
        "max-file-bytes": int(_number(table, "max-file-bytes", DEFAULT_MAX_FILE_BYTES, where, integer=True)),
        "jobs": int(_number(table, "jobs", 1, where, integer=True)) if jobs is not None else None,
        "where": where,
    }


def run(args: argparse.Namespace, ctx: Context) -> CheckResult:
    """Scan the selected Python files with the rule pack.

    Raises:
        ToolError: bad configuration or arguments, a missing rule pack, or Semgrep failing to run.
    """
    from .migrations import rules_from_config
    from .pack import pack_dir
    from .refine import refine
    from .results import error_findings, incomplete, one_incomplete_per_file, to_findings
    from .runner import SemgrepFailed, find_semgrep, scan
    from .targets import select

    opts = options(ctx)
    timeout = args.timeout if args.timeout is not None else opts["timeout"]
    budget = args.budget if args.budget is not None else opts["budget"]
    for flag, value in (("--timeout", timeout), ("--budget", budget)):
        if not (math.isfinite(value) and value > 0):  # float() accepts "nan" and "inf"
            raise ToolError(f"{flag} must be a positive number of seconds, not {value:g}")
    try:
        configured = rules_from_config(opts["migrations"], opts["where"])
    except ValueError as exc:
        raise ToolError(str(exc)) from None
    pack = pack_dir()

    with tempfile.TemporaryDirectory(prefix="governance-semgrep-") as scratch:
        scratch_dir = Path(scratch)
        targets = select(ctx.root, args.files, None if args.files else ctx.changed_files,
                         opts["exclude"], opts["max-file-bytes"], scratch_dir / "aliases")
        result = CheckResult(inputs=sorted(targets.display.values()))
        result.findings += [incomplete(path, f"{size} bytes is over max-file-bytes = {opts['max-file-bytes']}")
                            for path, size in targets.too_large]
        # Refused unread (a link out, FIFO, device, loop): never scanned, so an error (fail closed).
        result.findings += [incomplete(path, f"not scanned: {reason}", severity=Severity.ERROR)
                            for path, reason in targets.refused]
        result.stats = {"files": len(targets.semgrep_paths), "too_large": len(targets.too_large)}
        if not targets.semgrep_paths:
            return result
        executable = find_semgrep()
        if executable is None:
            return CheckResult(inputs=result.inputs, stats=result.stats, skipped=NOT_INSTALLED)
        # One rules file: Semgrep's OCaml front end (--experimental), 5-6x cheaper in CPU than the
        # Python one with identical results (bench/semgrep_bench.py), takes files, not folders.
        rules = _builtin_rules(pack) + configured
        configs: List[Path] = [_write_rules(scratch_dir / "rules.yaml", rules)]
        state = scratch_dir / "state"
        state.mkdir()
        from ..progress import progress

        try:
            with progress(ctx.stderr, "semgrep", total=len(targets.semgrep_paths), unit="file", tick=True) as bar:
                output = scan(executable, configs, targets.semgrep_paths, ctx.root, state,
                              per_file_timeout=timeout, budget=budget, jobs=opts["jobs"], on_batch=bar.advance)
        except SemgrepFailed as exc:
            raise ToolError(f"{pack}: {exc}") from None

        def display(path: str) -> str:
            return targets.display.get(path) or targets.display.get(_normal(path)) or _normal(path)

        lines = _LineCache(ctx.root)
        refined = refine(output.results, lines.text, display, _tracked(ctx.root), lines.tracked_text)
        findings, suppressed = to_findings(refined.kept, display, lambda p, n: lines.get(p, n))
        result.findings += findings
        # Semgrep 1.x silently skips what follows a NUL byte: such a file was not analysed. Whether it
        # also reports a parse error for those bytes varies from run to run, so the NUL byte is the one
        # reason given for them (results must not depend on the run).
        nul_files = set()
        for path in targets.semgrep_paths:
            text = lines.text(path, keep=False)
            if "\0" in text:
                nul_files.add(_normal(path))
                result.findings.append(incomplete(display(path), "a NUL byte: Semgrep stops parsing there",
                                                  text.count("\n", 0, text.index("\0")) + 1))
        result.findings += error_findings([e for e in output.errors
                                           if not (_normal(str(e.get("path") or "")) in nul_files
                                                   and _parse_error(e))], display)
        result.findings += [incomplete(display(p), f"the scan's {budget:g} s budget ran out")
                            for p in output.unfinished]
        result.findings = one_incomplete_per_file(result.findings)
        result.stats.update(suppressed=suppressed, accepted=sum(refined.accepted.values()),
                            accepted_by_reason=dict(sorted(refined.accepted.items())),
                            semgrep_version=output.version,
                            rules=len(rules))
    return result


def _write_rules(path: Path, rules: List[Dict[str, Any]]) -> Path:
    import json

    # JSON is YAML (Semgrep reads it as such) and takes a hundredth of the time of yaml.safe_dump.
    path.write_text(json.dumps({"rules": rules}), encoding="utf-8")
    return path


def _builtin_rules(pack: Path) -> List[Dict[str, Any]]:
    from .pack import load_rules

    return load_rules(pack)


def _parse_error(error: Dict[str, Any]) -> bool:
    """A Semgrep error about parsing the file's bytes (``PartialParsing``, ``Syntax error``, ``Lexical error``)."""
    kind = error.get("type")
    kind = kind[0] if isinstance(kind, list) and kind else kind
    return str(kind) in ("PartialParsing", "Syntax error", "Lexical error")


def _normal(path: str) -> str:
    import os

    return Path(os.path.normpath(path)).as_posix()


def _tracked(root: Path):
    """Repo-relative paths git tracks, or None outside a git work tree (then no literal path is reviewed)."""
    from ..repo import git_toplevel, list_files

    return set(list_files(root)) if git_toplevel(root) is not None else None


class _LineCache:
    """Text and lines of scanned files, read once each (UTF-8 with surrogate escapes; BOM dropped)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.texts: Dict[str, str] = {}
        self.files: Dict[str, List[str]] = {}

    def text(self, path: str, keep: bool = True) -> str:
        if path in self.texts:
            return self.texts[path]
        from ..safe_open import read_repo_bytes

        try:
            data = read_repo_bytes(self.root / path, self.root)
        except OSError:  # UnsafeFile too: a refused file has no lines to show
            data = b""
        text = data.decode("utf-8-sig", "surrogateescape")
        if keep:
            self.texts[path] = text
        return text

    def tracked_text(self, path: str) -> Optional[str]:
        """A repository file's text for the post-analysis, or None when it cannot be read (not kept)."""
        from ..safe_open import read_repo_bytes

        try:
            return read_repo_bytes(self.root / path, self.root).decode("utf-8-sig", "surrogateescape")
        except OSError:
            return None

    def get(self, path: str, line: int) -> str:
        if path not in self.files:
            self.files[path] = self.text(path).splitlines()
        lines = self.files[path]
        return lines[line - 1] if 0 < line <= len(lines) else ""
