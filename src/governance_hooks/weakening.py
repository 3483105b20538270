"""A change that weakens the checks reviewing it is itself a finding (``--changed-since`` / ``--base``).

On a pull request the checked repository's own ``[tool.governance-hooks]`` is part
of the change under review. Comparing it with the same table at the base
revision finds what the change switches off: a check that no longer runs,
``fail-on`` raised (fewer findings block), ``ignore`` or ``exclude`` entries
added, ``require-owner`` dropped, conformance turned off, the baseline
accepting more findings, a limit moved the weak way (:data:`LIMITS`), a
setting that accepts more turned on (:data:`LOOSENING_FLAGS`), entries added
to an allow-list (:data:`ALLOW_LISTS`) or removed from what is scanned
(:data:`SCOPE_LISTS`), ``known-owners`` dropped, a choice of what is read
changed (:data:`CHOICES`), a manifest ``datasets`` entry remapped. Each becomes
a ``<check>/configuration-weakened`` error that names what is weakened; these
findings are added after ``ignore`` and the baseline, so the weakening cannot
hide itself.

One comparison serves both runners: ``governance-hooks run --changed-since`` (all
checks, :mod:`governance_hooks.pipeline.config_guard`) and a check's own
subcommand given a base revision (:func:`check_findings`, from
:func:`governance_hooks.commands.run_check`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from .findings import Finding, Location, Severity
from .rules import CHECKS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

RULE = "configuration-weakened"
_FAIL_RANK = {"note": 0, "warning": 1, "error": 2}
#: Per-check keys whose removal or switch to false turns a guard off.
_GUARD_KEYS = {"codeowners": ("require-owner",), "policy": ("conformance",)}

RAISED, LOWERED = "raised", "lowered"
#: ``{check: {key: (weak direction, default)}}``. A limit past which content is an
#: *error* (fail closed) weakens when raised: it lets checked content claim more of
#: the runner's memory and time before the check stops it. A limit past which
#: content is reported *below* error (a note or warning that does not block)
#: weakens when lowered: more content goes unjudged without blocking. Defaults are
#: the checks' own (a test compares them).
LIMITS: Dict[str, Dict[str, Tuple[str, float]]] = {
    "metrics": {"max-line-bytes": (RAISED, 16 << 20), "max-depth": (RAISED, 256),
                "max-decompressed-bytes": (RAISED, 16 << 30)},
    "checkpoint": {"max-opcodes": (RAISED, 2_000_000), "opcodes-per-mb": (RAISED, 1 << 20),
                   "max-decompressed-mb": (RAISED, 512), "max-ratio": (RAISED, 4000), "ratio-floor-mb": (RAISED, 256)},
    "policy": {"rlimit": (RAISED, 20_000_000), "smt-timeout": (RAISED, 30)},
    "redos": {"min-degree": (RAISED, 2), "analysis-timeout": (LOWERED, 3.0), "confirm-timeout": (LOWERED, 3.0),
              "max-states": (LOWERED, 5000)},
    "semgrep": {"timeout": (LOWERED, 10.0), "budget": (LOWERED, 600.0), "max-file-bytes": (LOWERED, 1_000_000)},
    "manifest": {"max-manifest-bytes": (LOWERED, 256 << 20)},
}
_WHY = {
    RAISED: "past this limit content is refused as an error; a higher one lets checked content claim more "
            "memory and time first",
    LOWERED: "past this limit content is not judged and does not block",
}
#: Keys whose weak direction is about what is reported, not a resource limit.
_WHY_KEY = {"min-degree": "fewer polynomial backtracking regexes are reported"}
#: Per-check booleans that accept more when switched from the default ``False`` to ``True``.
LOOSENING_FLAGS = {"metrics": ("allow-nan", "allow-blank-lines"), "policy": ("allow-unknown",)}
#: Per-check lists whose *added* entries accept more (globals a pickle may call, owners taken as real).
ALLOW_LISTS = {"checkpoint": ("allow-globals",), "codeowners": ("known-owners",)}
#: Per-check lists whose *removed* entries check less, with the default when the key is absent
#: (``None``: the key has no default list; compared only when the base sets it).
_PICKLE_ENDINGS = (".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".p", ".pk", ".dill", ".sav", ".joblib")
_ARCHIVE_SUFFIXES = (".tar", ".gz", ".z", ".bz2", ".xz", ".lzma", ".lz4", ".zip")
#: The checkpoint check's default ``extensions`` (a test compares them with the check's own).
CHECKPOINT_EXTENSIONS = (_PICKLE_ENDINGS + tuple(b + x for b in _PICKLE_ENDINGS for x in _ARCHIVE_SUFFIXES)
                         + (".bin", ".npy", ".npz", ".safetensors"))
SCOPE_LISTS: Dict[str, Dict[str, Optional[Tuple[str, ...]]]] = {
    "metrics": {"cross-checks": ()},
    "redos": {"schemas": ("*.schema.json",), "data-keys": (), "data-files": ()},
    "checkpoint": {"extensions": CHECKPOINT_EXTENSIONS},
}
#: Per-check settings that choose *what* is read and how, with their defaults: any change weakens, because
#: each value hides something another reads (codeowners ``dialect``: ``gitlab`` skips ``.github/CODEOWNERS``,
#: ``github`` skips ``.gitlab/CODEOWNERS``, ``auto`` reads a root file with a ``[Section]`` the GitLab way).
CHOICES: Dict[str, Dict[str, str]] = {"codeowners": {"dialect": "auto"}}


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
        for reason in _option_weakenings(check, old, new):
            add(check, reason)
    return out


def _number(value: Any) -> Optional[float]:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _quoted(values, shown: int = 5) -> str:
    text = ", ".join(json.dumps(v) for v in values[:shown])
    return text + (f" and {len(values) - shown} more" if len(values) > shown else "")


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _option_weakenings(check: str, old: Dict[str, Any], new: Dict[str, Any]) -> List[str]:
    """Reasons from one check's table: limits, loosening flags, allow-lists, scope lists, choices, datasets."""
    reasons: List[str] = []
    for key, (weak, default) in LIMITS.get(check, {}).items():
        was, now = _number(old.get(key, default)), _number(new.get(key, default))
        if was is None or now is None:
            continue  # not a number: the check itself refuses the configuration
        if (weak == RAISED and now > was) or (weak == LOWERED and now < was):
            reasons.append(f"{key} {weak} from {_fmt(was)} to {_fmt(now)} ({_WHY_KEY.get(key, _WHY[weak])})")
    for key in LOOSENING_FLAGS.get(check, ()):
        if new.get(key) is True and old.get(key, False) is not True:
            reasons.append(f"{key} turned on, so more is accepted")
    for key in ALLOW_LISTS.get(check, ()):
        was, now = old.get(key), new.get(key)
        if isinstance(was, list) and now is None:
            reasons.append(f"{key} removed (it listed {len(was)} {'entry' if len(was) == 1 else 'entries'}), "
                           "so owners are no longer checked against a list"
                           if check == "codeowners" else f"{key} removed")
        elif isinstance(now, list):
            added = [v for v in _strings(now) if v not in _strings(was)]
            if added and (was is not None or check != "codeowners"):
                reasons.append(f"{key} adds {_quoted(added)}")
    for key, default in SCOPE_LISTS.get(check, {}).items():
        was = old.get(key, list(default) if default is not None else None)
        now = new.get(key, list(default) if default is not None else None)
        if isinstance(was, list) and isinstance(now, list):
            fold = (lambda v: v.lower()) if key == "extensions" else (lambda v: v)  # endings are case-insensitive
            kept = {fold(v) for v in _strings(now)}
            dropped = [v for v in _strings(was) if fold(v) not in kept]
            if dropped:
                reasons.append(f"{key} drops {_quoted(dropped)}, so less is checked")
    for key, default in CHOICES.get(check, {}).items():
        was, now = old.get(key, default), new.get(key, default)
        if isinstance(was, str) and isinstance(now, str) and was != now:
            reasons.append(f"{key} changed from {json.dumps(was)} to {json.dumps(now)}, so another file or "
                           "another reading of it is checked")
    if check == "manifest":
        reasons += _dataset_remaps(old.get("datasets"), new.get("datasets"))
    return reasons


