"""Which files a change touches, from git: for pull requests and for the commit hook.

Paths are POSIX, relative to the checked root (``git diff --relative``), so a
root below the git top level works. Deleted files are left out: there is
nothing to read, and checks that care about deletions (CODEOWNERS coverage,
dataset manifests) look at the whole tree anyway.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import List, Sequence

from .errors import ToolError

_GIT = ("git", "-c", "core.quotePath=false")


def _git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    try:
        out = subprocess.run([*_GIT, *args], cwd=root, capture_output=True, timeout=300, check=False)
    except FileNotFoundError:
        raise ToolError("git: not found on PATH (needed for --changed-since and --staged)") from None
    except subprocess.TimeoutExpired:
        raise ToolError(f"git {args[0]}: timed out after 300 s in {root}") from None
    if check and out.returncode != 0:
        message = out.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ToolError(f"{root}: git {args[0]} failed: {message[-1] if message else 'exit ' + str(out.returncode)}")
    return out


def _names(raw: bytes) -> List[str]:
    return [n for n in raw.decode("utf-8", "surrogateescape").split("\0") if n]


def _require_work_tree(root: Path, option: str) -> None:
    out = _git(root, "rev-parse", "--is-inside-work-tree", check=False)
    if out.returncode != 0 or out.stdout.strip() != b"true":
        raise ToolError(f"{root}: {option} needs a git work tree")


def diff_base(root: Path, rev: str) -> str:
    """The commit to diff against for ``--changed-since REV``.

    The merge base of ``REV`` and ``HEAD`` when git can compute it (what GitHub's
    "Files changed" tab shows: ``REV...HEAD``), else ``REV`` itself. The fallback
    is exact for the usual pull-request checkout: ``HEAD`` is the test merge
    commit whose first parent is the base, fetched shallow, so no merge base is
    visible and ``REV`` is that parent.

    Raises:
        ToolError: when ``REV`` names no commit in this repository (in a shallow
            CI clone: ``git fetch --depth=1 origin REV`` first).
    """
    _require_work_tree(root, "--changed-since")
    if not rev.strip():  # an unset CI variable: never "no comparison"
        raise ToolError(f"--changed-since: the revision is empty ({rev!r})")
    if rev.startswith("-"):
        raise ToolError(f"--changed-since: {rev!r} is not a revision")
    out = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}", check=False)
    if out.returncode != 0:
        raise ToolError(
            f"--changed-since: unknown revision {rev!r} in {root} "
            f"(in a shallow clone, fetch it first: git fetch --depth=1 origin {rev})"
        )
    commit = out.stdout.decode().strip()
    head = _git(root, "rev-parse", "--verify", "--quiet", "HEAD", check=False)
    if head.returncode != 0:
        return commit
    base = _git(root, "merge-base", commit, "HEAD", check=False)
    return base.stdout.decode().strip() if base.returncode == 0 and base.stdout.strip() else commit


def changed_since(root: Path, rev: str, deleted: bool = False) -> List[str]:
    """Files changed between the base of ``rev`` and the working tree, plus untracked files.

    Covers commits since the base, staged and unstaged edits, and new files not
    ignored by ``.gitignore``; sorted, without deleted paths unless ``deleted``
    (the code owner reviews a change requests cover the files it deletes; a
    rename is its old path deleted and its new path added).

    Raises:
        ToolError: see :func:`diff_base`; git failures.
    """
    base = diff_base(root, rev)
    keep = () if deleted else ("--diff-filter=d",)
    diffed = _git(root, "diff", "--name-only", "-z", "--no-renames", *keep, "--relative", base, "--")
    untracked = _git(root, "ls-files", "-z", "--others", "--exclude-standard", "--", ".")
    return sorted(set(_names(diffed.stdout)) | set(_names(untracked.stdout)))


def discoverable(root: Path) -> List[str]:
    """Every file a check might look at: tracked files plus untracked ones not ignored.

    Outside git, the walk of :func:`governance_hooks.repo.list_files`. Used
    only to decide which checks have inputs, so a file created but not yet
    added still enables its check.
    """
    from .repo import git_toplevel, list_files

    files = set(list_files(root))
    if git_toplevel(root) is not None:
        out = _git(root, "ls-files", "-z", "--others", "--exclude-standard", "--", ".", check=False)
        if out.returncode == 0:
            files.update(_names(out.stdout))
    return sorted(files)


def staged(root: Path) -> List[str]:
    """Files added, copied, modified or renamed in the index (what ``git commit`` will record).

    Raises:
        ToolError: outside a git work tree; git failures.
    """
    _require_work_tree(root, "--staged")
    out = _git(root, "diff", "--cached", "--name-only", "-z", "--no-renames", "--diff-filter=d", "--relative", "--")
    return sorted(set(_names(out.stdout)))


def unstaged_among(root: Path, paths: Sequence[str]) -> List[str]:
    """Those of ``paths`` whose working-tree content differs from the index.

    The checks read the working tree; for these files that is not what will be
    committed, and the commit hook says so.
    """
    if not paths:
        return []
    out = _git(root, "diff", "--name-only", "-z", "--relative", "--", check=False)
    dirty = set(_names(out.stdout)) if out.returncode == 0 else set()
    return sorted(p for p in paths if p in dirty)


def index_snapshot(root: Path, into: Path) -> None:
    """Write the index's content (what ``git commit`` will record) under ``into``.

    ``git checkout-index --all`` into a temporary folder: the work tree and the
    index are left untouched (unstaged edits are never stashed, reset or lost),
    and the checks then read exactly the committed content. Paths are those of
    ``root`` (a root below the top level maps to the same folder in ``into``).

    Raises:
        ToolError: outside a git work tree; git failures.
    """
    _require_work_tree(root, "--staged")
    top = _git(root, "rev-parse", "--show-toplevel").stdout.decode("utf-8", "surrogateescape").strip()
    prefix = str(into).rstrip("/") + "/"
    _git(Path(top), "checkout-index", "--all", "--force", f"--prefix={prefix}")
