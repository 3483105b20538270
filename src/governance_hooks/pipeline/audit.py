"""The audit report: a capability matrix of what each check did on one tree.

Two renderings of one document, both byte-reproducible: the same tree,
configuration and tool version give identical bytes. Nothing depends on the
clock, the machine or the absolute checkout path; a timestamp appears only
when ``SOURCE_DATE_EPOCH`` is set (reproducible-builds.org specification),
and then it is that instant in UTC. Checks' free-form ``stats`` are left out:
some are run-dependent (cache hits, bytes hashed).

JSON shape (``format`` 1)::

    {"tool", "format", "version", "generated_at" (null unless SOURCE_DATE_EPOCH),
     "git": {"commit", "dirty"}, "config": {"path", "sha256"}, "fail_on",
     "scope": {"changed_since", "staged", "changed_files", "baseline", "not_checked_out" (sparse only)},
     "checks": [{"check", "status", "reason", "counts", "baselined",
                 "inputs": [{"path", "size", "sha256"}]}],
     "totals": {"error", "warning", "note"}}
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

from ..config import Config
from ..errors import ToolError
from ..findings import count_by_severity
from ..hashing import sha256_file
from ..repo import is_within, relative_posix
from ..escape import json_safe, markdown_code, markdown_text
from .engine import CheckOutcome

FORMAT = 1
MARKDOWN_NAME = "report.md"
JSON_NAME = "report.json"


def config_hash(config: Config) -> str:
    """sha256 of the ``[tool.governance-hooks]`` table in canonical JSON (sorted keys).

    Only this tool's table counts: editing another tool's section of
    ``pyproject.toml`` does not change the hash. No configuration hashes ``{}``.
    """
    canonical = json.dumps(
        {"settings": config.settings, "checks": config.checks},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def git_state(root: Path) -> Dict[str, Any]:
    """``{"commit": sha or None, "dirty": bool or None}`` for the tree at ``root``.

    ``dirty`` ignores untracked files, so a report written inside the
    repository does not change the next report.
    """
    def git(*args: str) -> Optional[str]:
        try:
            out = subprocess.run(["git", "--no-optional-locks", *args], cwd=root, capture_output=True, text=True, timeout=120, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout if out.returncode == 0 else None

    commit = git("rev-parse", "--verify", "--quiet", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None}
    status = git("status", "--porcelain", "--untracked-files=no", "--", ".")
    return {"commit": commit.strip(), "dirty": bool(status.strip()) if status is not None else None}


def generated_at(environ: Mapping[str, str]) -> Optional[str]:
    """``SOURCE_DATE_EPOCH`` as ISO 8601 UTC (``2023-11-14T22:13:20Z``), else ``None``.

    Raises:
        ToolError: when it is set but is not a non-negative integer.
    """
    value = environ.get("SOURCE_DATE_EPOCH")
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise ToolError(f"SOURCE_DATE_EPOCH: {value!r} is not a non-negative integer of seconds")
    try:
        instant = _dt.datetime.fromtimestamp(int(value), tz=_dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise ToolError(f"SOURCE_DATE_EPOCH: {value} is out of range") from None
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


class InputHasher:
    """sha256 and size of input files, each file read once per run however many checks used it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._seen: Dict[str, Dict[str, Any]] = {}

    def describe(self, rel: str) -> Dict[str, Any]:
        """``{"path", "size", "sha256"}``; for an unreadable input ``sha256`` is null and ``error`` says why."""
        if rel not in self._seen:
            path = self.root / rel
            entry: Dict[str, Any] = {"path": rel, "size": None, "sha256": None}
            if not is_within(path, self.root):
                entry["error"] = "outside the repository"
            elif not path.is_file():
                entry["error"] = "not a file" if path.exists() else "missing"
            else:
                try:
                    entry["size"] = path.stat().st_size
                    entry["sha256"] = sha256_file(path, self.root)  # a link out swapped in after the check above is refused at the open
                except OSError as exc:
                    entry["error"] = exc.strerror or str(exc)
            self._seen[rel] = entry
        return self._seen[rel]


