"""Baselines: the findings a legacy repository has accepted, so CI fails only on new ones.

File format (JSON, UTF-8, sorted, written atomically)::

    {
      "tool": "governance-hooks",
      "format": 1,
      "findings": [
        {"fingerprint": "<sha256>", "rule_id": "codeowners/...", "path": "...", "message": "..."},
        ...
      ]
    }

Identity is :meth:`Finding.fingerprint` (rule id, path and the finding's stable
identity, never a line number), so unrelated edits that shift lines keep a
finding baselined. Matching counts occurrences: a baseline holding a
fingerprint twice absorbs two findings with it, and a third is new.
``rule_id``, ``path`` and ``message`` are there for people reviewing the file.
Internal errors are never baselined: they mean a check did not run.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple

from ..atomic import write_atomic
from ..escape import json_safe
from ..errors import ToolError
from ..findings import Finding

FORMAT = 1
#: Largest baseline read (about a million findings); bounds memory for /dev/zero or a runaway file.
MAX_BASELINE_BYTES = 256 << 20


def _is_internal(f: Finding) -> bool:
    return f.rule_id.endswith("/internal-error")


def load(path: Path) -> Counter:
    """The fingerprints of a baseline file, with their multiplicity.

    Raises:
        ToolError: missing, unreadable or malformed file (one line naming it).
    """
    from ..safe_open import open_repo_file

    try:
        # Regular files only, never blocking: a baseline that is a link to /proc/self/fd/1 must not hang the run.
        with open_repo_file(path, None, limit=None) as handle:
            raw = handle.read(MAX_BASELINE_BYTES + 1)
    except FileNotFoundError:
        raise ToolError(f"{path}: baseline not found (create it with --write-baseline {path})") from None
    except OSError as exc:
        raise ToolError(f"{path}: cannot read baseline: {exc.strerror or exc}") from None
    if len(raw) > MAX_BASELINE_BYTES:
        raise ToolError(f"{path}: baseline is larger than {MAX_BASELINE_BYTES:,} bytes")
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ToolError(f"{path}: baseline is not valid JSON: {exc}") from None
    except RecursionError:
        raise ToolError(f"{path}: baseline is not valid JSON: nested too deeply") from None
    if not isinstance(document, dict) or not isinstance(document.get("findings"), list):
        raise ToolError(f"{path}: not a governance-hooks baseline (expected an object with a \"findings\" list)")
    if document.get("format", FORMAT) != FORMAT:
        raise ToolError(f"{path}: baseline format {document.get('format')!r} is not supported (expected {FORMAT})")
    counts: Counter = Counter()
    for i, entry in enumerate(document["findings"]):
        fp = entry.get("fingerprint") if isinstance(entry, dict) else None
        if not isinstance(fp, str) or len(fp) != 64:
            raise ToolError(f"{path}: findings[{i}] has no 64-character \"fingerprint\"")
        counts[fp] += 1
    return counts


def split(findings: Sequence[Finding], accepted: Counter) -> Tuple[List[Finding], List[Finding]]:
    """Split ``findings`` into ``(new, baselined)``; ``accepted`` is not modified.

    Findings are consumed in their given order, so with duplicates the first
    ones are the baselined ones.
    """
    remaining = Counter(accepted)
    new: List[Finding] = []
    old: List[Finding] = []
    for f in findings:
        fp = f.fingerprint()
        if not _is_internal(f) and remaining[fp] > 0:
            remaining[fp] -= 1
            old.append(f)
        else:
            new.append(f)
    return new, old


def entries(findings: Iterable[Finding]) -> List[Dict[str, str]]:
    """Baseline entries for ``findings`` (internal errors left out), sorted for stable diffs."""
    rows = [
        {"fingerprint": f.fingerprint(), "rule_id": f.rule_id, "path": f.location.path, "message": f.message}
        for f in findings
        if not _is_internal(f)
    ]
    rows.sort(key=lambda r: (r["path"], r["rule_id"], r["fingerprint"], r["message"]))
    return rows


def write(path: Path, findings: Iterable[Finding], *, keep_checks_not_run: Sequence[str] = ()) -> int:
    """Write a baseline of ``findings`` atomically; returns the number of entries.

    Args:
        keep_checks_not_run: checks that did not run this time; their entries in
            an existing file at ``path`` are kept, so ``--checks a`` does not
            erase the accepted findings of check ``b``.

    Raises:
        ToolError: when the file cannot be written, or the existing one cannot be read.
    """
    rows = entries(findings)
    if keep_checks_not_run and Path(path).exists():
        kept = set(keep_checks_not_run)
        for entry in _raw_entries(path):
            if str(entry.get("rule_id", "")).split("/", 1)[0] in kept:
                rows.append(entry)
        rows.sort(key=lambda r: (r.get("path", ""), r.get("rule_id", ""), r["fingerprint"], r.get("message", "")))
    document = {"tool": "governance-hooks", "format": FORMAT, "findings": rows}
    text = json_safe(json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True)) + "\n"
    try:
        write_atomic(Path(path), text)
    except OSError as exc:
        raise ToolError(f"{path}: cannot write baseline: {exc.strerror or exc}") from None
    return len(rows)


def _raw_entries(path: Path) -> List[dict]:
    load(path)  # validates, raising a one-line ToolError when malformed
    from ..safe_open import read_repo_bytes

    document = json.loads(read_repo_bytes(path, None, limit=MAX_BASELINE_BYTES).decode("utf-8-sig"))
    return [e for e in document["findings"] if isinstance(e, dict)]
