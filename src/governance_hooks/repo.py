"""The repository being checked: its root and its file list."""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional, Sequence


def git_toplevel(start: Path) -> Optional[Path]:
    """The git work-tree root containing ``start``, or ``None`` outside git (or without git)."""
    import subprocess  # here, not at the top: a command given --repo never starts git (start-up time)

    try:
        out = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=start, capture_output=True, text=True, check=False, timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0 or not out.stdout.strip():
        return None
    return Path(out.stdout.strip())


#: Basename prefix of the same-folder temporary files :mod:`governance_hooks.atomic` writes.
#: Every listing here drops them, so neither a check nor ``manifest build``/``verify``
#: ever sees the debris a killed writer leaves behind.
TEMP_PREFIX = ".governance-hooks-tmp."


def is_temp_name(rel: str) -> bool:
    """True for a path whose last component is an atomic writer's temporary file."""
    return rel.rsplit("/", 1)[-1].startswith(TEMP_PREFIX)


def _git_names(root: Path, *args: str) -> Optional[List[str]]:
    import subprocess

    try:
        out = subprocess.run(
            ["git", "-c", "core.quotePath=false", "ls-files", "-z", *args, "--", "."],
            cwd=root, capture_output=True, check=True, timeout=300,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return [n for n in out.stdout.decode("utf-8", "surrogateescape").split("\0") if n]


def list_files(root: Path, *, untracked: bool = False) -> List[str]:
    """Every file of the repository as sorted POSIX paths relative to ``root``.

    The one way the checks list the repository (a test enforces it). In a git
    work tree: ``git ls-files -z`` (tracked files, exact bytes decoded as UTF-8
    with surrogate escapes), restricted to ``root``; with ``untracked=True``
    also the untracked files git does not ignore (``--others --exclude-standard``),
    which is the rule for explicit paths and ``--changed-since``. Submodules
    (gitlinks) are folders of another repository, not files: they are left out.
    Elsewhere: a walk that skips ``.git`` folders and does not follow symlinked
    directories. Atomic writers' temporary files (:data:`TEMP_PREFIX`) never appear.
    """
    top = git_toplevel(root)
    if top is not None:
        staged = _git_names(root, "--stage")
        if staged is not None:
            names = []
            for line in staged:
                meta, _, name = line.partition("\t")
                if meta.startswith("160000 "):
                    continue  # a submodule: its content belongs to another repository
                names.append(name)
            if untracked:
                names.extend(_git_names(root, "--others", "--exclude-standard") or [])
            return sorted(n for n in set(names) if not is_temp_name(n))
    files: List[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        for name in filenames:
            files.append(name if rel_dir == "." else f"{rel_dir}/{name}")
    return sorted(f for f in files if not is_temp_name(f))


def select_files(root: Path, changed: Optional[Sequence[str]] = None, under: str = "") -> List[str]:
    """The files a check looks at when it gets no file list of its own.

    Args:
        changed: ``--changed-since`` mode: the changed paths (tracked or
            untracked-not-ignored, see ``governance_hooks.changes``); ``None``: all tracked files.
        under: keep only paths below this repository-relative folder (``""``: all).

    The untracked rule: a whole-repository run looks at tracked files; explicit
    paths and ``--changed-since`` also take untracked files git does not ignore.
    """
    if changed is None:
        names = list_files(root)
    else:
        present = set(list_files(root, untracked=True))
        names = sorted(p for p in set(changed) if p in present)
    prefix = "" if under in ("", ".") else under.rstrip("/") + "/"
    return [n for n in names if n.startswith(prefix)] if prefix else names


def not_checked_out(root: Path) -> List[str]:
    """Tracked files a sparse checkout leaves out of the work tree (``skip-worktree``), sorted.

    The checks cannot read them, so a run says so instead of passing silently.
    """
    if git_toplevel(root) is None:
        return []
    tagged = _git_names(root, "-t")
    return sorted(line[2:] for line in tagged or [] if line.startswith("S "))


def relative_posix(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` as POSIX text; falls back to ``path`` as given when outside.

    Tried as written first, then with symlinks resolved on both sides, so a
    root reached through a symlinked folder (``--repo`` is resolved) still
    yields repository-relative paths.
    """
    for resolve in (os.path.abspath, os.path.realpath):
        try:
            return Path(resolve(path)).relative_to(resolve(root)).as_posix()
        except ValueError:
            continue
    return Path(path).as_posix()


def is_within(path: Path, root: Path) -> bool:
    """True if ``path``, with symlinks resolved, stays inside ``root`` (also resolved)."""
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(root))
    except ValueError:
        return False
    return True
