"""A change that weakens the checks reviewing it is itself a finding (``run --changed-since``).

On a pull request the checked repository's own ``[tool.governance-hooks]`` is part
of the change under review. Comparing it with the same table at the base
revision finds what the change switches off: a check that no longer runs,
``fail-on`` raised (fewer findings block), ``ignore`` or ``exclude`` entries
added, ``require-owner`` dropped, conformance turned off, the baseline
accepting more findings. Each becomes a ``<check>/configuration-weakened``
error that names what is weakened; these findings are added after ``ignore``
and the baseline, so the weakening cannot hide itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

from ..findings import Finding, Location, Severity
from ..rules import CHECKS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

RULE = "configuration-weakened"
_FAIL_RANK = {"note": 0, "warning": 1, "error": 2}
#: Per-check keys whose removal or switch to false turns a guard off.
_GUARD_KEYS = {"codeowners": ("require-owner",), "policy": ("conformance",)}


def _show(root: Path, spec: str) -> Optional[bytes]:
    try:
        out = subprocess.run(["git", "show", spec], cwd=root, capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def table_at(root: Path, commit: str, rel: str) -> Dict[str, Any]:
    """``[tool.governance-hooks]`` of ``rel`` at ``commit`` (``{}`` when absent or unreadable there)."""
    data = _show(root, f"{commit}:./{rel}")
    if data is None or len(data) > 16 << 20:
        return {}
    try:
        document = tomllib.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return {}
    table = document.get("tool", {}).get("governance-hooks", {}) if isinstance(document.get("tool"), dict) else {}
    return table if isinstance(table, dict) else {}


def _checks_list(table: Dict[str, Any]) -> Optional[List[str]]:
    value = table.get("checks")
    run = table.get("run")
    if value is None and isinstance(run, dict):
        value = run.get("checks")
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else None


def _strings(value: Any) -> List[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def weakenings(base: Dict[str, Any], head: Dict[str, Any]) -> Dict[str, List[str]]:
    """What ``head`` weakens relative to ``base``, per check (both are ``[tool.governance-hooks]`` tables).

    Returns:
        ``{check: [reason, ...]}`` for the checks weakened, in :data:`CHECKS` order.
    """
    out: Dict[str, List[str]] = {}

    def add(check: str, reason: str) -> None:
        out.setdefault(check, []).append(reason)

    old_fail = base.get("fail-on", "error")
    new_fail = head.get("fail-on", "error")
    if _FAIL_RANK.get(new_fail, 2) > _FAIL_RANK.get(old_fail, 2):
        for check in CHECKS:
            add(check, f"fail-on raised from {old_fail} to {new_fail}, so fewer findings block")
    old_checks, new_checks = _checks_list(base), _checks_list(head)
    if new_checks is not None:
        before = set(CHECKS) if old_checks is None else set(old_checks)
        for check in CHECKS:
            if check in before and check not in new_checks:
                add(check, f"checks no longer lists {check}, so it does not run")
    for check in CHECKS:
        old = base.get(check) if isinstance(base.get(check), dict) else {}
        new = head.get(check) if isinstance(head.get(check), dict) else {}
        for key in ("ignore", "exclude"):
            added = [v for v in _strings(new.get(key)) if v not in _strings(old.get(key))]
            if added:
                add(check, f"{key} adds {', '.join(json.dumps(a) for a in added)}")
        for key in _GUARD_KEYS.get(check, ()):
            was, now = old.get(key), new.get(key, False if key == "require-owner" else True)
            if was and not now:
                add(check, f"{key} turned off (was {json.dumps(was)})")
            elif isinstance(was, list) and isinstance(now, list) and set(was) - set(now):
                add(check, f"{key} drops {', '.join(json.dumps(g) for g in sorted(set(was) - set(now)))}")
    return out


def baseline_growth(root: Path, commit: str, rel: str, head_counts) -> int:
    """How many more accepted findings the baseline ``rel`` holds now than at ``commit``."""
    data = _show(root, f"{commit}:./{rel}")
    before: Dict[str, int] = {}
    if data is not None:
        try:
            for entry in json.loads(data.decode("utf-8-sig")).get("findings", []):
                fp = entry.get("fingerprint") if isinstance(entry, dict) else None
                if isinstance(fp, str):
                    before[fp] = before.get(fp, 0) + 1
        except (ValueError, AttributeError, UnicodeDecodeError, RecursionError):
            before = {}
    return sum(max(0, n - before.get(fp, 0)) for fp, n in head_counts.items())


def findings(weak: Dict[str, List[str]], config_rel: str) -> Dict[str, List[Finding]]:
    """One error finding per weakened check, at the configuration file."""
    return {
        check: [Finding(f"{check}/{RULE}", Severity.ERROR,
                        f"this change weakens the {check} check: {'; '.join(reasons)}",
                        Location(config_rel), identity="; ".join(reasons),
                        evidence={"weakened": reasons})]
        for check, reasons in weak.items()
    }


def review(root: Path, rev: str, config_source: Optional[Path], head: Dict[str, Any], running: List[str],
           discovered: List[str], baseline_rel: Optional[str], baseline_counts) -> Dict[str, List[Finding]]:
    """The ``configuration-weakened`` findings of a ``--changed-since REV`` run, per check.

    Args:
        config_source: the configuration file in force; one outside the repository
            (an operator's ``--config``) is trusted and not reviewed.
        head: that configuration's ``[tool.governance-hooks]`` table as loaded now.
        running: the checks that run now; discovered: the files discovery sees
            (a check dropped from ``checks`` counts only if it had inputs).
        baseline_rel / baseline_counts: the baseline in the repository and its
            fingerprints now, when one is used.
    """
    from ..repo import is_within, relative_posix
    from .. import changes
    from .selection import DISCOVERY

    if config_source is not None and not is_within(config_source, root):
        return {}
    config_rel = relative_posix(config_source, root) if config_source is not None else "pyproject.toml"
    commit = changes.diff_base(root, rev)
    weak = weakenings(table_at(root, commit, config_rel), head)
    kept: Dict[str, List[str]] = {}
    for check, reasons in weak.items():
        for reason in reasons:
            if reason.startswith("checks no longer lists") and not DISCOVERY[check][0](discovered):
                continue  # it had nothing to check anyway
            if reason.startswith("fail-on") and check not in running:
                continue
            kept.setdefault(check, []).append(reason)
    if baseline_rel is not None and baseline_counts is not None:
        grown = baseline_growth(root, commit, baseline_rel, baseline_counts)
        if grown:
            for check in running:
                kept.setdefault(check, []).append(f"the baseline {baseline_rel} accepts {grown} more finding(s)")
    return findings(kept, config_rel)
