"""Parse CODEOWNERS bytes into the typed model (:mod:`.model`), collecting syntax issues.

Line syntax (GitHub Docs, "About code owners"; GitLab Docs, "Syntax of
CODEOWNERS file"): blank lines and lines starting with ``#`` are ignored; a
rule is a pattern followed by owners separated by spaces or tabs; ``#`` at the
start of a token begins an inline comment; ``\\`` escapes the next character
(``\\ `` for a space, ``\\#``); CRLF line ends and a UTF-8 BOM are accepted.
GitLab adds section headers ``^[Name][N] @default-owners``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from .model import EMAIL, INVALID, ROLE, TEAM, USER, CodeownersFile, Issue, Owner, Rule, Section, Span
from .patterns import PatternError, compile_pattern, shorten

#: A login; Enterprise Managed Users add ``_shortcode`` (GitHub Docs, "About Enterprise Managed Users":
#: usernames are ``handle_shortcode``, e.g. ``@the-octocat_acme``).
_GITHUB_USER = re.compile(r"@[A-Za-z0-9][A-Za-z0-9-]{0,38}(?:_[A-Za-z0-9]+)?")
_GITHUB_TEAM = re.compile(r"@[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9_][A-Za-z0-9_.-]*")
_GITLAB_USER = re.compile(r"@[A-Za-z0-9_.][A-Za-z0-9_.-]*")
_GITLAB_GROUP = re.compile(r"@[A-Za-z0-9_.][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_.][A-Za-z0-9_.-]*)+")
_GITLAB_ROLE = re.compile(r"@@(?:developer|maintainer|owner)s?", re.IGNORECASE)
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)
#: A token: runs of non-blank characters where a backslash escapes the next one (``\\ ``).
_TOKEN = re.compile(r"(?:[^ \t\\]|\\.|\\$)+")
_PLAIN_TOKEN = re.compile(r"[^ \t]+")
#: A section header as the auto dialect recognises one: optional ``^``, ``[Name]``, optional ``[N]``, then
#: a blank or the end (strict, so a GitHub pattern such as ``[Ff]oo`` does not make a file GitLab's).
SECTION_HEADER = re.compile(r"[ \t]*(\^)?\[([^\]]*)\](?:\[([^\]]*)\])?(?=[ \t]|$)")
#: GitLab's own header match (``Gitlab::CodeOwners::SectionParser::HEADER_REGEX`` on the stripped line; a
#: Ruby expression, so ``\d`` and ``\w`` are ASCII only):
#: not anchored at the end, the name is the shortest ``[...]``, the approval count only digits (so
#: ``[X][q]`` is the section X with the text ``[q]`` ignored), default owners the run of
#: ``[@\w_.\-/\s+]`` after a blank; anything after that is ignored.
GITLAB_HEADER = re.compile(r"[ \t]*(\^)?\[(.*?)\](?:\[(\d*?)\])?([ \t]+[@\w_.\-/ \t+]*)?", re.ASCII)
#: GitLab's ``REGEX_INVALID_SECTION``: a ``[`` never closed.
GITLAB_UNCLOSED = re.compile(r"[ \t]*\^?\[[^\]]+?$")

BOM = "\ufeff"
#: ``_tuple_new(Span, (line, column, end_column))`` builds a Span (or an Owner) without the Python-level
#: ``__new__`` of a namedtuple: the parser makes one per token.
_tuple_new = tuple.__new__
#: Longer patterns are not compiled (a budget: real patterns are well under 1,000 characters). Such a rule
#: is an error (``TOO_LONG``): the owners of the files it may match are unknown, and a check that could not
#: judge fails closed.
MAX_PATTERN_CHARS = 131_072
TOO_LONG = "codeowners/pattern-too-long"


def decode(data: bytes) -> tuple[str | None, list[Issue]]:
    """Decode CODEOWNERS bytes.

    Returns:
        ``(text, issues)``: ``text`` is ``None`` for a UTF-16 file (byte order mark) or a binary
        file (a NUL byte);
        invalid UTF-8 is reported on its first line and replaced with U+FFFD.
    """
    issues: list[Issue] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 byte order mark (UTF-32 LE starts the same)
        issues.append(Issue("codeowners/invalid-encoding",
                            "the file is UTF-16 (it starts with a UTF-16 byte order mark); CODEOWNERS must be UTF-8 "
                            "text, so its rules cannot be read: save it as UTF-8",
                            Span(1, 1, 1)))
        return None, issues
    if b"\0" in data:
        line = data.count(b"\n", 0, data.index(b"\0")) + 1
        issues.append(Issue("codeowners/invalid-encoding",
                            f"the file is binary (NUL byte on line {line}); it cannot be read as CODEOWNERS rules",
                            Span(line, 1, 1)))
        return None, issues
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad_lines = []
        for number, raw in enumerate(data.split(b"\n"), start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                bad_lines.append(number)
        more = f" (and {len(bad_lines) - 1} more lines)" if len(bad_lines) > 1 else ""
        issues.append(Issue("codeowners/invalid-encoding",
                            f"invalid UTF-8 on line {bad_lines[0]} at byte {exc.start}{more}; "
                            "the bytes were read as U+FFFD and that line will not match as intended",
                            Span(bad_lines[0], 1, 1)))
        text = data.decode("utf-8", "replace")
    if text.startswith(BOM):
        text = text[1:]
    return text, issues


def split_lines(text: str) -> list[str]:
    """Lines as git and GitHub count them: split on ``\\n`` only, one trailing ``\\r`` removed."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if "\r" not in text:
        return lines
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def tokenize(line: str, start: int = 0) -> list[tuple[str, int]]:
    """Whitespace-separated tokens of ``line`` from offset ``start``, as ``(text, offset)``.

    A ``\\`` keeps the next character in the token (escapes stay in the text);
    a ``#`` at the start of a token ends the line (inline comment).
    """
    if "\\" not in line and "#" not in line:
        return _plain_tokens(line, start)
    tokens: list[tuple[str, int]] = []
    for match in _TOKEN.finditer(line, start):
        text = match.group()
        if text.startswith("#"):
            break
        tokens.append((text, match.start()))
    return tokens


