"""Deprecated import paths as Semgrep rules: the built-in pack and a repository's own map.

A *migration* says that importing ``old`` (a dotted module path) is deprecated
and ``new`` replaces it, e.g. a ``tokenization`` module that moved to a new
package and left a shim behind that warns on import. Each migration becomes one
Semgrep rule that matches every way Python can reach the old module:

* ``import old``, ``import old as x``, ``import old.sub``;
* ``from old import name``, ``from old.sub import name``, and
  ``from parent import last`` where ``parent.last == old`` (Semgrep's Python
  import matching covers these forms from the single pattern ``import old``);
* ``importlib.import_module("old...")`` and ``__import__("old...")`` with a
  literal name;
* for a dotted ``old``, attribute uses ``old.name`` through an import of a
  parent (``import torch`` then ``torch.cuda.amp.GradScaler(...)``).

The built-in migrations live in ``deprecated-import.yaml`` of the rule pack (and
are checked by ``semgrep --test``); a test asserts that :func:`migration_rule`
rebuilds each of them exactly, so the rules generated from a repository's
``[tool.governance-hooks.semgrep] migrations`` table have the same, tested shape.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Optional

#: The finding rule id every migration rule reports under (``semgrep/deprecated-import``).
GOVERNANCE_RULE = "deprecated-import"

#: A dotted Python module path: what a migration's old side must be.
MODULE_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$")


def rule_id_for(old: str, prefix: str = GOVERNANCE_RULE) -> str:
    """A Semgrep rule id for the migration of ``old``: ``<prefix>-<old in kebab case>``.

    >>> rule_id_for("sklearn.externals.joblib")
    'deprecated-import-sklearn-externals-joblib'
    """
    return f"{prefix}-" + re.sub(r"[^a-z0-9]+", "-", old.lower()).strip("-")


def migration_rule(old: str, new: str, rule_id: str, reason: Optional[str] = None) -> Dict[str, Any]:
    """The Semgrep rule (a dict ready for YAML) that flags imports of ``old``.

    Args:
        old: the deprecated dotted module path (matches its submodules too).
        new: what to import instead (free text shown in the message, e.g.
            ``"importlib.metadata"`` or ``"torch.amp (torch.amp.autocast('cuda'))"``).
        rule_id: the Semgrep rule id (unique within one Semgrep run).
        reason: optional short clause on why, e.g. ``"removed in scikit-learn 0.23"``.

    Raises:
        ValueError: when ``old`` is not a dotted module path or ``new`` is empty
            or spans lines (it would break the message).
    """
    if not MODULE_PATH.match(old):
        raise ValueError(f"{old!r} is not a dotted module path")
    if not new.strip() or "\n" in new or "\r" in new:
        raise ValueError(f"the replacement for {old!r} must be one non-empty line")
    why = f" ({reason})" if reason else ""
    metadata: Dict[str, Any] = {"governance-rule": GOVERNANCE_RULE, "deprecated": old, "replacement": new}
    if reason:
        metadata["reason"] = reason
    literal_name = "^" + re.escape(old) + r"(\.|$)"
    # Spelled out in full: a name imported from ``old`` resolves to ``old.name`` too, and its import is reported.
    spelled = r"\s*\.\s*".join(re.escape(part) for part in old.split(".")) + r"\s*\.\s*[A-Za-z_]\w*"
    attribute = [{"patterns": [{"pattern": f"{old}.$ATTR"}, {"pattern-regex": spelled}]}] if "." in old else []
    return {
        "id": rule_id,
        "languages": ["python"],
        "severity": "WARNING",
        "message": f"`{old}` is a deprecated import path{why}; use {new} instead.",
        "metadata": metadata,
        "pattern-either": [
            {"pattern": f"import {old}"},
            {
                "patterns": [
                    {
                        "pattern-either": [
                            {"pattern": 'importlib.import_module("$MODULE", ...)'},
                            {"pattern": '__import__("$MODULE", ...)'},
                        ]
                    },
                    {"metavariable-regex": {"metavariable": "$MODULE", "regex": literal_name}},
                ]
            },
            *attribute,
        ],
    }


def rules_from_config(migrations: Mapping[str, Any], where: str) -> List[Dict[str, Any]]:
    """Semgrep rules for a ``migrations = {"old.module" = "new.module"}`` table.

    Args:
        migrations: the parsed TOML table (old dotted path -> replacement text).
        where: how to name the table in errors, e.g. ``"pyproject.toml: [tool.governance-hooks.semgrep]"``.

    Raises:
        ValueError: naming ``where`` and the bad entry when an entry is invalid.
    """
    if not isinstance(migrations, Mapping):
        raise ValueError(f"{where} migrations must be a table of \"old.module\" = \"new.module\"")
    rules = []
    for old, new in migrations.items():
        if not isinstance(new, str):
            raise ValueError(f"{where} migrations.{old} must be a string (the module to import instead)")
        try:
            rules.append(migration_rule(old, new, rule_id_for(old, prefix=f"{GOVERNANCE_RULE}-config")))
        except ValueError as exc:
            raise ValueError(f"{where} migrations: {exc}") from None
    return rules
