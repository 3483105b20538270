"""The verify audit: every listed shard and every file under the dataset root gets a verdict.

Not a first-error stop: one pass classifies everything (ok, changed, missing,
moved, new, duplicate, unreadable, LFS pointer, unsafe path, caseless
collision). Work is ordered so the expensive part, hashing, touches only what
the stat cache cannot vouch for.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Deque, Dict, List, Optional, Tuple

from ..hashing import LFS_POINTER_MAX, parse_lfs_pointer
from .cache import StatCache, all_settled, tree_signature
from .exclude import Excluder
from .hasher import Digest, hash_many
from .model import Entry, Manifest
from .paths import assign_shards, collisions, unsafe_reason
from .tree import Tree, locate, walk

OK = "ok"
CHANGED = "changed"
MISSING = "missing"
MOVED = "moved"
NEW = "new"
DUPLICATE = "duplicate"
UNREADABLE = "unreadable"
POINTER = "pointer"
UNSAFE = "unsafe"
COLLISION = "collision"
KINDS = (OK, CHANGED, MISSING, MOVED, NEW, DUPLICATE, UNREADABLE, POINTER, UNSAFE, COLLISION)


@dataclass(frozen=True)
class Verdict:
    """The outcome for one shard or file.

    Attributes:
        kind: one of :data:`KINDS`.
        path: the dataset-relative path concerned (for ``moved``: the listed path).
        entry: the manifest entry, when the verdict is about one.
        detail: what differs, in words (``size``/``sha256`` for changed, the reason otherwise).
        evidence: exact values (expected and actual sha256 and size, the new path of a move).
    """

    kind: str
    path: str
    entry: Optional[Entry] = None
    detail: str = ""
    evidence: Dict[str, object] = field(default_factory=dict)


@dataclass
class AuditOptions:
    """How to audit: exclusions, the stat cache, threads, ``--shard`` and a progress hook.

    ``progress`` is called once with the total bytes to hash and returns the
    per-file callback (or ``None`` for no progress display).
    """

    excluder: Excluder
    cache: StatCache
    workers: Optional[int] = None
    shard: Optional[Tuple[int, int]] = None
    progress: Optional[Callable[[int], Optional[Callable[[int], None]]]] = None


@dataclass
class Audit:
    """The verdicts that need attention (ok shards are only counted, in ``stats["ok"]``)."""

    verdicts: List[Verdict]
    stats: Dict[str, int]
    tree: Tree


#: Shared marker for a shard that matches: ok shards are counted, not listed (a manifest may have millions).
_OK = Verdict(OK, "")


def _judge(entry: Entry, sha: str, size: int, head: Optional[bytes]) -> Verdict:
    """Compare one file's sha256, size and (for small files) LFS pointer with its entry."""
    if sha == entry.sha256 and (entry.size is None or size == entry.size):
        return _OK
    expected = {"expected_sha256": entry.sha256, "expected_size": entry.size}
    pointer = parse_lfs_pointer(head) if head is not None else None
    if pointer is not None:
        evidence = {**expected, "lfs_oid": pointer.oid, "lfs_size": pointer.size}
        if pointer.oid == entry.sha256 and (entry.size is None or pointer.size == entry.size):
            return Verdict(POINTER, entry.path, entry, "lfs pointer", evidence)
        return Verdict(CHANGED, entry.path, entry, "lfs pointer", evidence)
    evidence = {**expected, "actual_sha256": sha, "actual_size": size}
    if entry.size is not None and size != entry.size:
        return Verdict(CHANGED, entry.path, entry, "size", evidence)
    return Verdict(CHANGED, entry.path, entry, "sha256", evidence)


