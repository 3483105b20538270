"""Checkpoint integrity: metadata v1 and v2 digests, and best-k ``index.json`` consistency.

Formats (DESIGN.md, "Formats inherited from the ML repositories this serves"):

* v1: ``metadata.json`` beside the checkpoint with ``schema_version``, ``created_at``,
  ``git_sha``, ``config_hash``, ``rng``, ``env``, ``metric_key``, ``metric_value``,
  ``sha256``; the checkpoint is named by ``path`` (or ``checkpoint``) when present,
  else it is the one checkpoint-like file in that folder. Best-k ``index.json``:
  ``schema_version``, ``metric_key``, ``mode`` (``min``|``max``), ``top_k``, ``entries``
  of ``{path, metric, created_at, sha256}``, best first.
* v2: a folder with ``state.pt``, ``metadata.json`` (``schema_version`` 2,
  ``digest_sha256``, ``environment``) and ``state.sha256``; the three digests must agree.

Git LFS pointers stand in for their object: they are compared by oid (and size where
a size is recorded), never hashed or scanned. All functions are pure apart from
reading the files they are given; problems come back as :class:`Problem`.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Dict, List, Optional, Tuple

from ..safe_open import open_repo_file, read_repo_bytes
from .. import hashing
from ..jsonpos import Document, JsonPositionError, parse
from ..jsonpos import escape_token as escape  # re-exported in __all__
from . import rules

HEX64 = re.compile(r"[0-9a-f]{64}")
_STATE_LINE = re.compile(r"^(?P<hex>[0-9A-Fa-f]{64})(?:\s+\*?(?P<name>\S.*))?$")
#: Largest metadata/index file read (bytes); bigger ones are findings, not reads.
MAX_JSON_BYTES = 16 << 20


@dataclass
class Problem:
    """One integrity finding before it gets a repository-relative path.

    Attributes:
        rule_id: a rule of :mod:`.rules`.
        path: the file it is about (absolute).
        message: the sentence for the user.
        line, column: 1-based position in ``path`` when known.
        pointer: JSON pointer of the offending value.
        evidence: digests and other data.
    """

    rule_id: str
    path: Path
    message: str
    line: Optional[int] = None
    column: Optional[int] = None
    pointer: Optional[str] = None
    evidence: Dict[str, Any] = field(default_factory=dict)


class Digests:
    """sha256 of checkpoint files, computed once per run; LFS pointers give their oid instead.

    ``digest(path)`` returns ``(hex, size, is_lfs)``. ``root`` is the repository: every
    file this run reads (checkpoints, metadata, ``state.sha256``) is refused at the open
    when it resolves outside it (``None``: no such check, for paths the operator named).
    """

    def __init__(self, root: Optional[Path] = None) -> None:
        self.root = root
        self._cache: Dict[Path, Tuple[str, int, bool]] = {}

    def digest(self, path: Path) -> Tuple[str, int, bool]:
        """Raises ``OSError`` when the file cannot be read."""
        if path not in self._cache:
            pointer = hashing.read_lfs_pointer(path, self.root)
            if pointer is not None:
                self._cache[path] = (pointer.oid, pointer.size, True)
            else:
                self._cache[path] = (hashing.sha256_file(path, self.root), path.stat().st_size, False)
        return self._cache[path]


def _load(path: Path, problems: List[Problem], root: Optional[Path] = None) -> Optional[Document]:
    try:
        size = path.stat().st_size
        if size > MAX_JSON_BYTES:
            problems.append(Problem(rules.MALFORMED_METADATA, path, f"{path.name} is {size} bytes, over the {MAX_JSON_BYTES}-byte limit"))
            return None
        data = read_repo_bytes(path, root, limit=MAX_JSON_BYTES)
    except OSError as exc:
        problems.append(Problem(rules.MALFORMED_METADATA, path, f"cannot read {path.name}: {exc.strerror or exc}"))
        return None
    try:
        doc = parse(data)
    except JsonPositionError as exc:
        problems.append(Problem(rules.MALFORMED_METADATA, path, f"{path.name} is not valid JSON: {exc.message}",
                                exc.line, exc.column, ""))
        return None
    for pointer in doc.duplicates:
        line, col = doc.key_positions[pointer]
        problems.append(Problem(rules.MALFORMED_METADATA, path, f"{pointer}: duplicate key (readers disagree on which value wins)",
                                line, col, pointer))
    return doc


def _bad(problems: List[Problem], path: Path, doc: Document, pointer: str, message: str) -> None:
    line, col = doc.where(pointer)
    problems.append(Problem(rules.MALFORMED_METADATA, path, f"{pointer or '/'}: {message}", line, col, pointer))


def _is_number(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def metadata_version(doc: Document) -> Optional[int]:
    """2 for v2 metadata (``schema_version`` 2 or a ``digest_sha256`` key), 1 otherwise; ``None`` if not an object."""
    value = doc.value
    if not isinstance(value, dict):
        return None
    version = value.get("schema_version")
    if version in (2, "2", "2.0") or ("digest_sha256" in value and "sha256" not in value):
        return 2
    return 1


def _safe_relative(base: Path, rel: str, root: Path) -> Optional[Path]:
    """``base/rel`` if ``rel`` is relative and stays inside ``base`` (symlinks resolved) and the repository."""
    if not rel or rel.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", rel) or "\\" in rel or "\0" in rel:
        return None
    parts = PurePosixPath(rel).parts
    depth = 0
    for part in parts:
        depth += -1 if part == ".." else (0 if part == "." else 1)
        if depth < 0:
            return None
    target = base / rel
    real_base = os.path.realpath(base)
    real_target = os.path.realpath(target)
    if os.path.commonpath([real_base, real_target]) != real_base:
        return None
    if os.path.commonpath([os.path.realpath(root), real_target]) != os.path.realpath(root):
        return None
    return target


def check_v1_metadata(path: Path, doc: Document, root: Path, checkpoint_candidates: Callable[[Path], List[Path]],
                      digests: Digests, problems: List[Problem]) -> None:
    """v1 ``metadata.json``: fields, and its ``sha256`` against the checkpoint's bytes."""
    meta = doc.value
    folder = path.parent
    if "schema_version" not in meta:
        _bad(problems, path, doc, "", "missing required key schema_version")
    elif not (type(meta["schema_version"]) in (int, str) and str(meta["schema_version"]).split(".")[0] == "1"):
        _bad(problems, path, doc, "/schema_version", f"schema_version {meta['schema_version']!r} is not 1")
    for key, check, what in (
        ("created_at", lambda v: (type(v) is int and v >= 0) or isinstance(v, str), "an integer epoch or a timestamp string"),
        ("git_sha", lambda v: isinstance(v, str) and re.fullmatch(r"[0-9a-f]{7,64}", v) is not None, "a lowercase hex commit id"),
        ("config_hash", lambda v: isinstance(v, str) and v != "", "a non-empty string"),
        ("metric_key", lambda v: isinstance(v, str) and v != "", "a non-empty string"),
        ("metric_value", _is_number, "a finite number"),
        ("rng", lambda v: isinstance(v, (dict, int, str)), "an object, integer or string"),
        ("env", lambda v: isinstance(v, dict), "an object"),
    ):
        if key in meta and not check(meta[key]):
            _bad(problems, path, doc, f"/{key}", f"{key} must be {what}")
    recorded = meta.get("sha256")
    if recorded is None:
        _bad(problems, path, doc, "", "missing required key sha256")
        return
    if not isinstance(recorded, str) or not HEX64.fullmatch(recorded):
        _bad(problems, path, doc, "/sha256", "sha256 must be 64 lowercase hex digits")
        return
    name_key = next((k for k in ("path", "checkpoint") if k in meta), None)
    if name_key is not None:
        rel = meta[name_key]
        target = _safe_relative(folder, rel, root) if isinstance(rel, str) else None
        if target is None:
            _bad(problems, path, doc, f"/{name_key}", f"{name_key} {rel!r} must be a relative path inside {folder.name}/")
            return
        pointer = f"/{name_key}"
    else:
        candidates = checkpoint_candidates(folder)
        if len(candidates) != 1:
            what = "no checkpoint file" if not candidates else f"{len(candidates)} checkpoint files ({', '.join(sorted(c.name for c in candidates))})"
            line, col = doc.where("/sha256")
            rule = rules.MISSING_FILE if not candidates else rules.MALFORMED_METADATA
            problems.append(Problem(rule, path, f"the folder holds {what}; name the checkpoint with a \"path\" key", line, col, "/sha256"))
            return
        target, pointer = candidates[0], "/sha256"
    if not target.is_file():
        line, col = doc.where(pointer)
        problems.append(Problem(rules.MISSING_FILE, path, f"checkpoint {target.name} does not exist", line, col, pointer))
        return
    try:
        actual, size, lfs = digests.digest(target)
    except OSError as exc:
        problems.append(Problem(rules.MISSING_FILE, path, f"cannot read checkpoint {target.name}: {exc.strerror or exc}"))
        return
    _check_size(problems, path, doc, "", meta, size, lfs, target.name)
    if actual != recorded:
        line, col = doc.where("/sha256")
        source = "its Git LFS pointer oid" if lfs else "a fresh hash of"
        problems.append(Problem(
            rules.DIGEST_MISMATCH, path,
            f"/sha256 is {recorded[:12]}… but {source} {target.name} is {actual[:12]}…",
            line, col, "/sha256", {"recorded": recorded, "actual": actual, "checkpoint": target.name, "lfs": lfs}))


