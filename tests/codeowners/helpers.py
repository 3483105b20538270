"""Small helpers shared by the CODEOWNERS tests."""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from governance_hooks.codeowners.analysis import Options, analyze
from governance_hooks.codeowners.ownership import Ownership
from governance_hooks.codeowners.parser import decode, parse


def model_of(text: str, dialect: str = "auto"):
    decoded, issues = decode(text.encode("utf-8"))
    return parse(decoded, dialect, issues)


def owners(text: str, path: str, dialect: str = "auto") -> Tuple[List[str], Optional[int]]:
    """``(owners, deciding line)`` of ``path`` under the CODEOWNERS ``text``."""
    decision = Ownership(model_of(text, dialect)).resolve(path)
    return decision.owners, decision.line


def findings(text: str, files: Sequence[str] = (), dialect: str = "auto", **options):
    return analyze(model_of(text, dialect), list(files), "CODEOWNERS", Options(**options)).findings


def brief(found) -> List[Tuple[str, int, int]]:
    """``(rule_id, line, column)`` of each finding, sorted."""
    return sorted((f.rule_id, f.location.line or 0, f.location.column or 0) for f in found)
