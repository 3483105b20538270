"""The stat cache: (path, size, mtime_ns, ctime_ns, inode) -> sha256, so unchanged files are not re-read.

Stored outside the tracked tree: ``<git dir>/governance-hooks/manifest/`` when
the dataset lives in a git work tree, else the user cache folder
(``$XDG_CACHE_HOME`` or ``~/.cache``; ``~/Library/Caches`` on macOS,
``%LOCALAPPDATA%`` on Windows). ``$GOVERNANCE_HOOKS_CACHE_DIR`` overrides both.
One JSON file per dataset root, written atomically; a damaged or foreign file
is ignored, never trusted.

Racy timestamps (git's Documentation/technical/racy-git.txt): a file changed
in the same timestamp tick as it was hashed keeps its size and mtime, so its
stat would vouch for stale bytes. As git does with its index, an entry whose
mtime is not older than the cache's write time is "racily clean": it is not
trusted and is dropped when the cache is written, so it is hashed again on
the next run. The write time used is the moment hashing *started* (a lower
bound of the real write time), less :data:`RACY_WINDOW_NS` for file systems
with coarse timestamps (FAT has 2-second mtimes).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from ..atomic import write_atomic

VERSION = 1
#: Timestamp granularity margin (ns): covers 1 s (ext3, HFS+) and 2 s (FAT) file systems.
RACY_WINDOW_NS = 2_000_000_000
ENV_DIR = "GOVERNANCE_HOOKS_CACHE_DIR"


def git_dir_of(start: str) -> Optional[Path]:
    """The git directory of the work tree holding ``start`` (follows ``.git`` files of worktrees), or ``None``."""
    here = Path(start)
    for folder in (here, *here.parents):
        dot_git = folder / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():
            try:
                text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
            except OSError:
                return None
            if text.startswith("gitdir:"):
                target = Path(text[len("gitdir:"):].strip())
                target = target if target.is_absolute() else (folder / target)
                return target if target.is_dir() else None  # never create a bogus git dir
            return None
    return None


def user_cache_dir() -> Path:
    """The per-user cache folder for this tool."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "governance-hooks" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "governance-hooks"
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base and os.path.isabs(base) else Path.home() / ".cache") / "governance-hooks"