def build(
    outcomes: Sequence[CheckOutcome],
    *,
    root: Path,
    config: Config,
    version: str,
    fail_on: str,
    scope: Mapping[str, Any],
    environ: Mapping[str, str] = os.environ,
) -> Dict[str, Any]:
    """The audit document for one pipeline run (see the module docstring for its shape)."""
    hasher = InputHasher(root)
    source = None
    if config.source is not None:
        source = relative_posix(config.source, root) if is_within(config.source, root) else config.source.name
    checks: List[Dict[str, Any]] = []
    for o in outcomes:
        checks.append({
            "check": o.check,
            "status": o.summary.status,
            "reason": o.summary.reason,
            "counts": dict(o.summary.counts),
            "baselined": o.baselined,
            "inputs": [hasher.describe(rel) for rel in o.inputs],
        })
    return {
        "tool": "governance-hooks",
        "format": FORMAT,
        "version": version,
        "generated_at": generated_at(environ),
        "git": git_state(root),
        "config": {"path": source, "sha256": config_hash(config)},
        "fail_on": fail_on,
        "scope": dict(scope),
        "checks": checks,
        "totals": count_by_severity(f for o in outcomes for f in o.findings),
    }


def render_json(document: Mapping[str, Any]) -> str:
    """The JSON rendering: sorted keys, two-space indent, UTF-8, final newline."""
    return json_safe(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, default=str)) + "\n"


def _cell(value: Any) -> str:
    """Repository-derived prose for a table cell, rendered literally (escape.py)."""
    return "" if value is None else markdown_text(str(value))


def _code(value: Any) -> str:
    """Repository-derived text as a code span, shown exactly (backticks and ``|`` handled)."""
    return markdown_code("" if value is None else str(value))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _scope_line(scope: Mapping[str, Any]) -> str:
    if scope.get("staged"):
        where = f"staged files ({scope.get('changed_files')})"
    elif scope.get("changed_since"):
        where = f"files changed since {_code(scope['changed_since'])} ({scope.get('changed_files')})"
    else:
        where = "whole repository"
    if scope.get("baseline"):
        where += f"; baseline {_code(scope['baseline'])}"
    return where


def render_markdown(document: Mapping[str, Any]) -> str:
    """The Markdown rendering: provenance list, the matrix, then every input with its sha256."""
    git = document["git"]
    if git["commit"] is None:
        commit = "not a git repository (or no commit yet)"
    else:
        commit = f"`{git['commit']}`" + (" with uncommitted changes" if git["dirty"] else "")
    config = document["config"]
    lines = [
        "# governance-hooks audit report",
        "",
        f"- tool: governance-hooks {document['version']}",
        f"- git commit: {commit}",
        f"- configuration: {_code(config['path']) if config['path'] else 'none (defaults)'}, "
        f"sha256 `{config['sha256']}`",
        f"- fail-on: {document['fail_on']}",
        f"- scope: {_scope_line(document['scope'])}",
    ]
    if document.get("generated_at"):
        lines.append(f"- generated at: {document['generated_at']} (SOURCE_DATE_EPOCH)")
    lines += [
        "",
        "| check | status | errors | warnings | notes | baselined | inputs | why |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for c in document["checks"]:
        counts = c["counts"]
        lines.append(
            f"| {c['check']} | {c['status']} | {counts['error']} | {counts['warning']} | {counts['note']} "
            f"| {c['baselined']} | {len(c['inputs'])} | {_cell(c['reason'])} |"
        )
    totals = document["totals"]
    lines += ["", "Totals: " + ", ".join(_plural(totals[k], k) for k in ("error", "warning", "note")) + ".", ""]
    with_inputs = [c for c in document["checks"] if c["inputs"]]
    if with_inputs:
        lines += ["## Inputs", ""]
        for c in with_inputs:
            lines += [f"### {c['check']}", "", "| path | bytes | sha256 |", "|---|---:|---|"]
            for entry in c["inputs"]:
                digest = f"`{entry['sha256']}`" if entry["sha256"] else _cell(entry.get("error"))
                size = "" if entry["size"] is None else entry["size"]
                lines.append(f"| {_code(entry['path'])} | {size} | {digest} |")
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def write(document: Mapping[str, Any], folder: Path) -> Dict[str, Path]:
    """Write ``report.md`` and ``report.json`` into ``folder`` (created if needed), atomically.

    Raises:
        ToolError: when the folder or a file cannot be written.
    """
    from ..atomic import write_atomic

    folder = Path(folder)
    paths = {"markdown": folder / MARKDOWN_NAME, "json": folder / JSON_NAME}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(paths["markdown"], render_markdown(document))
        write_atomic(paths["json"], render_json(document))
    except OSError as exc:
        raise ToolError(f"{folder}: cannot write the audit report: {exc.strerror or exc}") from None
    return paths