def _check_size(problems: List[Problem], path: Path, doc: Document, base: str, record: dict, size: int,
                lfs: bool, name: str) -> None:
    """An optional ``size`` (bytes) beside a digest must match the file, or the LFS pointer's size."""
    if "size" not in record:
        return
    recorded = record["size"]
    pointer = f"{base}/size"
    if type(recorded) is not int or recorded < 0:
        _bad(problems, path, doc, pointer, "size must be a non-negative integer (bytes)")
    elif recorded != size:
        line, col = doc.where(pointer)
        source = "its Git LFS pointer says" if lfs else "the file has"
        problems.append(Problem(rules.DIGEST_MISMATCH, path, f"{pointer} is {recorded} bytes but {source} {size} ({name})",
                                line, col, pointer, {"recorded_size": recorded, "actual_size": size, "lfs": lfs}))


def read_state_sha256(path: Path, root: Optional[Path] = None) -> Tuple[Optional[str], Optional[str]]:
    """``(hex, problem)`` from a ``state.sha256`` file: ``<hex>`` or ``<hex>  state.pt`` (sha256sum format).

    ``root``: the repository; a file resolving outside it is refused at the open (a problem).
    """
    try:
        with open_repo_file(path, root, limit=None) as handle:
            data = handle.read(4096)
    except OSError as exc:
        return None, f"cannot read {path.name}: {exc.strerror or exc}"
    try:
        text = data.decode("utf-8").lstrip("\ufeff").strip()
    except UnicodeDecodeError:
        return None, f"{path.name} is not UTF-8 text"
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if len(lines) != 1:
        return None, f"{path.name} must hold exactly one digest line, found {len(lines)}"
    match = _STATE_LINE.match(lines[0])
    if match is None:
        return None, f"{path.name} does not start with a 64-hex-digit sha256"
    if match.group("name") not in (None, "state.pt", "./state.pt"):
        return None, f"{path.name} describes {match.group('name')!r}, not state.pt"
    if match.group("hex") != match.group("hex").lower():
        return None, f"{path.name} digest must be lowercase hex"
    return match.group("hex"), None


