"""The parsed manifest: entries with their source positions, and the manifest's own defects."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, NamedTuple, Optional, Set, Tuple

#: Manifest formats: the JSON dataset manifest v1.0 and GNU coreutils ``sha256sum`` lines.
JSON = "json"
SHA256SUMS = "sha256sums"

Position = Tuple[Optional[int], Optional[int]]


class Entry(NamedTuple):
    """One shard listed in a manifest (a named tuple: manifests can list millions).

    Attributes:
        path: the shard path as listed (relative POSIX, not yet checked for safety).
        sha256: 64 lowercase hex digits.
        size: bytes, or ``None`` when the format has no sizes (``sha256sum`` files).
        index: position in the manifest (0-based), for stable ordering.
        pointer: JSON pointer of the entry (``/shards/3``); ``""`` for sha256sum lines.
        line: 1-based line when known at parse time (sha256sum lines), else ``None``.
    """

    path: str
    sha256: str
    size: Optional[int]
    index: int
    pointer: str = ""
    line: Optional[int] = None


@dataclass(frozen=True)
class Problem:
    """A defect of the manifest itself (becomes ``manifest/malformed-manifest``).

    ``pointer`` is the JSON pointer of the offending value (``""`` = the document);
    ``line``/``column`` are 1-based when known directly (syntax errors, sha256sum lines).
    """

    message: str
    pointer: Optional[str] = None
    line: Optional[int] = None
    column: Optional[int] = None


@dataclass
class Manifest:
    """A manifest read from ``path``.

    Attributes:
        path: the manifest file.
        format: :data:`JSON` or :data:`SHA256SUMS`.
        entries: the well-formed entries, in file order.
        problems: the manifest's own defects (malformed parts are not verified).
        listed: every path string the manifest claims, including entries that are
            otherwise malformed, so their files are not also reported as new.
        covers_folder: True when the manifest describes its whole dataset root
            (manifest.json, SHA256SUMS), so unlisted files are "new"; False for
            per-file ``NAME.sha256sum`` files.
        dataset_id, created_at: the JSON header fields (``None`` when absent).
        recognised: for ``manifest.json``, whether it is a dataset manifest at all
            (``schema_version`` "1.0" or a ``shards`` key, or broken JSON that
            mentions ``"shards"``) rather than, say, a web app manifest.
        usable: whether the shard listing could be read at all (the JSON parsed
            and ``shards`` is an array); an unusable manifest is reported but
            not audited, since every file would look new.
        locate: maps a JSON pointer to a 1-based (line, column); built lazily
            because only findings need positions.
    """

    path: Path
    format: str
    entries: List[Entry] = field(default_factory=list)
    problems: List[Problem] = field(default_factory=list)
    listed: Set[str] = field(default_factory=set)
    covers_folder: bool = True
    dataset_id: Optional[str] = None
    created_at: Optional[int] = None
    recognised: bool = True
    usable: bool = True
    locate: Optional[Callable[[str], Position]] = None

    def position(self, entry: Optional[Entry] = None, pointer: Optional[str] = None) -> Position:
        """1-based (line, column) of ``entry`` or of a JSON ``pointer``; (None, None) when unknown."""
        if entry is not None and entry.line is not None:
            return entry.line, 1
        target = entry.pointer if entry is not None else pointer
        if target is None or self.locate is None:
            return None, None
        return self.locate(target)