def run_audit(manifest: Manifest, root: str, options: AuditOptions, tree: Optional[Tree] = None,
              snapshot_key: Optional[str] = None) -> Audit:
    """Audit ``manifest`` against the dataset rooted at the real path ``root``.

    With ``options.shard = (k, n)`` only the shards assigned to job ``k`` are
    hashed; the tree-wide verdicts (missing, moved, new, duplicate, unsafe,
    collision) come from job 1 only, so the n reports merge without repeats.
    Never raises for I/O problems: they become ``unreadable`` verdicts.

    ``tree`` is a walk already made by the caller (see :func:`walk_for`). With
    ``snapshot_key`` (the manifest's bytes and the options, see
    :func:`snapshot_key`), a clean audit is recorded as a clean-tree snapshot.
    """
    if tree is None:
        tree = walk_for(manifest, root, options.excluder)
    located = False
    structural = options.shard is None or options.shard[0] == 1
    verdicts: List[Verdict] = []
    stats = {k: 0 for k in KINDS}

    unique: List[Entry] = []
    first: Dict[str, Entry] = {}
    for entry in manifest.entries:
        earlier = first.get(entry.path)
        if earlier is None:
            first[entry.path] = entry
            unique.append(entry)
        elif structural:
            same = (earlier.sha256, earlier.size) == (entry.sha256, entry.size)
            verdicts.append(Verdict(DUPLICATE, entry.path, entry, "identical" if same else "conflicting",
                                    {"first_index": earlier.index, "first_sha256": earlier.sha256,
                                     "first_size": earlier.size, "sha256": entry.sha256, "size": entry.size}))

    owner: Optional[Dict[str, int]] = None
    if options.shard is not None:
        sizes = [(e.path, e.size if e.size is not None else _disk_size(tree, e.path)) for e in unique]
        owner = assign_shards(sizes, options.shard[1])

    to_hash: List[Tuple[object, str, int]] = []  # (key, open path, size)
    pending: Dict[object, Entry] = {}
    missing: List[Entry] = []
    cache = options.cache
    safe: List[str] = []
    ok = 0
    for entry in unique:
        reason = unsafe_reason(entry.path)
        if reason is not None:
            if structural:
                verdicts.append(Verdict(UNSAFE, entry.path, entry, reason))
            continue
        safe.append(entry.path)
        st = tree.files.get(entry.path)
        open_path = None  # resolved only if the file must be read
        if st is not None:
            pass
        elif entry.path in tree.escaping:
            if structural:
                verdicts.append(Verdict(UNSAFE, entry.path, entry,
                                        "is a symlink that resolves outside the dataset root",
                                        {"target": tree.escaping[entry.path]}))
            continue
        else:
            odd = tree.odd.get(entry.path)
            if odd is None:
                kind, info, st = locate(root, entry.path)
                located = True
                if kind == "missing":
                    missing.append(entry)
                    continue
                if kind == "escaping":
                    if structural:
                        verdicts.append(Verdict(UNSAFE, entry.path, entry,
                                                "goes through a symlink that resolves outside the dataset root",
                                                {"target": info}))
                    continue
                if kind == "odd":
                    odd = info
                else:
                    open_path = info
            if odd is not None:
                if owner is None or owner[entry.path] == options.shard[0]:
                    verdicts.append(Verdict(UNREADABLE, entry.path, entry, odd))
                continue
        if owner is not None and owner[entry.path] != options.shard[0]:
            continue
        small = st.st_size <= LFS_POINTER_MAX
        if entry.size is not None and st.st_size != entry.size and not small:
            verdicts.append(Verdict(CHANGED, entry.path, entry, "size",
                                    {"expected_sha256": entry.sha256, "expected_size": entry.size,
                                     "actual_size": st.st_size}))
            continue
        cached = cache.get(entry.path, st)
        if cached == entry.sha256 and (entry.size is None or st.st_size == entry.size):
            ok += 1  # the common case, inlined: a manifest may list millions of shards
            continue
        if cached is not None and not small:
            verdict = _judge(entry, cached, st.st_size, None)
            if verdict is _OK:
                ok += 1
            else:
                verdicts.append(verdict)
            continue
        key = ("entry", entry.path)
        to_hash.append((key, open_path or tree.open_path(entry.path), st.st_size))
        pending[key] = entry

    # Unlisted files: new ones, and the candidates a missing shard may have moved to.
    unlisted: List[str] = []
    if structural and manifest.covers_folder:
        excluded = options.excluder.file
        unlisted = sorted(rel for rel in tree.files if rel not in manifest.listed and not excluded(rel))
        for rel in sorted(tree.escaping):
            if rel not in manifest.listed and not excluded(rel):
                verdicts.append(Verdict(UNSAFE, rel, None, "is a symlink that resolves outside the dataset root",
                                        {"target": tree.escaping[rel]}))
        for rel in sorted(tree.odd):
            if rel not in manifest.listed and not excluded(rel) and not excluded(rel + "/"):
                verdicts.append(Verdict(UNREADABLE, rel, None, tree.odd[rel]))
    candidates: List[str] = []
    if structural and missing and unlisted:
        sizes = {e.size for e in missing}
        any_size = None in sizes
        for rel in unlisted:
            size = tree.files[rel].st_size
            if any_size or size in sizes or size <= LFS_POINTER_MAX:
                cached = cache.get(rel, tree.files[rel])
                if cached is None or size <= LFS_POINTER_MAX:
                    to_hash.append((("file", rel), tree.open_path(rel), size))
                candidates.append(rel)

    total = sum(item[2] for item in to_hash)
    callback = options.progress(total) if (options.progress is not None and to_hash) else None
    digests: Dict[object, Digest] = hash_many(to_hash, options.workers, callback)
    stats_hashed = 0
    for key, digest in digests.items():
        rel = key[1]
        if digest.sha256 is not None:
            stats_hashed += digest.stat.st_size if digest.stat is not None else 0
            if digest.stable and digest.stat is not None:
                cache.put(rel, digest.stat, digest.sha256)
        entry = pending.get(key)
        if entry is None:
            continue
        if digest.sha256 is None:
            verdicts.append(Verdict(UNREADABLE, entry.path, entry, f"cannot be read: {digest.error}"))
        else:
            verdict = _judge(entry, digest.sha256, digest.stat.st_size, digest.head)
            if verdict is _OK:
                ok += 1
            else:
                verdicts.append(verdict)

    if structural:
        verdicts.extend(_moves(missing, candidates, tree, digests, cache))
        moved_to = {v.evidence["moved_to"] for v in verdicts if v.kind == MOVED}
        for rel in unlisted:
            if rel not in moved_to:
                verdicts.append(Verdict(NEW, rel, None, "", {"size": tree.files[rel].st_size}))
        new = [v.path for v in verdicts if v.kind == NEW]
        for group in collisions(safe + new):
            entry = next((first[p] for p in group if p in first), None)
            verdicts.append(Verdict(COLLISION, group[0], entry, "", {"paths": group}))

    cache.save(tree.files.keys())
    if (snapshot_key is not None and options.shard is None and not verdicts and not manifest.problems
            and not located and not tree.escaping and not tree.odd and all_settled(tree.files, cache.started_ns)):
        cache.record_snapshot(os.path.realpath(manifest.path), snapshot_key, tree_signature(tree.files),
                              len(manifest.entries))
    for v in verdicts:
        stats[v.kind] += 1
    stats[OK] = ok
    stats["files_hashed"] = sum(1 for d in digests.values() if d.sha256 is not None)
    stats["bytes_hashed"] = stats_hashed
    stats["cache_hits"] = cache.hits
    verdicts.sort(key=lambda v: (v.entry.index if v.entry is not None else 1 << 62, v.path, v.kind))
    return Audit(verdicts, stats, tree)