def _dataset_map(value: Any) -> Dict[str, str]:
    if not isinstance(value, list):
        return {}
    return {item["manifest"]: item["root"] for item in value
            if isinstance(item, dict) and isinstance(item.get("manifest"), str) and isinstance(item.get("root"), str)}


def _dataset_remaps(old: Any, new: Any) -> List[str]:
    """A manifest verified against another folder than before: its files are no longer the ones hashed."""
    was, now = _dataset_map(old), _dataset_map(new)
    reasons = []
    for manifest in sorted(set(was) | set(now)):
        before = was.get(manifest, "its own folder")
        after = now.get(manifest, "its own folder")
        if before != after:
            reasons.append(f"datasets remaps {json.dumps(manifest)} from {json.dumps(before) if manifest in was else before} "
                           f"to {json.dumps(after) if manifest in now else after}")
    return reasons


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


def key_of(reason: str) -> str:
    """The configuration key a reason is about: every reason of :func:`weakenings` starts with it."""
    return reason.split(" ", 1)[0]


def compare(root: Path, rev: str, config_source: Optional[Path],
            head: Dict[str, Any]) -> Optional[Tuple[str, str, Dict[str, List[str]]]]:
    """Compare the configuration in force with the same file at the merge base of ``rev`` and HEAD.

    Args:
        config_source: the configuration file in force (``None``: none, compared as ``pyproject.toml``);
            one outside the repository (an operator's ``--config``) is trusted and not reviewed.
        head: its ``[tool.governance-hooks]`` table as loaded now.

    Returns:
        ``(base commit, configuration path relative to root, weakenings)``, or ``None`` when not reviewed.

    Raises:
        ToolError: ``rev`` names no commit (from :func:`governance_hooks.changes.diff_base`).
    """
    from .repo import is_within, relative_posix
    from . import changes

    if config_source is not None and not is_within(config_source, root):
        return None
    config_rel = relative_posix(config_source, root) if config_source is not None else "pyproject.toml"
    commit = changes.diff_base(root, rev)
    return commit, config_rel, weakenings(table_at(root, commit, config_rel), head)


def check_findings(check: str, root: Path, rev: str, config_source: Optional[Path], head: Dict[str, Any],
                   overridden: Tuple[str, ...] = ()) -> List[Finding]:
    """The ``configuration-weakened`` finding of ``governance-hooks <check>`` run with a base revision.

    The same comparison as ``run --changed-since``, for one check. Left out: ``checks``
    (it selects what ``run`` runs; the subcommand runs regardless) and the keys in
    ``overridden``, which the trusted command line sets, so the repository's value has no effect.
    """
    compared = compare(root, rev, config_source, head)
    if compared is None:
        return []
    _, config_rel, weak = compared
    reasons = [r for r in weak.get(check, []) if key_of(r) not in ("checks",) + tuple(overridden)]
    return findings({check: reasons}, config_rel)[check] if reasons else []
