"""Where the shipped Semgrep rule pack lives and what it contains.

The pack is package data (``governance_hooks/data/semgrep``) so that a
non-editable install, as pre-commit makes, carries it; the repository's
top-level ``semgrep_rules`` is a symbolic link to the same folder. Each rule
``<id>.yaml`` sits beside its annotated test target ``<id>.py`` (Semgrep's
``--test`` layout: ``# ruleid: <id>`` and ``# ok: <id>`` mark the next line).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

from ..errors import ToolError


def pack_dir() -> Path:
    """The folder of the shipped rule pack.

    Raises:
        ToolError: when the package was installed without its data files.
    """
    from importlib.resources import files

    folder = Path(str(files("governance_hooks") / "data" / "semgrep"))
    if not folder.is_dir() or not any(folder.glob("*.yaml")):
        raise ToolError(f"{folder}: the Semgrep rule pack is missing from this installation of governance-hooks")
    return folder


def rule_files(folder: Path) -> List[Path]:
    """The rule files of ``folder`` (``*.yaml``), sorted by name."""
    return sorted(folder.glob("*.yaml"))


def load_rules(folder: Path) -> List[Dict[str, Any]]:
    """Every Semgrep rule of the pack as a dict, in file order (used by tests and docs).

    Raises:
        ToolError: a rule file that is not valid YAML with a ``rules`` list.
    """
    import yaml

    rules: List[Dict[str, Any]] = []
    for path in rule_files(folder):
        try:
            # libyaml when present: the same documents, 10x faster (start-up of a one-file commit)
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            document = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        except (OSError, yaml.YAMLError) as exc:
            raise ToolError(f"{path}: cannot read Semgrep rules: {str(exc).splitlines()[0]}") from None
        if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
            raise ToolError(f"{path}: a Semgrep rule file must hold a `rules:` list")
        rules.extend(document["rules"])
    return rules
