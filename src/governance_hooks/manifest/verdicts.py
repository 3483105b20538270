"""Turn audit verdicts and manifest defects into :class:`~governance_hooks.findings.Finding` objects.

Findings about a listed shard point at the manifest line that lists it (the
place to fix); findings about an unlisted file point at the file itself.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional

from ..findings import Finding, Location, Severity
from ..repo import relative_posix
from .audit import (CHANGED, COLLISION, DUPLICATE, MISSING, MOVED, NEW, POINTER, UNREADABLE, UNSAFE, Audit,
                    Verdict)
from .model import Manifest

_RULES = {
    CHANGED: ("manifest/changed-shard", Severity.ERROR),
    MISSING: ("manifest/missing-shard", Severity.ERROR),
    MOVED: ("manifest/moved-shard", Severity.ERROR),
    NEW: ("manifest/new-file", Severity.ERROR),
    DUPLICATE: ("manifest/duplicate-entry", Severity.ERROR),
    UNREADABLE: ("manifest/unreadable-file", Severity.ERROR),
    POINTER: ("manifest/lfs-pointer", Severity.NOTE),
    UNSAFE: ("manifest/unsafe-path", Severity.ERROR),
    COLLISION: ("manifest/path-collision", Severity.WARNING),
}


def show(path: str) -> str:
    """``path`` in double quotes with control characters, quotes and undecodable bytes escaped.

    A byte that is not UTF-8 (held as a surrogate escape) shows as ``\\xNN``.
    """
    out = []
    for ch in path:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x20 or code == 0x7F or 0xD800 <= code <= 0xDFFF:
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch) or f"\\u{code:04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def printable(path: str) -> str:
    """``path`` with undecodable bytes and lone surrogates as backslash escapes, safe for any report."""
    try:
        raw = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = path.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "backslashreplace")


def _short(sha: Optional[str]) -> str:
    return f"{sha[:16]}..." if sha else "?"


def _message(v: Verdict, manifest_rel: str) -> str:
    p = show(v.path)
    e = v.evidence
    if v.kind == CHANGED:
        if v.detail == "size":
            return (f"shard {p} changed: size differs (listed {e['expected_size']} bytes, "
                    f"found {e['actual_size']} bytes)")
        if v.detail == "sha256":
            size = f"same size, {e['actual_size']} bytes" if e.get("expected_size") is not None else \
                f"{e['actual_size']} bytes"
            return (f"shard {p} changed: sha256 differs (listed {_short(e['expected_sha256'])}, "
                    f"found {_short(e['actual_sha256'])}; {size})")
        return (f"shard {p} changed: it is a Git LFS pointer to another object (oid {_short(e['lfs_oid'])}, "
                f"{e['lfs_size']} bytes; listed {_short(e['expected_sha256'])}, {e['expected_size']} bytes)")
    if v.kind == MISSING:
        return f"shard {p} is missing"
    if v.kind == MOVED:
        return f"shard {p} is missing; its content (same sha256 and size) is now at {show(str(e['moved_to']))}"
    if v.kind == NEW:
        return f"{p} is not listed in {manifest_rel} ({e['size']} bytes)"
    if v.kind == DUPLICATE:
        how = "with the same sha256 and size" if v.detail == "identical" else \
            "with a different sha256 or size (the manifest contradicts itself)"
        return f"shard {p} is listed again (entry {v.entry.index + 1}, first at entry {e['first_index'] + 1}) {how}"
    if v.kind == UNREADABLE:
        what = "shard" if v.entry is not None else "file"
        if v.detail.startswith("cannot be listed"):
            what = "folder"
        detail = v.detail if v.detail.startswith(("is ", "cannot ")) else f"cannot be read: {v.detail}"
        return f"{what} {p} {detail}"
    if v.kind == POINTER:
        return (f"shard {p} is a Git LFS pointer to the listed object (oid and size match); "
                f"its content was not verified (run `git lfs pull`)")
    if v.kind == UNSAFE:
        return f"path {p} {v.detail}; it was not opened"
    if v.kind == COLLISION:
        names = ", ".join(show(x) for x in e["paths"])
        return f"paths {names} are one file on case-insensitive or Unicode-normalising file systems"
    raise ValueError(v.kind)


def findings_for(manifest: Manifest, audit: Audit, repo_root: Path, dataset_root: str) -> List[Finding]:
    """Findings for one audited manifest; paths relative to ``repo_root``."""
    findings = problem_findings(manifest, repo_root)
    findings.extend(verdict_findings(audit.verdicts, repo_root, dataset_root, manifest))
    return findings


def verdict_findings(verdicts: List[Verdict], repo_root: Path, dataset_root: str,
                     manifest: Optional[Manifest] = None) -> List[Finding]:
    """Findings for ``verdicts`` (``ok`` ones produce none); ``manifest`` is ``None`` during a build."""
    manifest_rel = printable(relative_posix(manifest.path, repo_root)) if manifest is not None else ""
    command = update_command(manifest, repo_root, dataset_root) if manifest is not None and manifest.format == "json" \
        else None
    findings = []
    for v in verdicts:
        if v.kind not in _RULES:
            continue  # ok
        rule_id, severity = _RULES[v.kind]
        if v.entry is not None and manifest is not None:
            line, column = manifest.position(v.entry)
            location = Location(manifest_rel, line, column)
        else:
            location = Location(printable(relative_posix(Path(os.path.join(dataset_root, v.path)), repo_root)))
        evidence = {"path": printable(v.path),
                    **{k: (printable(x) if isinstance(x, str) else x) for k, x in v.evidence.items()}}
        if manifest is not None:
            evidence["manifest"] = manifest_rel
        if v.kind == COLLISION:
            evidence["paths"] = [printable(x) for x in v.evidence["paths"]]
        findings.append(Finding(rule_id, severity, _message(v, manifest_rel), location,
                                suggestion=_suggestion(v, command) if command is not None else None,
                                evidence=evidence, identity=f"{v.kind}:{printable(v.path)}"))
    return findings


def update_command(manifest: Manifest, repo_root: Path, dataset_root: str) -> str:
    """The ``manifest build --update`` command that records the current tree in ``manifest``."""
    root_rel = printable(relative_posix(Path(dataset_root), repo_root)) or "."
    default = os.path.realpath(manifest.path) == os.path.join(dataset_root, "manifest.json")
    target = "" if default else f" -o {printable(relative_posix(manifest.path, repo_root))}"
    return f"governance-hooks manifest build {root_rel}{target} --update"


def _suggestion(v: Verdict, command: str) -> Optional[str]:
    if v.kind in (CHANGED, MISSING, MOVED, NEW):
        return f"if the change is intended and reviewed: {command}"
    return None


def problem_findings(manifest: Manifest, repo_root: Path) -> List[Finding]:
    """One ``manifest/malformed-manifest`` finding per defect, at its line with its JSON pointer."""
    manifest_rel = printable(relative_posix(manifest.path, repo_root))
    out = []
    for problem in manifest.problems:
        if problem.line is not None:
            line, column = problem.line, problem.column
        else:
            line, column = manifest.position(pointer=problem.pointer)
        where = f"{problem.pointer}: " if problem.pointer else ""
        evidence = {"pointer": problem.pointer} if problem.pointer is not None else None
        out.append(Finding("manifest/malformed-manifest", Severity.ERROR, f"{where}{problem.message}",
                           Location(manifest_rel, line, column), evidence=evidence,
                           identity=f"{problem.pointer or ''}:{problem.message}"))
    return out
