"""Build a dataset manifest v1.0: deterministic text, written atomically; ``--update`` diffs.

Determinism: shards sorted by path (code point order), keys sorted, one shard
per line (so a git diff of the manifest names exactly the shards that
changed), UTF-8 without escaping non-ASCII, ``\\n`` line ends, and
``created_at`` taken from ``SOURCE_DATE_EPOCH`` when set
(https://reproducible-builds.org/specs/source-date-epoch/).
"""

from __future__ import annotations

import json
import os
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Deque, Dict, List, Optional, Tuple

from ..errors import ToolError
from ..hashing import parse_lfs_pointer
from .audit import UNREADABLE, UNSAFE, Verdict
from .cache import StatCache
from .exclude import Excluder
from .hasher import hash_many
from .parse_json import SCHEMA_VERSION
from .paths import unsafe_reason
from .tree import walk


@dataclass
class Scan:
    """What ``build`` found under a root.

    Attributes:
        shards: ``{"path", "sha256", "size"}`` dicts sorted by path.
        problems: files that cannot be listed (unsafe names, escaping symlinks,
            unreadable files); a manifest is not written while there are any.
        pointers: paths recorded from a Git LFS pointer's oid and size.
        stats: files and bytes hashed, cache hits.
    """

    shards: List[dict] = field(default_factory=list)
    problems: List[Verdict] = field(default_factory=list)
    pointers: List[str] = field(default_factory=list)
    stats: Dict[str, int] = field(default_factory=dict)


def created_at(now: Optional[Callable[[], float]] = None) -> int:
    """``SOURCE_DATE_EPOCH`` if set, else the current time, as integer epoch seconds.

    Raises:
        ToolError: when ``SOURCE_DATE_EPOCH`` is not a non-negative integer (the spec
            asks tools to fail rather than guess).
    """
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None or value == "":
        return int((now or time.time)())
    if not value.isdigit() or not value.isascii():
        raise ToolError(f"SOURCE_DATE_EPOCH={value!r}: expected a non-negative integer (seconds since 1970)")
    return int(value)


def scan(root: str, skip: Optional[str], excluder: Excluder, cache: StatCache, workers: Optional[int] = None,
         progress: Optional[Callable[[int], Optional[Callable[[int], None]]]] = None) -> Scan:
    """Hash every non-excluded file under the real path ``root`` (``skip``: the output manifest, relative)."""
    result = Scan()
    tree = walk(root, skip_dir=excluder.folder, skip={skip} if skip else set())
    for rel in sorted(tree.escaping):
        if not excluder.file(rel):
            result.problems.append(Verdict(UNSAFE, rel, None, "is a symlink that resolves outside the dataset root",
                                           {"target": tree.escaping[rel]}))
    for rel in sorted(tree.odd):
        if not excluder.file(rel):
            result.problems.append(Verdict(UNREADABLE, rel, None, tree.odd[rel]))
    files = []
    for rel in sorted(tree.files):
        if excluder.file(rel):
            continue
        reason = unsafe_reason(rel)
        if reason is None and _undecodable(rel):
            reason = "is not valid UTF-8, so a JSON manifest cannot name it"
        if reason is not None:
            result.problems.append(Verdict(UNSAFE, rel, None, reason))
            continue
        files.append(rel)
    known: Dict[str, str] = {}
    to_hash: List[Tuple[str, str, int]] = []
    for rel in files:
        st = tree.files[rel]
        cached = cache.get(rel, st) if st.st_size > 1024 else None  # small files: re-read for LFS pointers
        if cached is not None:
            known[rel] = cached
        else:
            to_hash.append((rel, tree.open_path(rel), st.st_size))
    callback = progress(sum(i[2] for i in to_hash)) if (progress is not None and to_hash) else None
    digests = hash_many(to_hash, workers, callback)
    sizes = {rel: tree.files[rel].st_size for rel in files}
    for rel, digest in digests.items():
        if digest.sha256 is None:
            result.problems.append(Verdict(UNREADABLE, rel, None, f"cannot be read: {digest.error}"))
            continue
        if digest.stable and digest.stat is not None:
            cache.put(rel, digest.stat, digest.sha256)
        known[rel] = digest.sha256
        sizes[rel] = digest.stat.st_size if digest.stat is not None else sizes[rel]
        pointer = parse_lfs_pointer(digest.head) if digest.head else None
        if pointer is not None:
            known[rel], sizes[rel] = pointer.oid, pointer.size
            result.pointers.append(rel)
    for rel in files:
        if rel in known:
            result.shards.append({"path": rel, "sha256": known[rel], "size": sizes[rel]})
    cache.save(tree.files.keys())
    result.stats = {"files_hashed": len(digests), "bytes_hashed": sum(i[2] for i in to_hash),
                    "cache_hits": cache.hits}
    return result


