"""The one rule registry: every rule id, its default severity, summary and help.

Each check package declares its rules in ``governance_hooks/<check>/rules.py``
as a tuple ``RULES`` of :class:`Rule`. That module must stay cheap to import
(no heavy dependencies): ``--list-rules`` and the SARIF ``rules`` array read it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Dict, Iterable, Tuple

from .findings import Severity

#: Where each check's rules are documented (``docs/<check>.md``); rule ids link here
#: in SARIF (``helpUri``) and, on terminals that support it, in text output.
DOCS_URL = "https://github.com/governance-hooks/governance-hooks/blob/main/docs/"

#: Every check, in the order ``governance-hooks run`` executes them.
CHECKS: Tuple[str, ...] = ("codeowners", "redos", "metrics", "policy", "manifest", "checkpoint", "semgrep")


@dataclass(frozen=True)
class Rule:
    """A rule's metadata.

    Attributes:
        id: ``<check>/<kebab-name>``; stable, users suppress by it.
        severity: the default severity of its findings.
        summary: one line, shown by ``--list-rules`` and as SARIF ``shortDescription``.
        help: a paragraph: why it matters, how to fix it, where the rule comes from.
    """

    id: str
    severity: Severity
    summary: str
    help: str = ""

    @property
    def check(self) -> str:
        return self.id.split("/", 1)[0]


def help_uri(rule_id: str) -> str:
    """The documentation page of ``rule_id``'s check: ``DOCS_URL + "<check>.md"``."""
    return f"{DOCS_URL}{rule_id.split('/', 1)[0]}.md"


def internal_error_rule(check: str) -> Rule:
    """The rule under which ``governance-hooks run`` reports a check that crashed."""
    return Rule(
        f"{check}/internal-error",
        Severity.ERROR,
        f"The {check} check failed with an internal error and could not finish.",
        "The check raised an unexpected exception. Re-run with --debug for the traceback and report it.",
    )


def configuration_weakened_rule(check: str) -> Rule:
    """The rule under which ``run --changed-since`` (and a check's own ``--changed-since``/``--base``) reports a
    change that weakens a check's configuration."""
    return Rule(
        f"{check}/configuration-weakened",
        Severity.ERROR,
        f"The change weakens the {check} check's configuration (turns it off, raises fail-on, adds ignore or "
        "exclude entries, drops a guard, or grows the baseline).",
        "On a pull request the repository's own [tool.governance-hooks] is part of the change under review, so a "
        "change that switches off the checks reviewing it must not pass quietly. It is reported by `run "
        "--changed-since REV` and by a check's own command with `--changed-since REV` or `--base REV` (codeowners). "
        "The finding names what is weakened; "
        "it is added after ignore and the baseline, so the pull request that weakens the checks fails them; a maintainer "
        "who agrees merges it by review, or reverts the weakening.",
    )


def rules_of(check: str) -> Tuple[Rule, ...]:
    """Rules declared by one check, plus its ``configuration-weakened`` and ``internal-error`` rules.

    Raises:
        KeyError: if ``check`` is not in :data:`CHECKS`.
    """
    if check not in CHECKS:
        raise KeyError(check)
    try:
        module = importlib.import_module(f"governance_hooks.{check}.rules")
    except ModuleNotFoundError:
        declared: Tuple[Rule, ...] = ()
    else:
        declared = tuple(module.RULES)
    return declared + (configuration_weakened_rule(check), internal_error_rule(check))


def all_rules() -> Dict[str, Rule]:
    """Every registered rule keyed by id, in check order then declaration order."""
    registry: Dict[str, Rule] = {}
    for check in CHECKS:
        for rule in rules_of(check):
            if rule.id in registry:
                raise RuntimeError(f"rule id registered twice: {rule.id}")
            registry[rule.id] = rule
    return registry


def lookup(rule_id: str, registry: Dict[str, Rule] | None = None) -> Rule:
    """The rule for ``rule_id``; an unregistered id gets a placeholder (never fails)."""
    registry = registry if registry is not None else all_rules()
    rule = registry.get(rule_id)
    if rule is None:
        rule = Rule(rule_id, Severity.WARNING, rule_id)
    return rule


def validate_ids(ids: Iterable[str]) -> None:
    """Raise ``ValueError`` naming the first id that is not ``<check>/<kebab-name>``."""
    import re

    pattern = re.compile(r"^[a-z]+/[a-z0-9]+(?:-[a-z0-9]+)*$")
    for rule_id in ids:
        if not pattern.match(rule_id):
            raise ValueError(f"malformed rule id: {rule_id!r}")
