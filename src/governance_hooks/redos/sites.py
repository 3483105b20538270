"""Where a regex was found and how it is used (the model between extraction and analysis)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Set, Union


@dataclass
class RegexSite:
    """One literal regular expression in a file.

    Attributes:
        path: POSIX path relative to the repository root.
        line, column: 1-based position of the literal (column in characters).
        end_line: last line of the literal (implicit concatenation spans lines).
        pattern: the pattern text (str or bytes), as the interpreter would see it.
        flags: ``re`` flag bits known at the call site (0 when none or unknown).
        kinds: how it is applied: ``match``, ``fullmatch``, ``search`` (see analyze.KINDS).
        calls: human descriptions of the calls that make it reachable, e.g. ``re.search``.
        module: ``re`` or ``regex`` (the third-party module), or ``json-schema``/``data``.
        note: extra context for the message (e.g. "use not seen; assuming search").
        call_lines: lines of the calls that use the pattern.
        use_unknown: how the pattern is applied is not visible (severity lowered one step).
    """

    path: str
    line: int
    column: int
    pattern: Union[str, bytes]
    flags: int = 0
    kinds: Set[str] = field(default_factory=set)
    calls: list = field(default_factory=list)
    module: str = "re"
    end_line: Optional[int] = None
    note: str = ""
    #: lines of the calls that apply or compile the pattern (the literal may be defined elsewhere)
    call_lines: list = field(default_factory=list)
    #: no use of the compiled pattern is visible (or it is handed to code not seen): severity one lower
    use_unknown: bool = False


@dataclass
class SourceProblem:
    """A file that could not be read or parsed (reported as analysis-incomplete)."""

    path: str
    line: Optional[int]
    column: Optional[int]
    reason: str
