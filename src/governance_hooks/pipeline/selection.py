"""Which checks ``governance-hooks run`` executes, and why the others are skipped.

Precedence:

1. ``--checks a,b`` on the command line;
2. ``checks = [...]`` in ``[tool.governance-hooks]`` (or ``[tool.governance-hooks.run]``);
3. otherwise discovery: a check runs when it has its own configuration
   sub-table or when the repository holds the kind of file it checks.

Discovery looks at the whole file list (``git ls-files``), not only changed
files: a pull request that edits one Python file still has its CODEOWNERS
checked against the whole tree. The patterns mirror the hooks'
``files`` filters in ``.pre-commit-hooks.yaml``.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence

from ..config import Config
from ..errors import ToolError
from ..rules import CHECKS

_CODEOWNERS = {".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS"}
_PYTHON = re.compile(r"\.pyi?$")
_PYTHON_OR_JSON = re.compile(r"\.(pyi?|json)$")
_METRICS = re.compile(r"\.(ndjson|jsonl)(\.gz)?$")
_POLICY = re.compile(r"^\.governance/[^/]+\.(ya?ml|smt2)$")
# As governance_hooks.manifest.discover: manifest.json, SHA256SUMS, NAME.sha256sum.
_MANIFEST = re.compile(r"(^|/)(manifest\.json|SHA256SUMS|[^/]+\.sha256sum)$")
_CHECKPOINT = re.compile(r"\.(pt|pth|ckpt|bin|pkl|pickle|joblib|npy|npz|safetensors)$")


def _first(pattern: "re.Pattern[str]") -> Callable[[Sequence[str]], bool]:
    return lambda files: any(pattern.search(f) for f in files)


#: Per check: (does the file list hold its inputs?, what is missing when not).
DISCOVERY: Dict[str, tuple] = {
    "codeowners": (lambda files: any(f in _CODEOWNERS for f in files), "no CODEOWNERS file"),
    "redos": (_first(_PYTHON_OR_JSON), "no Python or JSON Schema files"),
    "metrics": (_first(_METRICS), "no *.ndjson or *.jsonl files"),
    "policy": (_first(_POLICY), "no .governance/policy.yaml"),
    "manifest": (_first(_MANIFEST), "no dataset manifest (manifest.json, SHA256SUMS, *.sha256sum)"),
    "checkpoint": (_first(_CHECKPOINT), "no checkpoint or pickle files"),
    "semgrep": (_first(_PYTHON), "no Python files"),
}


@dataclass(frozen=True)
class Selection:
    """One check's fate: run it (``skip is None``) or skip it with the reason."""

    check: str
    skip: Optional[str] = None


def parse_check_list(text: str, origin: str) -> List[str]:
    """Split ``"a,b"`` into check names, validating each.

    Raises:
        ToolError: an unknown or empty name (``origin`` names where it came from).
    """
    names = [part.strip() for part in text.split(",")]
    return validate_checks(names, origin)


def validate_checks(names: Sequence[object], origin: str) -> List[str]:
    """Check names in :data:`CHECKS` order, without duplicates.

    Raises:
        ToolError: a name that is not a check.
    """
    for name in names:
        if not isinstance(name, str) or name not in CHECKS:
            raise ToolError(f"{origin}: unknown check {name!r} (known: {', '.join(CHECKS)})")
    return [c for c in CHECKS if c in names]


def configured_checks(config: Config) -> Optional[List[str]]:
    """``checks`` from the configuration (top level or the ``run`` table), or ``None``.

    Raises:
        ToolError: when it is not a list of check names.
    """
    run_table = config.settings.get("run", {})
    if not isinstance(run_table, dict):
        raise ToolError(f"{config.source}: [tool.governance-hooks] run must be a table")
    unknown = set(run_table) - {"checks", "baseline"}
    if unknown:
        raise ToolError(
            f"{config.source}: unknown key {sorted(unknown)[0]!r} in [tool.governance-hooks.run] (known: baseline, checks)"
        )
    value = config.settings.get("checks", run_table.get("checks"))
    if value is None:
        return None
    if not isinstance(value, list):
        raise ToolError(f"{config.source}: [tool.governance-hooks] checks must be a list of check names")
    return validate_checks(value, f"{config.source}: checks")


def available(check: str) -> bool:
    """True when this installation has the check's command module."""
    try:
        return importlib.util.find_spec(f"governance_hooks.{check}.command") is not None
    except ModuleNotFoundError:
        return False


def select(requested: Optional[Sequence[str]], config: Config, files: Callable[[], Sequence[str]]) -> List[Selection]:
    """Decide, for every check in :data:`CHECKS` order, whether it runs.

    Args:
        requested: ``--checks`` (already validated), or ``None``.
        config: the loaded configuration.
        files: returns the repository's file list; called only for discovery.

    Raises:
        ToolError: a bad ``checks`` setting in the configuration.
    """
    explicit = list(requested) if requested is not None else configured_checks(config)
    listing: Optional[Sequence[str]] = None
    out: List[Selection] = []
    for check in CHECKS:
        if explicit is not None and check not in explicit:
            out.append(Selection(check, "not in the selected checks"))
            continue
        if not available(check):
            out.append(Selection(check, "not available in this installation"))
            continue
        if explicit is not None:
            out.append(Selection(check))
            continue
        if check in config.checks:
            out.append(Selection(check))
            continue
        if listing is None:
            listing = files()
        found, missing = DISCOVERY[check]
        out.append(Selection(check, None if found(listing) else missing))
    return out