def _plain_tokens(line: str, start: int) -> list[tuple[str, int]]:
    """:func:`tokenize` of a line without ``\\`` or ``#``: ``str.split`` and ``find`` are cheaper than the
    regular expression, and give the same tokens when spaces and tabs are the only blanks in the line
    (``split`` also splits on other Unicode blanks: then the expression is used)."""
    words = line.split()
    if start or not (line.isprintable() or _only_spaces_and_tabs(line, words)):
        return [(m.group(), m.start()) for m in _PLAIN_TOKEN.finditer(line, start)]
    tokens = []
    offset = 0
    for word in words:
        offset = line.find(word, offset)  # only blanks lie between the previous word and this one
        tokens.append((word, offset))
        offset += len(word)
    return tokens


def _only_spaces_and_tabs(line: str, words: list[str]) -> bool:
    """Whether ``line.split()`` gave ``words`` by splitting on spaces and tabs only (``split`` also splits
    on other Unicode blanks; tokens do not). Callers first try ``line.isprintable()``: every other blank
    is unprintable, so a printable line (the common case, one pass in C) has none."""
    return sum(map(len, words)) + line.count(" ") + line.count("\t") == len(line)


def inline_comment(line: str) -> tuple[int, list[str]] | None:
    """``(offset, owner-like words)`` of an inline comment after a token, or ``None``."""
    if "#" not in line:
        return None
    seen_token = False
    for match in _TOKEN.finditer(line):
        if match.group().startswith("#"):
            if not seen_token:
                return None  # a comment line, not an inline comment
            rest = line[match.start() + 1:].split()
            return match.start(), [w for w in rest if w.startswith("@") or _EMAIL.fullmatch(w)]
        seen_token = True
    return None


