"""One walk of a dataset root: the stat of every regular file, and what is not a plain file.

The walk never follows a symlinked directory (it could loop or leave the
root) and never opens anything. A symlink to a file is resolved: inside the
root it stands for its target, outside it is recorded as escaping.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Set

from ..repo import TEMP_PREFIX


@dataclass
class Tree:
    """What lies under a dataset root.

    Attributes:
        root: the real (symlink-free) absolute path of the root.
        files: relative POSIX path -> ``os.stat_result`` for regular files (a
            symlink to a regular file inside the root maps to its target's stat).
        real: relative path -> absolute real path to open, for symlinked files only.
        escaping: relative path -> resolved target, for symlinks leaving the root.
        odd: relative path -> why it is not a readable regular file (dangling
            symlink, FIFO, socket, device, unreadable folder).
    """

    root: str
    files: Dict[str, os.stat_result] = field(default_factory=dict)
    real: Dict[str, str] = field(default_factory=dict)
    escaping: Dict[str, str] = field(default_factory=dict)
    odd: Dict[str, str] = field(default_factory=dict)

    def open_path(self, rel: str) -> str:
        """The absolute path to open for a file of :attr:`files`."""
        return self.real.get(rel) or f"{self.root}{os.sep}{rel}"


def within(path: str, root: str) -> bool:
    """True if the real path ``path`` is ``root`` or below it (both already resolved)."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def kind_of(mode: int) -> str:
    """A person's word for a non-regular file type."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def walk(root: str, skip_dir: Optional[Callable[[str], bool]] = None, skip: Set[str] = frozenset()) -> Tree:
    """Walk ``root`` (already resolved with ``os.path.realpath``).

    Args:
        root: the dataset root, real path.
        skip_dir: called with a folder's relative path plus ``/``; True prunes it
            (exclude patterns); ``.git`` folders are always pruned.
        skip: relative paths left out entirely (the manifest itself).
    """
    tree = Tree(root=root)
    stack: List[str] = [""]
    while stack:
        prefix = stack.pop()
        folder = os.path.join(root, prefix) if prefix else root
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            tree.odd[prefix.rstrip("/") or "."] = f"cannot be listed: {exc.strerror or exc}"
            continue
        for entry in entries:
            rel = prefix + entry.name
            if rel in skip or entry.name.startswith(TEMP_PREFIX):  # an atomic writer's debris (kill -9)
                continue
            try:
                if entry.is_symlink():
                    _symlink(tree, rel, entry.path, skip_dir)
                elif entry.is_dir(follow_symlinks=False):
                    if entry.name == ".git" or (skip_dir is not None and skip_dir(rel + "/")):
                        continue
                    stack.append(rel + "/")
                else:
                    st = entry.stat(follow_symlinks=False)
                    if stat.S_ISREG(st.st_mode):
                        tree.files[rel] = st
                    else:
                        tree.odd[rel] = f"is {kind_of(st.st_mode)}"
            except OSError as exc:
                tree.odd[rel] = f"cannot be inspected: {exc.strerror or exc}"
    return tree


def _symlink(tree: Tree, rel: str, path: str, skip_dir) -> None:
    target = os.path.realpath(path)
    if not within(target, tree.root):
        tree.escaping[rel] = target
        return
    try:
        st = os.stat(target)
    except OSError as exc:
        tree.odd[rel] = "is a symlink loop" if exc.errno == errno.ELOOP else "is a dangling symlink"
        return
    if stat.S_ISREG(st.st_mode):
        tree.files[rel] = st
        tree.real[rel] = target
    elif not stat.S_ISDIR(st.st_mode):
        tree.odd[rel] = f"is a symlink to {kind_of(st.st_mode)}"
    # A symlink to a folder inside the root: its files are reached through their real path.


def locate(root: str, rel: str):
    """Resolve one listed path that the walk did not meet (excluded folder, symlinked folder, missing).

    Returns ``("file", real_path, stat)``, ``("escaping", target, None)``,
    ``("missing", None, None)`` or ``("odd", reason, None)``. Never opens the file.
    ``rel`` must already have passed :func:`.paths.unsafe_reason`.
    """
    joined = os.path.join(root, rel)
    # realpath first: a path through a symlinked folder that leaves the root is unsafe
    # whether or not the file exists out there.
    target = os.path.realpath(joined)
    if not within(target, root):
        return "escaping", target, None
    if not os.path.lexists(joined):
        return "missing", None, None
    try:
        st = os.stat(target)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "odd", "is a symlink loop", None
        if not os.path.exists(joined):
            return "odd", "is a dangling symlink", None
        return "odd", f"cannot be inspected: {exc.strerror or exc}", None
    if not stat.S_ISREG(st.st_mode):
        return "odd", f"is {kind_of(st.st_mode)}", None
    return "file", target, st