def cache_file_for(root: str) -> Path:
    """Where the cache of the dataset rooted at the real path ``root`` lives."""
    override = os.environ.get(ENV_DIR)
    if override:
        folder = Path(override) / "manifest"
    else:
        git_dir = git_dir_of(root)
        folder = (git_dir / "governance-hooks" / "manifest") if git_dir is not None else user_cache_dir() / "manifest"
    name = hashlib.sha256(root.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return folder / f"{name}.json"


def _key(st: os.stat_result) -> List[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


class StatCache:
    """In-memory view of one dataset root's cache file.

    ``StatCache(None, root)`` is a disabled cache (``--no-cache``): it never
    hits and never writes.
    """

    def __init__(self, file: Optional[Path], root: str) -> None:
        self.file = file
        self.root = root
        self.started_ns = time.time_ns()
        self._entries: Dict[str, list] = {}
        self._loaded = file is None
        self._trusted_before_ns = 0
        self._dirty = False
        self.hits = 0

    @classmethod
    def open(cls, root: str, enabled: bool = True) -> "StatCache":
        """The cache for the real dataset root ``root`` (disabled when ``enabled`` is false)."""
        return cls(cache_file_for(root) if enabled else None, root)

    @property
    def enabled(self) -> bool:
        return self.file is not None

    def _load(self) -> None:
        """Read the entries on first use (a matching clean-tree snapshot never needs them)."""
        self._loaded = True
        assert self.file is not None
        try:
            document = json.loads(self.file.read_bytes())
        except (OSError, ValueError):
            return
        if not (isinstance(document, dict) and document.get("version") == VERSION
                and document.get("root") == self.root and isinstance(document.get("entries"), dict)
                and isinstance(document.get("written_ns"), int)):
            return
        self._entries = document["entries"]
        self._trusted_before_ns = document["written_ns"] - RACY_WINDOW_NS

    def get(self, rel: str, st: os.stat_result) -> Optional[str]:
        """The cached sha256 of ``rel`` if its stat is unchanged and not racy; else ``None``."""
        if not self._loaded:
            self._load()
        record = self._entries.get(rel)
        if (type(record) is not list or len(record) != 5 or record[0] != st.st_size
                or record[1] != st.st_mtime_ns or record[2] != st.st_ctime_ns or record[3] != st.st_ino
                or st.st_mtime_ns >= self._trusted_before_ns or type(record[4]) is not str):
            return None
        self.hits += 1
        return record[4]

    def put(self, rel: str, st: os.stat_result, sha256: str) -> None:
        """Remember the sha256 of ``rel`` as read with stat ``st`` (taken before reading)."""
        if self.file is None:
            return
        if not self._loaded:
            self._load()
        record = _key(st) + [sha256]
        if self._entries.get(rel) != record:
            self._entries[rel] = record
            self._dirty = True

    def save(self, present: Iterable[str]) -> None:
        """Write the cache, keeping entries of files in ``present`` that are not racily clean.

        Failures (read-only folder, full disk) are ignored: the cache is an
        optimisation, never a reason to fail a check.
        """
        if self.file is None or not self._loaded:
            return
        keep = set(present)
        if not self._dirty and self._entries.keys() <= keep:
            return  # nothing new, nothing to prune (loaded entries were filtered when written)
        trusted_before = self.started_ns - RACY_WINDOW_NS
        entries = {rel: rec for rel, rec in self._entries.items()
                   if rel in keep and isinstance(rec, list) and len(rec) == 5
                   and isinstance(rec[1], int) and rec[1] < trusted_before}
        if not self._dirty and len(entries) == len(self._entries):
            return
        document = {"version": VERSION, "root": self.root, "written_ns": self.started_ns, "entries": entries}
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            # ASCII JSON: names holding undecodable bytes (surrogate escapes) round-trip as \udcXX.
            write_atomic(self.file, json.dumps(document, separators=(",", ":")).encode("ascii"))
        except (OSError, ValueError):
            return
        self._entries = entries
        self._dirty = False

    # -- clean-tree snapshots ---------------------------------------------------------------------------

    def _snapshot_file(self, manifest: str) -> Path:
        assert self.file is not None
        name = hashlib.sha256(f"{self.root}\0{manifest}".encode("utf-8", "surrogateescape")).hexdigest()[:32]
        return self.file.parent / f"{name}.clean.json"

    def snapshot(self, manifest: str) -> Optional[dict]:
        """The clean-tree snapshot recorded for the manifest at real path ``manifest``, if any."""
        if self.file is None:
            return None
        try:
            document = json.loads(self._snapshot_file(manifest).read_bytes())
        except (OSError, ValueError):
            return None
        if not (isinstance(document, dict) and document.get("version") == VERSION
                and isinstance(document.get("shards"), int) and isinstance(document.get("tree"), str)
                and isinstance(document.get("key"), str)):
            return None
        return document

    def record_snapshot(self, manifest: str, key: Optional[str], tree: Optional[str], shards: int) -> None:
        """Record (or, with ``key=None``, forget) that the manifest verified clean against this tree.

        Only called for audits with no finding at all, over files whose mtimes
        are outside the racy window, so the snapshot never vouches for a file
        that could have changed unseen.
        """
        if self.file is None:
            return
        path = self._snapshot_file(manifest)
        try:
            if key is None:
                path.unlink()
                return
            path.parent.mkdir(parents=True, exist_ok=True)
            document = {"version": VERSION, "key": key, "tree": tree, "shards": shards}
            write_atomic(path, json.dumps(document, sort_keys=True).encode("ascii"))
        except (OSError, ValueError):
            return


def tree_signature(files: Dict[str, os.stat_result]) -> str:
    """sha256 over every (path, size, mtime_ns, ctime_ns, inode) of a walk, in path order."""
    rows = [(rel, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino) for rel, st in files.items()]
    rows.sort()
    # repr() is unambiguous for str and int (and escapes lone surrogates), and runs in C.
    return hashlib.sha256(repr(rows).encode("utf-8")).hexdigest()


def all_settled(files: Dict[str, os.stat_result], started_ns: int) -> bool:
    """True when every file's mtime is older than ``started_ns`` less the racy window."""
    limit = started_ns - RACY_WINDOW_NS
    return all(st.st_mtime_ns < limit for st in files.values())