def check_v2_folder(folder: Path, digests: Digests, problems: List[Problem]) -> None:
    """v2: ``metadata.json`` ``digest_sha256``, ``state.sha256`` and a fresh hash of ``state.pt`` must agree."""
    meta_path, sha_path, state_path = folder / "metadata.json", folder / "state.sha256", folder / "state.pt"
    recorded_meta: Optional[str] = None
    meta_where: Tuple[Optional[int], Optional[int]] = (None, None)
    if meta_path.is_file():
        doc = _load(meta_path, problems, digests.root)
        if doc is not None:
            meta = doc.value
            if not isinstance(meta, dict):
                _bad(problems, meta_path, doc, "", "metadata must be a JSON object")
            else:
                if meta.get("schema_version") not in (2, "2", "2.0"):
                    _bad(problems, meta_path, doc, "/schema_version" if "schema_version" in meta else "",
                         f"schema_version must be 2, found {meta.get('schema_version')!r}")
                if "environment" in meta and not isinstance(meta["environment"], dict):
                    _bad(problems, meta_path, doc, "/environment", "environment must be an object")
                value = meta.get("digest_sha256")
                if value is None:
                    _bad(problems, meta_path, doc, "", "missing required key digest_sha256")
                elif not isinstance(value, str) or not HEX64.fullmatch(value):
                    _bad(problems, meta_path, doc, "/digest_sha256", "digest_sha256 must be 64 lowercase hex digits")
                else:
                    recorded_meta = value
                    meta_where = doc.where("/digest_sha256")
    else:
        problems.append(Problem(rules.MISSING_FILE, folder / "state.pt" if state_path.is_file() else sha_path,
                                "the v2 checkpoint folder has no metadata.json"))
    recorded_file: Optional[str] = None
    if sha_path.is_file():
        recorded_file, problem = read_state_sha256(sha_path, digests.root)
        if problem:
            problems.append(Problem(rules.MALFORMED_METADATA, sha_path, problem, 1, 1))
    else:
        problems.append(Problem(rules.MISSING_FILE, meta_path if meta_path.is_file() else state_path,
                                "the v2 checkpoint folder has no state.sha256"))
    fresh: Optional[str] = None
    lfs = False
    if state_path.is_file():
        try:
            fresh, _, lfs = digests.digest(state_path)
        except OSError as exc:
            problems.append(Problem(rules.MISSING_FILE, state_path, f"cannot read state.pt: {exc.strerror or exc}"))
    else:
        problems.append(Problem(rules.MISSING_FILE, meta_path if meta_path.is_file() else sha_path,
                                "the v2 checkpoint folder has no state.pt"))
    values = {"metadata.json digest_sha256": recorded_meta, "state.sha256": recorded_file,
              "state.pt (fresh hash)" if not lfs else "state.pt (LFS oid)": fresh}
    known = {k: v for k, v in values.items() if v is not None}
    if len(set(known.values())) <= 1:
        return
    evidence = {"metadata_digest_sha256": recorded_meta, "state_sha256": recorded_file, "state_pt": fresh, "lfs": lfs}
    counts: Dict[str, int] = {}
    for v in known.values():
        counts[v] = counts.get(v, 0) + 1
    majority = [v for v, n in counts.items() if n >= 2]
    if majority and len(known) == 3:
        odd = next(k for k, v in known.items() if v != majority[0])
        evidence["disagrees"] = odd
        message = f"{odd} is {known[odd][:12]}… but the other two say {majority[0][:12]}…"
        if odd.startswith("metadata"):
            problems.append(Problem(rules.DIGEST_MISMATCH, meta_path, message, meta_where[0], meta_where[1], "/digest_sha256", evidence))
        elif odd == "state.sha256":
            problems.append(Problem(rules.DIGEST_MISMATCH, sha_path, message, 1, 1, None, evidence))
        else:
            problems.append(Problem(rules.DIGEST_MISMATCH, state_path, message, None, None, None, evidence))
        return
    evidence["disagrees"] = "all" if len(known) == 3 else " and ".join(known)
    listing = ", ".join(f"{k} {v[:12]}…" for k, v in known.items())
    where = meta_path if meta_path.is_file() else (sha_path if sha_path.is_file() else state_path)
    line, col = meta_where if where == meta_path else ((1, 1) if where == sha_path else (None, None))
    problems.append(Problem(rules.DIGEST_MISMATCH, where, f"the digests disagree: {listing}", line, col,
                            "/digest_sha256" if where == meta_path else None, evidence))