def _gitlab_inline_comment(line: str, number: int, issues: list[Issue]) -> None:
    r"""A `` #`` comment on a section header: GitLab has no inline comments; on a header it stops reading
    default owners at the first character outside ``[@\w_.\-/\s+]``, so the comment is dropped, and
    default owners after it are lost. (On a rule line the words become owners: see :func:`_owners`.)"""
    found = inline_comment(line)
    if found is None:
        return
    offset, owners = found
    if owners:
        message = (f"GitLab does not support inline comments: it stops reading the section's default owners at `#`, "
                   f"so {', '.join(f'`{shorten(o, 40)}`' for o in owners[:3])} in this comment are not owners")
    else:
        message = "GitLab does not support inline comments; put the comment on its own line"
    issues.append(Issue("codeowners/inline-comment", message, Span(number, offset + 1, len(line) + 1),
                        "move the comment to a line of its own"))


def detect_dialect(lines: Iterable[str]) -> str:
    """``gitlab`` when any line is a section header, else ``github``."""
    for line in lines:
        match = SECTION_HEADER.match(line)
        if match and match.group(2).strip():
            return "gitlab"
    return "github"


@functools.lru_cache(maxsize=4096)  # real files repeat the same few teams hundreds of times
def classify_owner(token: str, dialect: str) -> str:
    """The owner kind of ``token`` (``user``, ``team``, ``email``, ``role`` or ``invalid``)."""
    if dialect == "gitlab":
        if _GITLAB_ROLE.fullmatch(token):
            return ROLE
        if _GITLAB_GROUP.fullmatch(token):
            return TEAM
        if _GITLAB_USER.fullmatch(token):
            return USER
    else:
        if _GITHUB_TEAM.fullmatch(token):
            return TEAM
        if _GITHUB_USER.fullmatch(token):
            return USER
    if _EMAIL.fullmatch(token):
        return EMAIL
    return INVALID


#: GitLab's ``ReferenceExtractor``: ``@name`` not preceded by a word character or ``@`` (names may
#: hold ``/`` for nested groups), and e-mail addresses, found anywhere inside a word.
_GITLAB_NAME_REF = re.compile(r"(?<![\w@])@([A-Za-z0-9_.][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_.][A-Za-z0-9_.-]*)*)", re.ASCII)
_GITLAB_EMAIL_REF = re.compile(r"[^@\s]{1,100}@[^@\s]{1,255}(?<!\W)", re.ASCII)


def gitlab_references(word: str) -> list[str]:
    """The owners GitLab extracts from one word (``Gitlab::CodeOwners::ReferenceExtractor``): e-mail
    addresses (kept when they look like one) and ``@names``; ``(@a)``, ``@a,@b`` and ``@a#note`` hold
    references, so GitLab does not call them malformed."""
    emails = [m.group() for m in _GITLAB_EMAIL_REF.finditer(word) if _EMAIL.fullmatch(m.group())]
    names = ["@" + m.group(1) for m in _GITLAB_NAME_REF.finditer(word)]
    return list(dict.fromkeys(emails + names))


_RUN_SEPARATOR = re.compile(r"[,;]")
_RUN_SEPARATORS = re.compile(r"[,;]+")
_RUN_OWNER = re.compile(r"@+[^@]*")


def _split_run_together(token: str, dialect: str) -> list[str] | None:
    """``["@a", "@b"]`` for ``@a@b`` or ``@a,@b`` when every part is a valid owner, else ``None``."""
    if _RUN_SEPARATOR.search(token):
        parts = [p for p in _RUN_SEPARATORS.split(token) if p]
    elif token.startswith("@") and "@" in token.lstrip("@"):
        parts = _RUN_OWNER.findall(token)
    else:
        return None
    if len(parts) >= 2 and all(classify_owner(p, dialect) != INVALID for p in parts):
        return parts
    return None


