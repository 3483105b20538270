"""The CODEOWNERS file in effect at a git revision (for ``--base`` / ``--changed-since``).

Read with ``git ls-tree`` and ``git cat-file`` (never by checking the revision out), in the
same search order as :mod:`.locate`; sizes are checked before the blob is read. A symbolic link
(mode 120000), or a location below a linked folder, is skipped and reported (``links``): the rule of
:mod:`.locate` for the working tree, so a commit compared with itself shows no change.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import List, Optional, Tuple

from ..errors import ToolError
from .locate import GITHUB_LOCATIONS, GITLAB_LOCATIONS, MAX_BYTES

_GIT = ("git", "-c", "core.quotePath=false")


def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    try:
        out = subprocess.run([*_GIT, *args], cwd=root, capture_output=True, timeout=120, check=False)
    except FileNotFoundError:
        raise ToolError("git: not found on PATH (needed for --base and --changed-since)") from None
    except subprocess.TimeoutExpired:
        raise ToolError(f"git {args[0]}: timed out after 120 s in {root}") from None
    if out.returncode != 0:
        message = out.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ToolError(f"{root}: git {args[0]} failed: {message[-1] if message else 'exit ' + str(out.returncode)}")
    return out


def codeowners_at(root: Path, commit: str, dialect: str,
                  rel: Optional[str] = None) -> Tuple[Optional[str], Optional[bytes], List[str]]:
    """``(repo-relative path, bytes, links)`` of the CODEOWNERS in effect at ``commit``; path and bytes are
    ``None`` when there is none. ``links`` are the locations before it (all of them when there is none)
    skipped because they are symbolic links or lie below a linked folder, as :attr:`.locate.Located.links`.

    Args:
        root: the repository root (paths are relative to it, also below the git top level).
        commit: a resolved commit id (see :func:`governance_hooks.changes.diff_base`).
        dialect: ``github``, ``gitlab`` or ``auto``: the search order, as :func:`.locate.locate`.
        rel: read this path instead of searching (a CODEOWNERS named on the command line).

    Raises:
        ToolError: git failures; a file of 3 MB or more at ``commit`` (``codeowners/file-too-large``
            is reported for the working tree; a comparison with a file GitHub ignores is refused).
    """
    if rel is not None:
        order: Tuple[str, ...] = (rel,)
    elif dialect == "gitlab":
        order = GITLAB_LOCATIONS
    else:
        order = GITHUB_LOCATIONS + ((".gitlab/CODEOWNERS",) if dialect == "auto" else ())
    # The folders too: ls-tree lists nothing below a linked folder, only the link itself.
    folders = sorted({name.rpartition("/")[0] for name in order if "/" in name})
    listing = _git(root, "ls-tree", "-z", "--long", commit, "--", *order, *folders).stdout.decode(
        "utf-8", "surrogateescape")
    present, linked = {}, set()
    for entry in listing.split("\0"):
        if not entry:
            continue
        meta, _, name = entry.partition("\t")
        mode, kind, _, size = meta.split()
        if mode == "120000":  # a link is not followed into history
            linked.add(name)
        elif kind == "blob":
            present[name] = int(size)
    found: List[str] = [name for name in order if name in present]
    if dialect == "auto" and rel is None and any(name in GITHUB_LOCATIONS for name in found):
        found = [name for name in found if name in GITHUB_LOCATIONS]
    before = order[:order.index(found[0])] if found else order
    links = [name for name in before if name in linked or name.rpartition("/")[0] in linked]
    if not found:
        return None, None, links
    name = found[0]
    if present[name] >= MAX_BYTES:
        raise ToolError(f"{name} at {commit[:12]} is {present[name]:,} bytes; GitHub ignores CODEOWNERS files of 3 MB "
                        "or more, so there is nothing to compare with")
    return name, _git(root, "cat-file", "blob", f"{commit}:./{name}").stdout, links
