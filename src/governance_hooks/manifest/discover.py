"""Find the manifests of a repository: ``manifest.json``, ``SHA256SUMS`` and ``NAME.sha256sum`` files."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Iterable, List, Optional

from ..repo import list_files

MANIFEST_NAME = "manifest.json"
SUMS_NAME = "SHA256SUMS"
SUMS_SUFFIX = ".sha256sum"


def is_candidate(rel: str) -> bool:
    """True for file names this check reads as manifests."""
    name = rel.rsplit("/", 1)[-1]
    return name in (MANIFEST_NAME, SUMS_NAME) or (name.endswith(SUMS_SUFFIX) and len(name) > len(SUMS_SUFFIX))


def is_sums_name(rel: str) -> bool:
    """True when ``rel`` names a ``sha256sum``-format file rather than a JSON manifest."""
    name = rel.rsplit("/", 1)[-1]
    return name.startswith(SUMS_NAME) or name.endswith(SUMS_SUFFIX)


def covers_folder(rel: str) -> bool:
    """``NAME.sha256sum`` covers only what it lists; the other manifests describe their whole folder."""
    return not rel.rsplit("/", 1)[-1].endswith(SUMS_SUFFIX)


def in_scope(rel: str, changed: Optional[Iterable[str]]) -> bool:
    """With a changed-file list, keep a manifest if it or any file under its folder changed."""
    if changed is None:
        return True
    folder = str(PurePosixPath(rel).parent)
    prefix = "" if folder == "." else folder + "/"
    return any(c == rel or c.startswith(prefix) for c in changed)


def discover(files: Iterable[str], changed: Optional[Iterable[str]] = None) -> List[str]:
    """Candidate manifests among ``files`` (POSIX paths), sorted, restricted to ``changed`` when given."""
    changed_list = list(changed) if changed is not None else None
    return sorted(f for f in files if is_candidate(f) and in_scope(f, changed_list))


def discover_under(root, changed: Optional[Iterable[str]] = None) -> List[str]:
    """Candidate manifests under ``root`` (git-tracked files in a work tree, else a walk)."""
    return discover(list_files(root), changed)