def _owner_problem(token: str, dialect: str) -> tuple[str, str, str | None]:
    """``(rule_id, message, suggestion)`` for an invalid owner token."""
    parts = _split_run_together(token, dialect)
    skipped = ("GitLab ignores it and reports a malformed owner; the line's valid owners still apply"
               if dialect == "gitlab" else "the line is skipped")
    if parts:
        return ("codeowners/run-together-owners",
                f"owners `{shorten(token)}` are run together; "
                + ("GitLab reports a malformed owner" if dialect == "gitlab"
                   else "GitHub reads them as one invalid owner and skips the line"),
                " ".join(parts))
    if dialect != "gitlab" and token.startswith("@@"):
        return ("codeowners/invalid-owner",
                f"`{shorten(token)}` is a GitLab role; GitHub owners are `@user`, `@org/team` or an email, so GitHub skips the line",
                None)
    if dialect != "gitlab" and token.startswith("@") and token.count("/") > 1:
        return ("codeowners/invalid-owner",
                f"`{shorten(token)}` looks like a nested GitLab group; GitHub teams are `@org/team`, so GitHub skips the line",
                None)
    if not token.startswith("@") and classify_owner("@" + token, dialect) != INVALID:
        return ("codeowners/invalid-owner",
                f"owner `{shorten(token)}` lacks its `@`; it is not a user, team or email: {skipped}",
                "@" + token)
    if token.endswith("/") or "*" in token or token.startswith(("/", ".")):
        hint = "it looks like a second pattern; a rule has exactly one pattern, so"
    else:
        hint = "owners are `@user`, `@org/team` or an email address;"
    return ("codeowners/invalid-owner", f"`{shorten(token)}` is not a valid owner: {hint} {skipped}", None)


def _owners(tokens: list[tuple[str, int]], number: int, dialect: str, issues: list[Issue]) -> list[Owner]:
    owners: list[Owner] = []
    for index, (text, offset) in enumerate(tokens):
        span = _tuple_new(Span, (number, offset + 1, offset + 1 + len(text)))
        if dialect == "gitlab" and text.startswith("#"):
            # GitLab reads a comment's words as owners: its @mentions count, `#` is a malformed owner.
            words = [(t, o) for t, o in tokens[index:] if classify_owner(t, dialect) != INVALID]
            issues.append(Issue("codeowners/invalid-owner",
                                "GitLab has no inline comments: `#` and the words after it are read as owners; "
                                "GitLab reports a malformed owner on this line"
                                + (f" and makes {', '.join(f'`{shorten(t, 40)}`' for t, _ in words[:3])} owner(s)"
                                   if words else ""),
                                span, "move the comment to a line of its own"))
            owners.append(Owner(text, INVALID, span))
            owners.extend(Owner(t, classify_owner(t, dialect), Span(number, o + 1, o + 1 + len(t))) for t, o in words)
            break
        kind = classify_owner(text, dialect)
        if kind != INVALID:  # the common case; what follows deals with invalid owners
            owners.append(_tuple_new(Owner, (text, kind, span)))
            continue
        if dialect == "gitlab":
            references = gitlab_references(text)
            if references:  # GitLab: a word is malformed only when it holds no reference at all
                owners.extend(Owner(ref, classify_owner(ref, dialect), span) for ref in references)
                continue
        if "#" in text and not text.startswith("#"):
            head = text[:text.index("#")]
            if classify_owner(head, dialect) != INVALID:
                # GitHub's docs define a comment only as a line starting with `#`; `@a#b` is undocumented.
                issues.append(Issue("codeowners/ambiguous-comment",
                                    f"`{shorten(text)}`: a `#` glued to an owner is not documented; read here as owner "
                                    f"`{shorten(head)}` and a comment, but it may be one invalid owner that makes "
                                    "GitHub skip the line",
                                    span, f"{head} {text[text.index('#'):]}"))
                owners.append(Owner(head, classify_owner(head, dialect),
                                    Span(number, offset + 1, offset + 1 + len(head))))
                break
        rule_id, message, suggestion = _owner_problem(text, dialect)
        issues.append(Issue(rule_id, message, span, suggestion))
        owners.append(Owner(text, kind, span))
    return owners


