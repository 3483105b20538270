"""The finding model shared by every check and every reporter.

A check yields :class:`Finding` objects; reporters turn them into text, JSON,
GitHub workflow commands or SARIF. Nothing here knows about a specific check.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional


class Severity(enum.IntEnum):
    """Finding severity, ordered; the names are SARIF 2.1.0 ``level`` values (§3.27.10)."""

    NOTE = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        """Lower-case name used in every output format: ``error``, ``warning`` or ``note``."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        """Parse ``error|warning|note`` (case-insensitive).

        Raises:
            ValueError: for any other word.
        """
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected error, warning or note)") from None


@dataclass(frozen=True)
class Location:
    """Where a finding points: a POSIX path relative to the repository root.

    ``line`` and ``column`` are 1-based; ``None`` means unknown (whole file).
    ``path`` may be ``""`` for findings about the repository as a whole.
    """

    path: str
    line: Optional[int] = None
    column: Optional[int] = None
    end_line: Optional[int] = None
    end_column: Optional[int] = None

    # ``path`` is kept exactly as the file system gave it: a name that is not UTF-8
    # holds lone surrogates (PEP 383). Each reporter escapes it losslessly for its
    # format (``escape.py``): ``\udcff`` in JSON, ``%FF`` in SARIF URIs,
    # ``\xff`` in text and annotations.


def display_path(path: str) -> str:
    """``path`` as UTF-8-encodable text: undecodable bytes as ``\\xNN`` escapes, as ``git ls-files`` shows them.

    Fingerprints are computed over this form, so baselines written before paths
    were kept raw still match.
    """
    if not any("\ud800" <= ch <= "\udfff" for ch in path):
        return path
    return "".join(_escaped(ch) if "\ud800" <= ch <= "\udfff" else ch for ch in path)


def _escaped(surrogate: str) -> str:
    code = ord(surrogate)
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


@dataclass(frozen=True)
class Finding:
    """One problem found by a check.

    Attributes:
        rule_id: ``<check>/<kebab-name>``, registered in :mod:`governance_hooks.rules`.
        severity: the SARIF level.
        message: one sentence a person can act on.
        location: where it is.
        suggestion: how to fix it, when the check knows a safe fix.
        evidence: small JSON-serialisable data (attack string, witness, hashes).
        identity: optional stable text that identifies the finding across line
            shifts (e.g. the offending pattern); defaults to the message.
    """

    rule_id: str
    severity: Severity
    message: str
    location: Location
    suggestion: Optional[str] = None
    evidence: Optional[Mapping[str, Any]] = None
    identity: Optional[str] = field(default=None, compare=False)

    @property
    def check(self) -> str:
        """The check name, the part of ``rule_id`` before the first ``/``."""
        return self.rule_id.split("/", 1)[0]

    def fingerprint(self) -> str:
        """A hex sha256 that survives unrelated line shifts.

        Built from rule id, path and ``identity`` (or the message), plus
        ``evidence["payload"]`` when a check sets it; never from line numbers.
        Used by baselines and SARIF ``partialFingerprints``. ``payload`` is the
        content that makes a content finding what it is (the exact bytes of a
        dangerous pickle as ``sha256:<hex>``, the command it runs): a baseline
        entry then accepts that payload only, never a swapped one that reads the same.
        """
        import hashlib  # here, not at the top: most commands never fingerprint (start-up time)
        import json

        parts = [self.rule_id, display_path(self.location.path), self.identity if self.identity is not None else self.message]
        payload = self.evidence.get("payload") if isinstance(self.evidence, Mapping) else None
        if payload is not None:
            parts.append(_jsonable(payload))
        basis = json.dumps(parts, ensure_ascii=False)
        # Lone surrogates (from a JSON string "\\ud800") are hashed as their code points, never an error.
        return hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()

    def sort_key(self) -> tuple:
        """Order by path, line, column, then most severe first, then rule id."""
        loc = self.location
        return (loc.path, loc.line or 0, loc.column or 0, -int(self.severity), self.rule_id, self.message)

    def to_dict(self) -> dict:
        """The JSON shape fixed by DESIGN.md; absent values are ``None``."""
        loc = self.location
        return {
            "rule_id": self.rule_id,
            "severity": self.severity.label,
            "message": self.message,
            "path": loc.path,
            "line": loc.line,
            "column": loc.column,
            "end_line": loc.end_line,
            "end_column": loc.end_column,
            "suggestion": self.suggestion,
            "evidence": _jsonable(self.evidence) if self.evidence is not None else None,
        }


def _jsonable(value: Any) -> Any:
    """Coerce evidence into JSON types (tuples to lists, bytes to latin-1 text, others to str)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [_jsonable(v) for v in items]
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    return str(value)


def count_by_severity(findings) -> dict:
    """Return ``{"error": n, "warning": n, "note": n}`` for an iterable of findings."""
    counts = {s.label: 0 for s in sorted(Severity, reverse=True)}
    for f in findings:
        counts[f.severity.label] += 1
    return counts