def _undecodable(rel: str) -> bool:
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def render(created: int, dataset_id: Optional[str], shards: List[dict]) -> str:
    """The canonical text of a v1.0 manifest (keys sorted, one shard per line, trailing newline)."""
    def dump(value) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))

    lines = ["{", f'  "created_at": {int(created)},', f'  "dataset_id": {dump(dataset_id)},',
             f'  "schema_version": {dump(SCHEMA_VERSION)},']
    ordered = sorted(shards, key=lambda s: s["path"])
    if ordered:
        body = ",\n".join("    " + dump({"path": s["path"], "sha256": s["sha256"], "size": s["size"]})
                          for s in ordered)
        lines.append('  "shards": [\n' + body + "\n  ]")
    else:
        lines.append('  "shards": []')
    return "\n".join(lines) + "\n}\n"


@dataclass(frozen=True)
class Change:
    """One difference between an old and a new shard list: added, removed, changed or moved."""

    kind: str
    path: str
    old: Optional[dict] = None
    new: Optional[dict] = None
    new_path: Optional[str] = None


def diff(old: List[dict], new: List[dict]) -> List[Change]:
    """Changes from ``old`` to ``new`` shard lists (each ``{"path", "sha256", "size"}``).

    A removed path whose sha256 and size reappear under an added path is a move.
    Result order: by path.
    """
    before = {s["path"]: s for s in old}
    after = {s["path"]: s for s in new}
    changes: List[Change] = []
    removed = [p for p in sorted(before) if p not in after]
    added = [p for p in sorted(after) if p not in before]
    by_content: Dict[Tuple[str, int], Deque[str]] = {}
    for p in added:
        by_content.setdefault((after[p]["sha256"], after[p]["size"]), deque()).append(p)
    moved_to = set()
    for p in removed:
        targets = by_content.get((before[p]["sha256"], before[p]["size"]))
        if targets:
            target = targets.popleft()
            moved_to.add(target)
            changes.append(Change("moved", p, before[p], after[target], target))
        else:
            changes.append(Change("removed", p, before[p]))
    for p in added:
        if p not in moved_to:
            changes.append(Change("added", p, None, after[p]))
    for p in sorted(set(before) & set(after)):
        if (before[p]["sha256"], before[p]["size"]) != (after[p]["sha256"], after[p]["size"]):
            changes.append(Change("changed", p, before[p], after[p]))
    changes.sort(key=lambda c: (c.path, c.kind))
    return changes


def describe(change: Change, show: Callable[[str], str]) -> str:
    """One line of the ``--update`` diff: ``~`` changed, ``R`` moved, ``+`` added, ``-`` removed."""
    if change.kind == "changed":
        parts = []
        if change.old["size"] != change.new["size"]:
            parts.append(f"size {change.old['size']} -> {change.new['size']}")
        parts.append(f"sha256 {change.old['sha256'][:16]}... -> {change.new['sha256'][:16]}...")
        return f"~ {show(change.path)}: {', '.join(parts)}"
    if change.kind == "moved":
        return f"R {show(change.path)} -> {show(change.new_path)}"
    if change.kind == "added":
        return f"+ {show(change.path)} ({change.new['size']} bytes, sha256 {change.new['sha256'][:16]}...)"
    return f"- {show(change.path)}"