def parse(text: str, dialect: str = "auto", issues: list[Issue] | None = None) -> CodeownersFile:
    """Parse decoded CODEOWNERS text.

    Args:
        text: the file's text (BOM already removed, see :func:`decode`).
        dialect: ``github``, ``gitlab`` or ``auto`` (GitLab when a section header appears).
        issues: issues found earlier (decoding), kept first.

    Returns:
        The model; syntax problems are in ``.issues`` and rules GitHub would skip
        are flagged ``skipped``. Never raises for bad content.
    """
    if text.startswith(BOM):
        text = text[1:]
    lines = split_lines(text)
    if dialect == "auto":
        dialect = detect_dialect(lines)
    result = CodeownersFile(dialect=dialect, lines=lines, issues=list(issues or []))
    gitlab = dialect == "gitlab"
    section: Section | None = Section("", 0) if gitlab else None
    rules = result.rules
    literals: dict = {}  # one Segment per literal name of this file's patterns (see compile_pattern)
    for number, line in enumerate(lines, start=1):
        if not line or line[0] == "#":  # most blank and comment lines (no token, no header), cheaply
            continue
        if gitlab and "[" in line:  # both header expressions need a `[`
            header = GITLAB_HEADER.match(line)
            if header:
                if "#" in line:
                    _gitlab_inline_comment(line, number, result.issues)
                section = _section(header, line, number, result.issues)
                result.sections.append(section)
                continue
            if GITLAB_UNCLOSED.match(line):
                result.issues.append(Issue("codeowners/invalid-section",
                                           "the section header is never closed with `]`; GitLab reports it as an "
                                           "invalid section format", Span(number, 1, len(line) + 1)))
                continue
        if "\\" not in line and "#" not in line:
            # A line with `[` (section-like, or a character class) takes the general path: few rules have one.
            rule = _plain_rule(line, number, dialect, section, len(rules), literals) if "[" not in line else None
            if rule is not None:
                rules.append(rule)
                continue
            tokens = _plain_tokens(line, 0)
        else:
            tokens = tokenize(line)
        if not tokens:
            continue
        if gitlab and "#" in line:
            tokens = _gitlab_tokens(line, tokens)
        rules.append(_rule(tokens, line, number, dialect, section, len(rules), result.issues, literals))
    return result


