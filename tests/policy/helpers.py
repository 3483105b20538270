"""Small builders shared by the policy tests."""

from __future__ import annotations

import textwrap
from typing import List, Optional

from governance_hooks.errors import ToolError
from governance_hooks.policy.parse import load_policy
from governance_hooks.policy.prove import ProveOptions, prove

#: Everything off; tests switch on what they check.
ALL_OFF = """\
invariants:
  egress-within-allowlist: false
  offline-no-egress: false
  tracking-requires-opt-in: false
  tracking-endpoints-allowed: false
  admin-gated: false
  readonly-admin-exclusive: false
  no-shadowed-rules: false
  no-redundant-rules: false
  no-conflicts: false
"""


def policy(text: str, path: str = "policy.yaml"):
    return load_policy(textwrap.dedent(text), path)


def only(invariant: str) -> str:
    """The invariants block with just ``invariant`` switched on."""
    return ALL_OFF.replace(f"  {invariant}: false", f"  {invariant}: true")


def findings(text: str, base: Optional[str] = None, **options) -> List:
    result = prove(policy(text), ProveOptions(**options), policy(base, "base.yaml") if base else None)
    return result.findings


def summary(found) -> List[tuple]:
    """``(rule_id, line, message)`` per finding, sorted for exact comparison."""
    return sorted((f.rule_id, f.location.line, f.message) for f in found)


def error_of(text: str, path: str = "p.yaml") -> str:
    """The one-line error loading ``text`` gives (fails the test when it loads)."""
    try:
        load_policy(text, path)
    except ToolError as exc:
        return str(exc)
    raise AssertionError(f"{path} loaded without an error")