def _moves(missing: List[Entry], candidates: List[str], tree: Tree, digests: Dict[object, Digest],
           cache: StatCache) -> List[Verdict]:
    """Pair each missing entry with an unlisted file of the same sha256 and size (or an LFS pointer to it).

    Candidates are indexed by content, so a renamed folder of n shards costs O(n), not O(n^2).
    Each file is the target of at most one entry; ties go to the first path in sorted order.
    """
    by_content: Dict[Tuple[str, int], Deque[str]] = {}
    by_sha: Dict[str, Deque[str]] = {}  # for sha256sum entries, which have no size
    for rel in candidates:  # sorted
        digest = digests.get(("file", rel))
        st = tree.files[rel]
        sha = digest.sha256 if digest is not None else cache.get(rel, st)
        if sha is None:
            continue
        keys = [(sha, st.st_size)]
        pointer = parse_lfs_pointer(digest.head) if digest is not None and digest.head else None
        if pointer is not None:
            keys.append((pointer.oid, pointer.size))
        for key in keys:
            by_content.setdefault(key, deque()).append(rel)
            by_sha.setdefault(key[0], deque()).append(rel)
    taken = set()
    out: List[Verdict] = []
    for entry in missing:
        pool = by_sha.get(entry.sha256) if entry.size is None else by_content.get((entry.sha256, entry.size))
        while pool and pool[0] in taken:
            pool.popleft()
        if not pool:
            out.append(Verdict(MISSING, entry.path, entry, "",
                               {"expected_sha256": entry.sha256, "expected_size": entry.size}))
            continue
        target = pool.popleft()
        taken.add(target)
        out.append(Verdict(MOVED, entry.path, entry, "",
                           {"moved_to": target, "expected_sha256": entry.sha256, "expected_size": entry.size}))
    return out