def _gitlab_tokens(line: str, tokens: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """GitLab has no inline comments: every word after the pattern is an owner candidate
    (``File#extract_entry_info``), so words after `` #`` count too."""
    if not tokens or not inline_comment(line):
        return tokens
    return [(m.group(), m.start()) for m in _TOKEN.finditer(line)]


def _section(header: "re.Match[str]", line: str, number: int, issues: list[Issue]) -> Section:
    """A section from GitLab's header match (``SectionParser#execute``): an empty name
    (``missing_section_name``), an optional section with an approval count
    (``invalid_approval_requirement``) and default owners without one valid reference
    (``invalid_section_owner_format``) are GitLab syntax errors; ``[0]`` means no count."""
    marker, name, count_text, owners_text = header.groups()
    optional = marker is not None
    name = name.strip()
    count = int(count_text or 0)
    if not name:
        issues.append(Issue("codeowners/invalid-section", "a section header needs a name between the brackets",
                            Span(number, header.start(2), header.end(2) + 1)))
    if optional and count > 0:
        issues.append(Issue("codeowners/invalid-section",
                            f"optional section `^[{shorten(name, 40)}]` cannot require approvals (`[{count}]`); GitLab "
                            "reports an invalid approval requirement",
                            Span(number, header.start(3), header.end(3) + 2),
                            f"drop `^` to require {count} approval(s), or drop `[{count}]`"))
    # The expression's owners part holds no `\\` and no `#`: plain tokens.
    tokens = _plain_tokens(owners_text, 0) if owners_text else []
    start = header.start(4)
    valid = []
    for text, offset in tokens:
        kind = classify_owner(text, "gitlab")
        if kind != INVALID:
            column = start + offset + 1
            valid.append(_tuple_new(Owner, (text, kind, _tuple_new(Span, (number, column, column + len(text))))))
    if tokens and not valid:
        text, offset = tokens[0]
        issues.append(Issue("codeowners/invalid-owner",
                            f"the default owners `{shorten(' '.join(t for t, _ in tokens), 40)}` hold no `@user`, "
                            "`@group` or email; GitLab reports an invalid section owner format",
                            Span(number, start + offset + 1, start + offset + 1 + len(text))))
    return Section(name, number, optional, count or None, tuple(valid))


_BULLETS = ("-", "+", "\u2022")


def _plain_rule(line: str, number: int, dialect: str, section: Section | None, index: int,
                literals: dict) -> Rule | None:
    """:func:`_rule` of the common line, without the checks that cannot fire on it, or ``None`` for any
    other line (then :func:`_rule` is used): a line without ``\\`` or ``#`` and with no blank but spaces
    and tabs, a pattern that is not a bullet, does not start with ``@``, ``[`` or ``^``, is within the
    budget and compiles, and owners that are all valid. Such a line has no issue."""
    words = line.split()
    if not words:
        return None
    pattern = words[0]
    if (pattern in _BULLETS or pattern[0] in "@[^" or len(pattern) > MAX_PATTERN_CHARS
            or not (line.isprintable() or _only_spaces_and_tabs(line, words))):
        return None
    offset = line.find(pattern)
    end = offset + len(pattern)
    owners = []
    for word in words[1:]:
        kind = classify_owner(word, dialect)
        if kind == INVALID:
            return None
        column = line.find(word, end) + 1  # only blanks lie between the previous word and this one
        end = column - 1 + len(word)
        owners.append(_tuple_new(Owner, (word, kind, _tuple_new(Span, (number, column, column + len(word))))))
    try:
        compiled = compile_pattern(pattern, dialect, literals)
    except PatternError:
        return None
    span = _tuple_new(Span, (number, offset + 1, offset + 1 + len(pattern)))
    return Rule(index, number, pattern, span, owners, section, compiled.exclusion, False, line, compiled)


def _looks_like_section(line: str) -> bool:
    match = SECTION_HEADER.match(line)
    return bool(match and match.group(2).strip())


def _rule(tokens: list[tuple[str, int]], line: str, number: int, dialect: str, section: Section | None,
          index: int, issues: list[Issue], literals: "dict | None" = None) -> Rule:
    pattern, offset = tokens[0]
    span = _tuple_new(Span, (number, offset + 1, offset + 1 + len(pattern)))
    # Positional arguments: keywords cost more than building the rest of the object.
    rule = Rule(index, number, pattern, span, None, section, False, False, line)
    rest = tokens[1:]
    if pattern in _BULLETS:
        body = " ".join(t for t, _ in rest)
        issues.append(Issue("codeowners/markdown-bullet",
                            f"the line starts with a Markdown bullet `{pattern}`, so `{pattern}` is the pattern "
                            "and the rest is read as owners",
                            span, body or None))
        rule.skipped = True
        return rule
    if pattern.startswith("@") and classify_owner(pattern, dialect) != INVALID:
        owners = " ".join(t for t, _ in tokens)
        issues.append(Issue("codeowners/owner-only-line",
                            f"the line has no pattern: `{shorten(pattern)}` is read as a file pattern, so "
                            f"{'nobody is assigned' if not rest else 'the owners after it own nothing'}",
                            span, f"* {owners}"))
        rule.skipped = True
        return rule
    rule.owners = _owners(rest, number, dialect, issues)
    if dialect != "gitlab":
        # GitHub skips the line; GitLab keeps its valid owners (File#validate_and_get_owners).
        for owner in rule.owners:
            if owner.kind == INVALID:
                rule.skipped = True
                break
    if dialect != "gitlab" and pattern.startswith(("[", "^[")) and _looks_like_section(line):
        issues.append(Issue("codeowners/invalid-pattern",
                            "GitLab section headers are not supported by GitHub; GitHub skips the line",
                            span, "check with --dialect gitlab if this file is for GitLab"))
        rule.skipped = True
        return rule
    if len(pattern) > MAX_PATTERN_CHARS:
        issues.append(Issue(TOO_LONG,
                            f"the pattern is {len(pattern):,} characters long, over the {MAX_PATTERN_CHARS:,}-character "
                            "analysis budget: the files it matches were not worked out, so the owners of any file it "
                            "may match are unknown", span, "shorten the pattern (a wildcard or a folder rule)"))
        rule.skipped = True
        return rule
    try:
        compiled = compile_pattern(pattern, dialect, literals)
    except PatternError as exc:
        col = offset + 1 + exc.offset
        issues.append(Issue("codeowners/invalid-pattern",
                            f"pattern `{shorten(pattern)}`: {exc.reason}; "
                            f"{'GitLab' if dialect == 'gitlab' else 'GitHub'} skips the line",
                            Span(number, col, offset + 1 + len(pattern)), exc.suggestion))
        rule.skipped = True
        return rule
    rule.exclusion = compiled.exclusion
    rule.compiled = compiled
    return rule