def looks_like_index(doc: Document) -> bool:
    """A best-k index is an object with ``entries`` or ``top_k`` (content sniffing; names are common)."""
    return isinstance(doc.value, dict) and ("entries" in doc.value or "top_k" in doc.value)


def check_index(path: Path, doc: Document, root: Path, digests: Digests, problems: List[Problem]) -> None:
    """Best-k ``index.json``: schema, paths inside the folder, files present, digests, order, ``top_k``."""
    index = doc.value
    folder = path.parent
    if not isinstance(index, dict):
        _bad(problems, path, doc, "", "the index must be a JSON object")
        return
    for key in ("schema_version", "metric_key", "mode", "top_k", "entries"):
        if key not in index:
            _bad(problems, path, doc, "", f"missing required key {key}")
    mode = index.get("mode")
    if "mode" in index and mode not in ("min", "max"):
        _bad(problems, path, doc, "/mode", f"mode must be \"min\" or \"max\", found {mode!r}")
        mode = None
    top_k = index.get("top_k")
    if "top_k" in index and not (type(top_k) is int and top_k >= 1):
        _bad(problems, path, doc, "/top_k", f"top_k must be a positive integer, found {top_k!r}")
        top_k = None
    if "metric_key" in index and not (isinstance(index["metric_key"], str) and index["metric_key"]):
        _bad(problems, path, doc, "/metric_key", "metric_key must be a non-empty string")
    entries = index.get("entries")
    if entries is None:
        return
    if not isinstance(entries, list):
        _bad(problems, path, doc, "/entries", "entries must be a list")
        return
    metrics: List[Tuple[int, float]] = []
    seen_paths: Dict[str, int] = {}
    for i, entry in enumerate(entries):
        base = f"/entries/{i}"
        if not isinstance(entry, dict):
            _bad(problems, path, doc, base, "entry must be an object")
            continue
        for key in ("path", "metric", "created_at", "sha256"):
            if key not in entry:
                _bad(problems, path, doc, base, f"entry is missing {key}")
        metric = entry.get("metric")
        if "metric" in entry:
            if _is_number(metric):
                metrics.append((i, metric))
            else:
                _bad(problems, path, doc, f"{base}/metric", f"metric must be a finite number, found {metric!r}")
        created = entry.get("created_at")
        if "created_at" in entry and not ((type(created) is int and created >= 0) or isinstance(created, str)):
            _bad(problems, path, doc, f"{base}/created_at", "created_at must be an integer epoch or a timestamp string")
        sha = entry.get("sha256")
        if "sha256" in entry and (not isinstance(sha, str) or not HEX64.fullmatch(sha)):
            _bad(problems, path, doc, f"{base}/sha256", "sha256 must be 64 lowercase hex digits")
            sha = None
        rel = entry.get("path")
        if "path" not in entry:
            continue
        if not isinstance(rel, str):
            _bad(problems, path, doc, f"{base}/path", "path must be a string")
            continue
        if rel in seen_paths:
            _bad(problems, path, doc, f"{base}/path", f"path {rel!r} already listed at /entries/{seen_paths[rel]}")
            continue
        seen_paths[rel] = i
        target = _safe_relative(folder, rel, root)
        if target is None:
            line, col = doc.where(f"{base}/path")
            problems.append(Problem(rules.PATH_ESCAPE, path, f"{base}/path {rel!r} leaves the checkpoint directory {folder.name}/",
                                    line, col, f"{base}/path", {"path": rel}))
            continue
        if not target.is_file():
            line, col = doc.where(f"{base}/path")
            problems.append(Problem(rules.MISSING_FILE, path, f"{base}/path {rel!r} does not exist", line, col, f"{base}/path", {"path": rel}))
            continue
        if sha is None:
            continue
        try:
            actual, size, lfs = digests.digest(target)
        except OSError as exc:
            problems.append(Problem(rules.MISSING_FILE, path, f"{base}/path {rel!r} cannot be read: {exc.strerror or exc}"))
            continue
        _check_size(problems, path, doc, base, entry, size, lfs, rel)
        if actual != sha:
            line, col = doc.where(f"{base}/sha256")
            source = "its Git LFS pointer oid" if lfs else "a fresh hash"
            problems.append(Problem(rules.DIGEST_MISMATCH, path,
                                    f"{base}/sha256 is {sha[:12]}… but {source} of {rel} is {actual[:12]}…",
                                    line, col, f"{base}/sha256", {"recorded": sha, "actual": actual, "path": rel, "lfs": lfs}))
    if mode is not None:
        for (i, prev), (j, cur) in zip(metrics, metrics[1:]):
            better = cur > prev if mode == "max" else cur < prev
            if better:
                line, col = doc.where(f"/entries/{j}/metric")
                order = "descending" if mode == "max" else "ascending"
                problems.append(Problem(rules.INDEX_ORDER, path,
                                        f"/entries/{j}/metric {cur!r} is better than /entries/{i}/metric {prev!r} "
                                        f"but listed after it: mode {mode} needs {order} order, best first",
                                        line, col, f"/entries/{j}/metric", {"mode": mode, "previous": prev, "metric": cur}))
    if top_k is not None and len(entries) > top_k:
        line, col = doc.where(f"/entries/{top_k}")
        problems.append(Problem(rules.INDEX_TOO_MANY, path,
                                f"/entries holds {len(entries)} entries but top_k is {top_k}",
                                line, col, f"/entries/{top_k}", {"top_k": top_k, "entries": len(entries)}))


def load_json(path: Path, problems: List[Problem], root: Optional[Path] = None) -> Optional[Document]:
    """Parse a metadata or index file, adding a problem (with line and column) when it is not valid JSON.

    ``root``: the repository; a file resolving outside it is refused at the open (a problem).
    """
    return _load(path, problems, root)


__all__ = ["Problem", "Digests", "check_index", "check_v1_metadata", "check_v2_folder", "load_json",
           "looks_like_index", "metadata_version", "read_state_sha256", "escape"]
