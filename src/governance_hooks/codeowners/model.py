"""The typed model of a CODEOWNERS file, with source spans (1-based lines and columns).

Columns count Unicode characters, after the UTF-8 byte order mark is removed;
``end_column`` is exclusive (the column just after the token).
"""

from __future__ import annotations

from collections import namedtuple

#: Owner kinds.
USER, TEAM, EMAIL, ROLE, INVALID = "user", "team", "email", "role", "invalid"

# Plain classes with __slots__, not dataclasses or typing.NamedTuple: ``codeowners --who`` loads this
# module on every start, and ``dataclasses`` (with ``inspect``, ``ast``...) and ``typing`` cost more
# start-up time than answering for thousands of paths.


class _Record:
    """Value semantics from ``__slots__``: equality, and a repr like a dataclass's."""

    __slots__ = ()

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other) -> bool:
        return other.__class__ is self.__class__ and self._values() == other._values()

    def __ne__(self, other) -> bool:
        return not self == other

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({inner})"


class Span(namedtuple("Span", "line column end_column")):
    """A token's place in the file: ``line``, ``column`` (1-based), ``end_column`` (exclusive)."""

    __slots__ = ()


class Owner(namedtuple("Owner", "text kind span")):
    """One owner token: its text as written, its kind, and where it is."""

    __slots__ = ()

    @property
    def key(self) -> str:
        """Owners compare case-insensitively (GitHub logins, team slugs and emails)."""
        return self.text.lower()


class Section(_Record):
    """A GitLab section header ``^[Name][N] @owners`` (immutable, hashable).

    ``key`` is the case-folded name: GitLab combines sections of the same name.
    The implicit section before the first header has ``name == ""``.
    """

    __slots__ = ("name", "line", "optional", "approvals", "default_owners")

    def __init__(self, name: str, line: int, optional: bool = False, approvals: "int | None" = None,
                 default_owners: "tuple[Owner, ...]" = ()) -> None:
        self.name, self.line, self.optional, self.approvals = name, line, optional, approvals
        self.default_owners = default_owners

    def __hash__(self) -> int:
        return hash(self._values())

    @property
    def key(self) -> str:
        return self.name.casefold()


class Rule(_Record):
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

    __slots__ = ("index", "line", "pattern", "pattern_span", "owners", "section", "exclusion", "skipped", "text",
                 "compiled")
    __hash__ = None  # mutable

    def __init__(self, index: int, line: int, pattern: str, pattern_span: Span, owners: "list[Owner] | None" = None,
                 section: "Section | None" = None, exclusion: bool = False, skipped: bool = False, text: str = "",
                 compiled=None) -> None:
        # One assignment per attribute: cheaper than unpacking tuples, and the parser makes a Rule per line.
        self.index = index
        self.line = line
        self.pattern = pattern
        self.pattern_span = pattern_span
        self.owners = [] if owners is None else owners
        self.section = section
        self.exclusion = exclusion
        self.skipped = skipped
        self.text = text
        self.compiled = compiled  # patterns.CompiledPattern once the pattern is valid

    @property
    def valid_owners(self) -> "list[Owner]":
        return [o for o in self.owners if o.kind != INVALID]

    def effective_owners(self) -> "list[Owner]":
        """The rule's owners, or its GitLab section's default owners when it lists none."""
        if self.owners or self.section is None:
            return self.valid_owners
        return list(self.section.default_owners)


class Issue(_Record):
    """A syntax problem found while parsing (becomes a Finding); immutable, hashable."""

    __slots__ = ("rule_id", "message", "span", "suggestion")

    def __init__(self, rule_id: str, message: str, span: Span, suggestion: "str | None" = None) -> None:
        self.rule_id, self.message, self.span, self.suggestion = rule_id, message, span, suggestion

    def __hash__(self) -> int:
        return hash(self._values())


class CodeownersFile(_Record):
    """A parsed CODEOWNERS file.

    Attributes:
        dialect: ``github`` or ``gitlab`` (as resolved, never ``auto``).
        rules: every pattern line in file order (skipped ones included, flagged).
        sections: GitLab section headers in file order.
        issues: syntax problems, in file order.
        lines: the decoded source lines (for suppression comments).
    """

    __slots__ = ("dialect", "rules", "sections", "issues", "lines")
    __hash__ = None  # mutable

    def __init__(self, dialect: str, rules: "list[Rule] | None" = None, sections: "list[Section] | None" = None,
                 issues: "list[Issue] | None" = None, lines: "list[str] | None" = None) -> None:
        self.dialect = dialect
        self.rules = [] if rules is None else rules
        self.sections = [] if sections is None else sections
        self.issues = [] if issues is None else issues
        self.lines = [] if lines is None else lines

    @property
    def active_rules(self) -> "list[Rule]":
        """Rules that take part in matching (not skipped for a syntax error)."""
        return [r for r in self.rules if not r.skipped]
