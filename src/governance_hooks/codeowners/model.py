"""The typed model of a CODEOWNERS file, with source spans (1-based lines and columns).

Columns count Unicode characters, after the UTF-8 byte order mark is removed;
``end_column`` is exclusive (the column just after the token).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List, NamedTuple, Optional, Tuple

#: Owner kinds.
USER, TEAM, EMAIL, ROLE, INVALID = "user", "team", "email", "role", "invalid"


class Span(NamedTuple):
    """A token's place in the file: ``line``, ``column`` (1-based), ``end_column`` (exclusive)."""

    line: int
    column: int
    end_column: int


class Owner(NamedTuple):
    """One owner token: its text as written, its kind, and where it is."""

    text: str
    kind: str
    span: Span

    @property
    def key(self) -> str:
        """Owners compare case-insensitively (GitHub logins, team slugs and emails)."""
        return self.text.lower()


@dataclass(frozen=True)
class Section:
    """A GitLab section header ``^[Name][N] @owners``.

    ``key`` is the case-folded name: GitLab combines sections of the same name.
    The implicit section before the first header has ``name == ""``.
    """

    name: str
    line: int
    optional: bool = False
    approvals: Optional[int] = None
    default_owners: Tuple[Owner, ...] = ()

    @property
    def key(self) -> str:
        return self.name.casefold()


@dataclass
class Rule:
    """A pattern line.

    Attributes:
        index: position among the file's rules (0-based, file order).
        line: 1-based line number.
        pattern: the pattern as written (escapes kept).
        pattern_span: where the pattern is.
        owners: valid and invalid owner tokens, in order.
        section: the GitLab section the rule is in (``None`` for GitHub files).
        exclusion: a GitLab ``!pattern`` exclusion.
        skipped: GitHub skips the line because of a syntax error (it never matches).
        text: the whole source line (for inline suppression comments).
        compiled: the compiled pattern (``None`` when skipped).
    """

    index: int
    line: int
    pattern: str
    pattern_span: Span
    owners: List[Owner] = field(default_factory=list)
    section: Optional[Section] = None
    exclusion: bool = False
    skipped: bool = False
    text: str = ""
    compiled: Optional[Any] = None  # patterns.CompiledPattern once the pattern is valid

    @property
    def valid_owners(self) -> List[Owner]:
        return [o for o in self.owners if o.kind != INVALID]

    def effective_owners(self) -> List[Owner]:
        """The rule's owners, or its GitLab section's default owners when it lists none."""
        if self.owners or self.section is None:
            return self.valid_owners
        return list(self.section.default_owners)


@dataclass(frozen=True)
class Issue:
    """A syntax problem found while parsing (becomes a Finding)."""

    rule_id: str
    message: str
    span: Span
    suggestion: Optional[str] = None


@dataclass
class CodeownersFile:
    """A parsed CODEOWNERS file.

    Attributes:
        dialect: ``github`` or ``gitlab`` (as resolved, never ``auto``).
        rules: every pattern line in file order (skipped ones included, flagged).
        sections: GitLab section headers in file order.
        issues: syntax problems, in file order.
        lines: the decoded source lines (for suppression comments).
    """

    dialect: str
    rules: List[Rule] = field(default_factory=list)
    sections: List[Section] = field(default_factory=list)
    issues: List[Issue] = field(default_factory=list)
    lines: List[str] = field(default_factory=list)

    @property
    def active_rules(self) -> List[Rule]:
        """Rules that take part in matching (not skipped for a syntax error)."""
        return [r for r in self.rules if not r.skipped]
