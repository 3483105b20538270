"""Which files the Semgrep check scans, and under which names Semgrep sees them.

With no paths: every Python file the repository tracks (``git ls-files``, or a
walk outside git), restricted to ``changed_files`` when the pipeline gives them.
With paths (the pre-commit hook passes the staged Python files): those files,
and the Python files under any folder given: inside the repository the files
git tracks there plus those it neither tracks nor ignores (named explicitly, so
they count), outside it a walk. ``exclude`` globs apply to both. A named folder
with no Python file to scan, or named paths that yield none, are an error
(exit 2), never a silent pass on zero files.

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
    folders: List[Tuple[str, int, int]] = []  # (as given, its files' span in chosen)
    if paths:
        for given in paths:
            absolute = Path(os.path.abspath(given))
            if absolute.is_dir():
                start = len(chosen)
                chosen += [(path, relative_posix(path, root)) for path in _python_files_under(absolute, root)]
                folders.append((str(given), start, len(chosen)))
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
    if paths:
        _refuse_empty(paths, folders, chosen, targets)
    return targets


def _refuse_empty(paths: Sequence[Path], folders: Sequence[Tuple[str, int, int]],
                  chosen: Sequence[Tuple[Path, str]], targets: Targets) -> None:
    """A named folder without a Python file to scan, or named paths with none at all, are a ToolError."""
    kept = set(targets.display.values()) | {shown for shown, _ in targets.too_large}
    for given, start, end in folders:
        folder_files = [shown for _, shown in chosen[start:end]]
        if not any(shown in kept for shown in folder_files):
            why = "every one is excluded" if folder_files else "there is no .py/.pyi file under it that git does not ignore"
            raise ToolError(f"{given}: no Python file to scan in this folder ({why})")
    if chosen and len(targets.not_python) == len(chosen):  # excluded files are the configuration's choice
        raise ToolError(f"{paths[0]}: none of the named paths is a Python file to scan")


def _python_files_under(folder: Path, root: Path) -> List[Path]:
    """``.py``/``.pyi`` files under ``folder`` by the one listing rule (:func:`governance_hooks.repo.list_files`):
    tracked plus untracked-not-ignored inside a git work tree, else a walk that skips ``.git`` and does not
    follow symlinked folders. Sorted absolute paths."""
    if is_within(folder, root):
        prefix = relative_posix(folder, root).rstrip("/") + "/"
        prefix = "" if prefix in ("./", "/") else prefix
        return sorted(root / rel for rel in list_files(root, untracked=True)
                      if rel.startswith(prefix) and rel.endswith(PYTHON_SUFFIXES) and (root / rel).is_file())
    return sorted(folder / rel for rel in list_files(folder, untracked=True)
                  if rel.endswith(PYTHON_SUFFIXES) and (folder / rel).is_file())
