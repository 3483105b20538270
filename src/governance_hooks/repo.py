"""The repository being checked: its root and its file list."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import List, Optional


def git_toplevel(start: Path) -> Optional[Path]:
    """The git work-tree root containing ``start``, or ``None`` outside git (or without git)."""
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


def list_files(root: Path) -> List[str]:
    """Every file of the repository as sorted POSIX paths relative to ``root``.

    In a git work tree: ``git ls-files -z`` (tracked files, exact bytes decoded
    as UTF-8 with surrogate escapes), restricted to ``root``. Elsewhere: a walk
    that skips ``.git`` folders and does not follow symlinked directories.
    """
    top = git_toplevel(root)
    if top is not None:
        try:
            out = subprocess.run(
                ["git", "-c", "core.quotePath=false", "ls-files", "-z", "--", "."],
                cwd=root, capture_output=True, check=True, timeout=300,
            )
        except (OSError, subprocess.SubprocessError):
            pass
        else:
            names = out.stdout.decode("utf-8", "surrogateescape").split("\0")
            return sorted(n for n in names if n)
    files: List[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        for name in filenames:
            files.append(name if rel_dir == "." else f"{rel_dir}/{name}")
    return sorted(files)


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
