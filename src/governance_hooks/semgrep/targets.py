"""Which files the Semgrep check scans, and under which names Semgrep sees them.

With no paths: every Python file the repository tracks (``git ls-files``, or a
walk outside git), restricted to ``changed_files`` when the pipeline gives them.
With paths (the pre-commit hook passes the staged Python files): those files,
and the Python files under any folder given. ``exclude`` globs apply to both.

Semgrep picks the language by file extension, so a Python script without one
(``#!/usr/bin/env python3``, which pre-commit's ``types: [python]`` passes) is
copied under a ``.py`` name into the run's temporary folder and reported under
its own path.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from ..errors import ToolError
from ..repo import is_within, list_files, relative_posix, select_files

PYTHON_SUFFIXES = (".py", ".pyi")
_SHEBANG = re.compile(rb"^#![^\n]*\bpython[0-9.]*\b")


@dataclass
class Targets:
    """The files of one scan.

    Attributes:
        semgrep_paths: what to pass to Semgrep (relative to the root, or absolute).
        display: Semgrep path -> the repo-relative POSIX path findings report.
        too_large: (display path, size in bytes) of files over the size limit.
        not_python: explicit paths skipped because they are not Python.
        refused: (display path, reason) of files the safe-open rules refuse
            (a link out of the repository, a FIFO or device, a loop).
    """

    semgrep_paths: List[str] = field(default_factory=list)
    display: Dict[str, str] = field(default_factory=dict)
    too_large: List[Tuple[str, int]] = field(default_factory=list)
    not_python: List[str] = field(default_factory=list)
    refused: List[Tuple[str, str]] = field(default_factory=list)


def excluded(path: str, patterns: Sequence[str]) -> bool:
    """True if the repo-relative ``path`` matches a glob of ``patterns`` (``*`` crosses ``/``),
    or lies under a folder a pattern names (``examples`` or ``examples/``)."""
    for pattern in patterns:
        folder = pattern.rstrip("/")
        if fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, folder + "/*"):
            return True
    return False


def _utf8_name(name: str) -> bool:
    """False for a file name holding bytes that are not UTF-8 (``os.fsdecode`` keeps them as surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_python(path: Path) -> bool:
    """A ``.py``/``.pyi`` file, or an extensionless file whose first line is a Python shebang."""
    if path.suffix in PYTHON_SUFFIXES:
        return True
    if path.suffix:
        return False
    try:
        from ..safe_open import open_repo_file

        with open_repo_file(path, None, limit=None) as handle:  # regular files only, never blocking
            return bool(_SHEBANG.match(handle.read(256)))
    except OSError:
        return False


def select(
    root: Path,
    paths: Sequence[Path],
    changed_files: Optional[Sequence[str]],
    exclude: Sequence[str],
    max_bytes: int,
    alias_dir: Path,
) -> Targets:
    """The scan's targets (see the module docstring).

    Args:
        root: repository root (absolute).
        paths: explicit files or folders (relative to the current folder); empty for the whole repository.
        changed_files: repo-relative paths to restrict a whole-repository scan to (``None``: all).
        exclude: globs over repo-relative POSIX paths.
        max_bytes: files larger than this are not scanned (reported as too large).
        alias_dir: where extensionless Python scripts get their ``.py`` copies.

    Raises:
        ToolError: an explicit path that does not exist.
    """
    chosen: List[Tuple[Path, str]] = []  # (absolute path, display path)
    targets_refused: List[Tuple[str, str]] = []
    if paths:
        tracked: Optional[List[str]] = None
        for given in paths:
            absolute = Path(os.path.abspath(given))
            if absolute.is_dir():
                tracked = tracked if tracked is not None else list_files(root, untracked=True)
                prefix = relative_posix(absolute, root).rstrip("/") + "/"
                prefix = "" if prefix in ("./", "/") else prefix
                chosen += [(root / rel, rel) for rel in tracked
                           if rel.startswith(prefix) and rel.endswith(PYTHON_SUFFIXES)]
            elif absolute.is_file():
                if absolute.is_symlink() and not is_within(absolute, root):
                    raise ToolError(f"{given}: is a symbolic link that points outside the repository; "
                                    "refusing to follow it")
                chosen.append((absolute, relative_posix(absolute, root)))
            else:
                raise ToolError(f"{given}: no such file or folder")
    else:
        from ..safe_open import UnsafeFile, resolve_inside

        for rel in select_files(root, changed_files):
            if not rel.endswith(PYTHON_SUFFIXES):
                continue
            absolute = root / rel
            if not os.path.lexists(absolute):
                continue  # git lists deleted files until the deletion is staged
            try:
                real = resolve_inside(absolute, root)
            except UnsafeFile as exc:
                targets_refused.append((rel, exc.reason))
                continue
            if not os.path.isfile(real):
                targets_refused.append((rel, "is not a regular file"))
                continue
            chosen.append((absolute, rel))

    targets = Targets(refused=targets_refused)
    seen = set()
    for absolute, shown in chosen:
        if absolute.is_symlink():
            # Semgrep refuses a symbolic link as a target (and fails the whole run): scan the file
            # it points to, reported at that file's own path, where a fix would go.
            real = Path(os.path.realpath(absolute))
            if not is_within(real, root) or not real.is_file():
                continue  # never followed out of the repository (explicit ones were refused above)
            absolute, shown = real, relative_posix(real, root)
        if shown in seen or excluded(shown, exclude):
            continue
        seen.add(shown)
        if not is_python(absolute):
            targets.not_python.append(shown)
            continue
        try:
            size = absolute.stat().st_size
        except OSError:
            continue
        if size > max_bytes:
            targets.too_large.append((shown, size))
            continue
        if absolute.suffix in PYTHON_SUFFIXES and _utf8_name(str(absolute)):
            semgrep_path = shown if is_within(absolute, root) and not shown.startswith("../") else str(absolute)
        else:
            # Semgrep finds files by extension and reads its argv as UTF-8: an extensionless script,
            # or a name with bytes that are not UTF-8, is scanned through a copy with a plain name.
            name = absolute.name if _utf8_name(absolute.name) else "target"
            alias = alias_dir / str(len(targets.semgrep_paths)) / (name if name.endswith(PYTHON_SUFFIXES) else name + ".py")
            alias.parent.mkdir(parents=True, exist_ok=True)
            from ..safe_open import read_repo_bytes

            alias.write_bytes(read_repo_bytes(absolute, root, limit=max_bytes))  # a scratch copy, read safely
            semgrep_path = str(alias)
        targets.semgrep_paths.append(semgrep_path)
        targets.display[semgrep_path] = shown
    return targets
