"""Configuration: the ``[tool.governance-hooks]`` table of ``pyproject.toml``.

Layout::

    [tool.governance-hooks]
    fail-on = "error"                 # optional default for --fail-on
    [tool.governance-hooks.codeowners]
    ignore = ["codeowners/unowned-file"]
    ...

Command-line flags override the file. Each check validates its own sub-table;
this module only finds, parses and splits the document.
"""

from __future__ import annotations

import fnmatch
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

from .errors import ToolError
from . import rules

TABLE = "governance-hooks"
#: Top-level keys allowed besides the per-check sub-tables.
GLOBAL_KEYS = {"fail-on", "checks", "run"}
#: A configuration file is small; a larger one (or /dev/zero) is refused before it is read whole.
MAX_CONFIG_BYTES = 16 << 20


@dataclass
class Config:
    """Parsed configuration.

    Attributes:
        source: the file it came from, or ``None`` when defaults are used.
        settings: the top-level keys (``fail-on``, ``checks``, ``run``).
        checks: one dict per check sub-table (missing ones are ``{}``).
    """

    source: Optional[Path] = None
    settings: Dict[str, Any] = field(default_factory=dict)
    checks: Dict[str, Dict[str, Any]] = field(default_factory=dict)

    def for_check(self, check: str) -> Dict[str, Any]:
        """The sub-table for ``check`` (an empty dict if absent)."""
        return self.checks.get(check, {})

    def ignored(self, check: str) -> List[str]:
        """Rule ids (or ``fnmatch`` globs such as ``redos/*``) the user ignores for ``check``."""
        value = self.for_check(check).get("ignore", [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ToolError(f"{self.source}: [tool.{TABLE}.{check}] ignore must be a list of rule ids")
        return value


def load(path: Optional[Path], root: Path) -> Config:
    """Load configuration.

    Args:
        path: an explicit ``--config`` file (a ``pyproject.toml`` or any TOML file
            holding ``[tool.governance-hooks]``, or the table's keys at top level).
            ``None`` means ``<root>/pyproject.toml`` if it exists.
        root: the repository root.

    Raises:
        ToolError: unreadable file, invalid TOML, or an unknown sub-table.
    """
    explicit = path is not None
    if path is None:
        path = root / "pyproject.toml"
        if not os.path.lexists(path):
            return Config()  # a link to a device, a FIFO or a loop is refused below, not taken as "absent"
    from .safe_open import UnsafeFile, read_repo_bytes

    # Imported here: most runs have no configuration file, and the parser costs start-up time.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on older interpreters only
        import tomli as tomllib

    try:
        # The repository's own pyproject.toml is repository content: no link out, no FIFO or device.
        raw = read_repo_bytes(path, None if explicit else root, limit=MAX_CONFIG_BYTES)
    except UnsafeFile as exc:
        if exc.too_large is not None:
            raise ToolError(f"{path}: configuration is larger than {MAX_CONFIG_BYTES:,} bytes") from None
        if exc.reason.endswith("not a regular file"):
            raise ToolError(f"{path}: configuration is not a regular file") from None
        if exc.errno is not None:
            raise ToolError(f"{path}: cannot read configuration: {exc.strerror}") from None
        raise ToolError(f"{path}: configuration {exc.reason}; not read") from None
    try:
        document = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ToolError(f"{path}: configuration is not valid UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ToolError(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ToolError(f"{path}: invalid TOML: nested too deeply") from None
    tool = document.get("tool", {})
    if not isinstance(tool, dict):
        raise ToolError(f"{path}: [tool] must be a table")
    table = tool.get(TABLE)
    if table is None:
        if not explicit:
            return Config(source=None)
        table = document
    if not isinstance(table, dict):
        raise ToolError(f"{path}: [tool.{TABLE}] must be a table")
    settings: Dict[str, Any] = {}
    checks: Dict[str, Dict[str, Any]] = {}
    for key, value in table.items():
        if key in rules.CHECKS:
            if not isinstance(value, dict):
                raise ToolError(f"{path}: [tool.{TABLE}.{key}] must be a table")
            checks[key] = value
        elif key in GLOBAL_KEYS:
            settings[key] = value
        else:
            known = ", ".join(sorted(set(rules.CHECKS) | GLOBAL_KEYS))
            raise ToolError(f"{path}: unknown key {key!r} in [tool.{TABLE}] (known: {known})")
    return Config(source=path, settings=settings, checks=checks)


def matches_any(rule_id: str, patterns: Iterable[str]) -> bool:
    """True if ``rule_id`` equals or ``fnmatch``-matches one of ``patterns``."""
    return any(rule_id == p or fnmatch.fnmatchcase(rule_id, p) for p in patterns)


def require_keys(check: str, table: Dict[str, Any], allowed: Iterable[str], source: Optional[Path]) -> None:
    """Raise :class:`ToolError` if ``table`` has a key outside ``allowed`` (``ignore`` is always allowed)."""
    allowed = set(allowed) | {"ignore"}
    for key in table:
        if key not in allowed:
            raise ToolError(
                f"{source or 'configuration'}: unknown key {key!r} in [tool.{TABLE}.{check}] "
                f"(known: {', '.join(sorted(allowed))})"
            )
