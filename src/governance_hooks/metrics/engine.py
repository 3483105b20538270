"""Plan and run the check over many files, on several processes when it pays.

A plain file of at least :data:`SPLIT_BYTES` is cut at line starts into
segments checked in parallel (not when cross-line checks are on: they need
the lines in order); small files are grouped so each task carries enough
work. Work under :data:`PARALLEL_MIN_BYTES` runs in this process: starting
workers costs more than it saves. Findings carry segment-relative line
numbers from workers and are shifted here, and ``--max-errors`` is applied
per file after merging (the first N of a file are within the first N of its
segments).
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from ..findings import Finding, Location
from .backends import Backend, make_backend
from .reader import is_gzip, segment_bounds
from .scan import SEVERITY, FileScanner, ScanOptions, ScanResult
from .schema_loader import SchemaBundle

SPLIT_BYTES = 16 << 20
SEGMENT_BYTES = 16 << 20
PARALLEL_MIN_BYTES = 8 << 20


@dataclass(frozen=True)
class Target:
    """One file to check: absolute path, report path, and the key of its schema.

    ``root`` is the repository the file lies in: every open of ``path`` refuses a
    path that resolves outside it, so a file swapped for a link out after it was
    listed is not read (``None``: a file the operator named outside the repository).
    """

    path: Path
    rel: str
    schema_key: str
    root: Optional[Path] = None


@dataclass(frozen=True)
class _Task:
    target: Target
    start: int = 0
    end: Optional[int] = None
    index: int = 0  # segment number within the file


@dataclass
class RunOutcome:
    """Findings of every file plus totals (``lines``, ``files``, ``backend``)."""

    findings: List[Finding]
    lines: int
    files: int
    backend: str


def default_jobs() -> int:
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


# Per-process cache of scanners, built once per worker from the pickled bundles.
_WORKER: Dict[str, object] = {}


def _init_worker(bundles: Dict[str, SchemaBundle], backend_name: str, options: ScanOptions) -> None:
    _WORKER.clear()
    _WORKER.update(bundles=bundles, backend=backend_name, options=options, scanners={})


def _scanner(key: str) -> FileScanner:
    scanners = _WORKER["scanners"]
    if key not in scanners:
        backend = make_backend(_WORKER["bundles"][key], _WORKER["backend"])
        scanners[key] = FileScanner(backend, _WORKER["options"])
    return scanners[key]


def _run_tasks(tasks: Sequence[_Task]) -> List[Tuple[_Task, ScanResult]]:
    return [(t, _scanner(t.target.schema_key).scan(t.target.path, t.target.rel, t.start, t.end,
                                                                 root=t.target.root)) for t in tasks]


def plan(targets: Sequence[Target], jobs: int, split: bool) -> List[List[_Task]]:
    """Group work into task lists of comparable size (one list per worker call)."""
    groups: List[List[_Task]] = []
    small: List[_Task] = []
    small_bytes = 0
    for target in targets:
        try:
            size = target.path.stat().st_size
        except OSError:
            size = 0
        if split and jobs > 1 and size >= SPLIT_BYTES and not is_gzip(target.path):
            parts = max(jobs, -(-size // SEGMENT_BYTES))
            try:
                bounds = segment_bounds(target.path, parts, target.root)
            except OSError:  # refused or gone: the whole-file task reports it as unreadable
                small.append(_Task(target))
                continue
            for index, (start, end) in enumerate(zip(bounds, bounds[1:])):
                groups.append([_Task(target, start, end, index)])
            continue
        small.append(_Task(target))
        small_bytes += size
        if small_bytes >= SEGMENT_BYTES:
            groups.append(small)
            small, small_bytes = [], 0
    if small:
        groups.append(small)
    return groups


def run(targets: Sequence[Target], bundles: Dict[str, SchemaBundle], backend_name: str,
        options: ScanOptions, jobs: int, progress: Optional[Callable[[int], None]] = None) -> RunOutcome:
    """Check every target and return findings in file then line order.

    ``progress``, when given, is called with the number of bytes of each task
    (file or segment) as it completes.

    Raises:
        ToolError: a backend cannot be built for a schema (bad backend name,
            ``jsonschema-rs`` missing or rejecting the schema).
    """
    # Build every backend once here: schema problems surface as exit 2 before any work.
    probes: Dict[str, Backend] = {key: make_backend(bundle, backend_name) for key, bundle in bundles.items()}
    backend_label = ",".join(sorted({b.name for b in probes.values()})) or backend_name
    total_bytes = 0
    for t in targets:
        try:
            total_bytes += t.path.stat().st_size
        except OSError:
            pass
    parallel = jobs > 1 and total_bytes >= PARALLEL_MIN_BYTES
    groups = plan(targets, jobs, split=parallel and not options.cross_checks)
    results: List[Tuple[_Task, ScanResult]] = []
    if parallel and len(groups) > 1:
        with ProcessPoolExecutor(max_workers=min(jobs, len(groups)), initializer=_init_worker,
                                 initargs=(bundles, backend_name, options)) as pool:
            for part in pool.map(_run_tasks, groups):
                results.extend(part)
                _report_progress(progress, part)
    else:
        _WORKER.update(bundles=bundles, backend=backend_name, options=options,
                       scanners={k: FileScanner(b, options) for k, b in probes.items()})
        for group in groups:
            part = _run_tasks(group)
            results.extend(part)
            _report_progress(progress, part)
    return _merge(targets, results, options, backend_label)


def _report_progress(progress: Optional[Callable[[int], None]], part: List[Tuple[_Task, ScanResult]]) -> None:
    if progress is None:
        return
    for task, _ in part:
        if task.end is not None:
            progress(task.end - task.start)
        else:
            try:
                progress(task.target.path.stat().st_size)
            except OSError:
                pass


def _merge(targets: Sequence[Target], results: List[Tuple[_Task, ScanResult]], options: ScanOptions,
           backend_label: str) -> RunOutcome:
    by_file: Dict[str, List[Tuple[_Task, ScanResult]]] = {}
    for task, result in results:
        by_file.setdefault(task.target.rel, []).append((task, result))
    findings: List[Finding] = []
    total_lines = 0
    for target in targets:
        parts = sorted(by_file.get(target.rel, []), key=lambda p: p[0].index)
        offset = 0
        merged: List[Finding] = []
        overflow = 0
        for task, result in parts:
            for f in result.findings:
                if offset and f.location.line is not None:
                    f = replace(f, location=replace(f.location, line=f.location.line + offset))
                merged.append(f)
            overflow += result.overflow
            offset += result.lines
        total_lines += offset
        cap = options.max_errors
        if cap and len(merged) > cap:
            overflow += len(merged) - cap
            merged = merged[:cap]
        findings.extend(merged)
        if overflow:
            findings.append(Finding(
                "metrics/errors-truncated", SEVERITY["metrics/errors-truncated"],
                f"{overflow} more finding{'s' if overflow != 1 else ''} in this file not listed "
                f"(--max-errors {cap}; use --max-errors 0 to list all)",
                Location(target.rel), evidence={"more": overflow}, identity="errors-truncated",
            ))
    return RunOutcome(findings, total_lines, len(targets), backend_label)