def walk_for(manifest: Manifest, root: str, excluder: Excluder) -> Tree:
    """Walk the dataset root of ``manifest`` (the manifest itself left out)."""
    manifest_rel = _rel_inside(str(manifest.path), root)
    return walk(root, skip_dir=excluder.folder, skip={manifest_rel} if manifest_rel else set())


def snapshot_key(data: bytes, manifest: str, excluder: Excluder, covers_folder: bool) -> str:
    """What a clean-tree snapshot depends on besides the tree: the manifest's bytes and the options."""
    return json.dumps([hashlib.sha256(data).hexdigest(), manifest, list(excluder.patterns), covers_folder])


def try_snapshot(data: bytes, manifest_path: str, root: str, excluder: Excluder, covers_folder: bool,
                 cache: StatCache) -> Tuple[Optional[int], Optional[Tree], Optional[str]]:
    """Check a recorded clean-tree snapshot: ``(shards, tree, key)``.

    ``shards`` is the number of shards when the manifest bytes, the options and
    every file's (size, mtime, ctime, inode) are exactly those of a previous
    clean audit (so nothing needs parsing or hashing), else ``None``; ``tree``
    is the walk made for the comparison (reusable by :func:`run_audit`) or ``None``.
    """
    real = os.path.realpath(manifest_path)
    key = snapshot_key(data, real, excluder, covers_folder)
    record = cache.snapshot(real)
    if record is None or record["key"] != key:
        return None, None, key
    manifest_rel = _rel_inside(manifest_path, root)
    tree = walk(root, skip_dir=excluder.folder, skip={manifest_rel} if manifest_rel else set())
    if tree.escaping or tree.odd or tree_signature(tree.files) != record["tree"]:
        return None, tree, key
    return record["shards"], tree, key


def _disk_size(tree: Tree, rel: str) -> int:
    st = tree.files.get(rel)
    return st.st_size if st is not None else 0


def _rel_inside(path: str, root: str) -> Optional[str]:
    """``path`` relative to ``root`` (POSIX) if it lies inside, else ``None``."""
    real = os.path.realpath(path)
    if not real.startswith(root.rstrip(os.sep) + os.sep):
        return None
    return os.path.relpath(real, root).replace(os.sep, "/")
