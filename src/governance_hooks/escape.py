"""Escaping repository-derived text for each output, losslessly.

Everything a finding carries (paths, messages, evidence) may come from a
hostile repository: non-UTF-8 file names (decoded with ``surrogateescape``,
PEP 383, so byte ``0xff`` is ``U+DCFF``), lone surrogates from JSON
(``"\\ud800"``), terminal escapes (``ESC [ 2 K``, OSC 52 clipboard writes),
workflow commands (``::stop-commands::``, ``##[add-mask]``) and Markdown/HTML.
Each function here makes one kind of output safe without losing what the text
said.
"""

from __future__ import annotations

import re

#: C0 and C1 control characters, DEL, lone surrogates, and the Unicode line/paragraph
#: separators and bidirectional overrides that reorder or break a displayed line.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _visible(char: str) -> str:
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"  # an undecodable byte of a file name: show the byte
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def terminal_safe(text: str) -> str:
    """``text`` with every control character, lone surrogate and bidi override shown as a visible escape.

    ``ESC`` becomes ``\\x1b``, a newline ``\\n``, the undecodable byte ``0xff`` of a
    file name ``\\xff``, ``U+D800`` ``\\ud800``. The result is one line of
    printable, UTF-8-encodable text: it cannot move the cursor, erase a line,
    write the clipboard, or start a second output line.
    """
    return _UNSAFE.sub(lambda m: _visible(m.group()), text)


_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))


def terminal_safe_all(texts: list) -> list:
    """``texts`` with each made :func:`terminal_safe`; ``texts`` itself when none needs it.

    One check over all of them decides (``--who`` answers a chunk of 1,024 paths at a time, and a
    path that needs nothing should cost next to nothing). In ASCII text ``_UNSAFE`` names exactly the
    bytes outside ``0x20-0x7e``; ``str.isprintable`` is false for every character ``_UNSAFE`` names
    (categories Cc, Cs, Zl, Zp, Cf), so a printable text needs no escape either.
    """
    joined = "".join(texts)
    if joined.isascii():  # O(1); then the unsafe characters are the ASCII controls, found at memory speed
        if not joined.encode("ascii").translate(None, _PRINTABLE_ASCII):
            return texts
    elif joined.isprintable() or _UNSAFE.search(joined) is None:
        return texts
    return [terminal_safe(text) for text in texts]


#: The white space the GitHub runner skips before a workflow command: .NET's ``char.IsWhiteSpace``
#: (``string.TrimStart()``): U+0009-000D, U+0085, and the separators Zs, Zl, Zp (U+0020, U+00A0,
#: U+1680, U+2000-200A, U+2028, U+2029, U+202F, U+205F, U+3000).
RUNNER_BLANKS = "\t\n\x0b\x0c\r\x20\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
                "\u2028\u2029\u202f\u205f\u3000"
#: The legacy command prefix, found anywhere in a line, and the same text the runner cannot read as it:
#: the second ``#`` as the escape ``\u0023`` (JSON's, so a JSON string still decodes to ``##[``).
LEGACY_PREFIX = "##["
LEGACY_BROKEN = "#\\u0023["


def no_workflow_command(line: str) -> str:
    """``line`` such that the GitHub runner cannot read it as a workflow command.

    The runner reads each line of a step's stdout and stderr (split at CR and LF)
    with ``ActionCommandManager.TryProcessCommand``, which tries
    ``ActionCommand.TryParseV2``: ``message.TrimStart()`` (every
    :data:`RUNNER_BLANKS` character), then the line must start with ``::``; and
    then the legacy ``ActionCommand.TryParse``: ``##[`` anywhere in the line
    (actions/runner ``src/Runner.Common/ActionCommand.cs``,
    ``src/Runner.Worker/ActionCommandManager.cs``). A visible backslash goes in
    front of a leading ``::`` and ``##[`` becomes :data:`LEGACY_BROKEN`; the
    text is otherwise kept: U+00A0 ``::x`` becomes U+00A0 ``\\::x``, and
    ``a ##[error]b`` becomes ``a #\\u0023[error]b``.
    """
    if LEGACY_PREFIX in line:
        line = line.replace(LEGACY_PREFIX, LEGACY_BROKEN)
    stripped = line.lstrip(RUNNER_BLANKS)
    if stripped.startswith("::"):
        return line[: len(line) - len(stripped)] + "\\" + stripped
    return line


def starts_like_command(text: str) -> bool:
    """Whether the first character of ``text`` after :data:`RUNNER_BLANKS` is ``:`` (it may begin ``::``)."""
    return text.lstrip(RUNNER_BLANKS)[:1] == ":"


def json_safe(document_text: str) -> str:
    """JSON text produced with ``ensure_ascii=False`` made encodable as UTF-8, losslessly.

    Lone surrogates can only occur inside JSON strings; each becomes the JSON
    escape ``\\udXXX``, which JSON parsers (Python's ``json``) read back as the
    same code point, so a non-UTF-8 file name round-trips through
    ``os.fsencode``. ``##[`` (only ever inside a string: ``#`` is no JSON syntax)
    becomes ``#\\u0023[``, the same string to a JSON parser, so no line of the
    document is a legacy workflow command when it is printed in a step
    (:func:`no_workflow_command`); a line of indented JSON never starts with ``::``.
    """
    if LEGACY_PREFIX in document_text:
        document_text = document_text.replace(LEGACY_PREFIX, LEGACY_BROKEN)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", document_text)


def path_bytes(path: str) -> bytes:
    """The bytes of a repository path: undecodable bytes back as they were (PEP 383); lone surrogates as CESU-8."""
    try:
        return path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogatepass")


def uri_path(path: str) -> str:
    """A relative URI reference for a POSIX repository path: its raw bytes percent-encoded (RFC 3986).

    ``bad\\xffname.py`` (byte 0xff) becomes ``bad%FFname.py``; ``/`` is kept.
    """
    from urllib.parse import quote  # here: the commands that print no URI should not load it at start-up

    return quote(path_bytes(path), safe="/")


#: Characters that can start Markdown or HTML inside a line: emphasis, code, links and
#: images, raw HTML and entities, tables, strikethrough, GitHub's math (``$``).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>!|~&$])")
#: GFM extended autolinks (``https://...``, ``www.``): break them by escaping ``:`` / ``.``.
_AUTOLINK = re.compile(r"(?i)(?<=[a-z])(:)(?=//)|(?<=\bwww)(\.)")


def markdown_text(text: str) -> str:
    """Repository text for Markdown prose or a table cell: rendered literally, never as markup.

    Controls become visible escapes first; then the characters that can open
    markup are backslash-escaped (CommonMark 2.4: any ASCII punctuation may be
    escaped), and the ``:`` of ``scheme://`` and the ``.`` of ``www.`` too, so
    ``<img>``, ``![x](u)``, ``*``, ``|``, ``&amp;`` and bare URLs show as typed:
    no HTML, image or link is produced.
    """
    escaped = _MD_SPECIAL.sub(r"\\\1", terminal_safe(text))
    return _AUTOLINK.sub(lambda m: "\\" + (m.group(1) or m.group(2)), escaped)


def markdown_code(text: str) -> str:
    """Repository text as an inline code span inside a GFM table cell, shown exactly.

    Backslashes are literal in code spans (CommonMark 6.1), so they are not
    doubled; the span is delimited by one more backtick than the longest run
    inside, padded with a space when the text starts or ends with a backtick;
    ``|`` is written ``\\|`` because GFM splits table cells before inline
    parsing and restores ``|`` inside the span. ``##[`` is shown as
    ``#\\u0023[`` (:func:`no_workflow_command`): the audit report is printed to
    stdout, and a code span keeps every other character, so the runner would
    read the legacy command in it. (:func:`markdown_text` writes ``##\\[``.)
    """
    safe = terminal_safe(text).replace("|", "\\|").replace(LEGACY_PREFIX, LEGACY_BROKEN)
    runs = [len(r) for r in re.findall("`+", safe)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if safe.startswith("`") or safe.endswith("`") or (safe.startswith(" ") and safe.endswith(" ") and safe.strip()) else ""
    return f"{fence}{pad}{safe}{pad}{fence}"


_LINE_BREAK = re.compile(r"[\n\r]")
_BLANK_CLASS = "[" + "".join(f"\\u{ord(c):04x}" for c in RUNNER_BLANKS) + "]"
#: Blanks inside a line: the runner's line reader splits at CR and LF.
_INLINE_BLANKS = RUNNER_BLANKS.replace("\n", "").replace("\r", "")
_INLINE_CLASS = "[" + "".join(f"\\u{ord(c):04x}" for c in _INLINE_BLANKS) + "]"
#: A line start (of the text or after a break) whose first non-blank character is ``:``.
_COLON_LINE_START = re.compile(r"(?:^|[\n\r])" + _BLANK_CLASS + "*:")
_NEWLINE_COLON = re.compile(r"\n" + _BLANK_CLASS + "*:")
_LEAD = RUNNER_BLANKS + ":"
#: A line break and the blanks after it, before a ``::`` (searched in ``"\n" + lines``; the literal ``\n`` first
#: is searched at memory speed, so the class is used only for text with a ``\r``).
_NEWLINE_COMMAND = re.compile(r"\n" + _INLINE_CLASS + "*(?=::)")
_BREAK_COMMAND = re.compile(r"[\n\r]" + _INLINE_CLASS + "*(?=::)")


def _colon_line_start(text: str) -> bool:
    """Whether a line of ``text`` starts with ``:`` after blanks (``_COLON_LINE_START``), faster.

    ``_COLON_LINE_START`` tries its alternation at every character (2 ms for 1,024 ``--who`` answers);
    without a ``\\r`` and with a first character that cannot start the match, only ``\\n`` can, and a
    pattern that starts with that literal is searched at memory speed.
    """
    if text[:1] in _LEAD or "\r" in text:
        return _COLON_LINE_START.search(text) is not None
    return _NEWLINE_COLON.search(text) is not None


def _has_legacy(text: str) -> bool:
    """``LEGACY_PREFIX in text``; a text without ``#`` or ``[`` (nearly all) is ruled out by ``memchr``, many times faster."""
    return "#" in text and "[" in text and LEGACY_PREFIX in text


def _guard_lines(lines: str) -> str:
    """Whole lines (``lines`` starts a line and ends with a break), each as :func:`no_workflow_command` makes it."""
    if _has_legacy(lines):
        lines = lines.replace(LEGACY_PREFIX, LEGACY_BROKEN)
    if not _colon_line_start(lines):
        return lines
    framed = "\n" + lines  # the first line starts after a break too
    parts, done = [], 1
    for match in (_BREAK_COMMAND if "\r" in lines else _NEWLINE_COMMAND).finditer(framed):
        parts += (framed[done:match.end()], "\\")  # a backslash before the `::`
        done = match.end()
    parts.append(framed[done:])
    return "".join(parts)


class CommandGuard:
    """A text stream wrapper that keeps any line from being a GitHub workflow command.

    Checks write notes and progress to ``ctx.stderr`` (and ``--who`` style answers
    to ``ctx.stdout``) with text that may come from the repository; the runner
    reads both streams for commands, line by line. As :func:`no_workflow_command`,
    whatever the write boundaries are: a line whose first characters after
    :data:`RUNNER_BLANKS` are ``::`` gets a ``\\`` in front of them, and ``##[``
    anywhere becomes ``#\\u0023[`` (valid inside a JSON string: ``--who --format
    json`` answers still decode to the same path). A line start that is still
    undecided (blanks or one ``:``) is held back until the next character decides
    it, and so are the ``#`` (at most two) that end a write; :meth:`close_line`
    releases them. Everything else (``isatty``, ``encoding``, ``fileno``) is the
    wrapped stream's.
    """

    def __init__(self, stream) -> None:
        self._stream = stream
        self._head: "str | None" = ""  # the undecided start of the current line; None once decided
        self._hashes = ""  # the `#` ending the decided line so far, not yet written (a `[` may follow)

    def write(self, text: str) -> int:
        fresh = self._head == "" and not self._hashes  # at a line start, nothing held
        if (fresh or self._head is None and not self._hashes) and text.endswith(("\n", "\r")) \
                and not _has_legacy(text) and not _colon_line_start(text):
            # Whole lines, none starting with `:` nor holding `##[`: nothing to guard or hold back
            # (``--who`` answers: a few searches at memory speed).
            self._stream.write(text)
            self._head = ""
            return len(text)
        out: list = []
        pos = 0
        if not fresh:  # first the rest of the current line
            brk = _LINE_BREAK.search(text)
            pos = len(text) if brk is None else brk.end()
            self._line(text[:pos], out)
        last = max(text.rfind("\n"), text.rfind("\r")) + 1
        if last > pos:  # whole lines: guarded at once (``--who`` answers with a hostile path among them)
            out.append(_guard_lines(text[pos:last]))
            pos = last
        if pos < len(text):
            self._line(text[pos:], out)
        if out:
            self._stream.write("".join(out))
        return len(text)

    def _line(self, piece: str, out: list) -> None:
        """Guard ``piece``, a part of the current line (ending with its break, if it has one), into ``out``."""
        ended = piece.endswith(("\n", "\r"))
        text = piece[:-1] if ended else piece
        if self._head is None:
            line = self._hashes + text
        else:
            head = self._head + text
            body = head.lstrip(_INLINE_BLANKS)
            if body in ("", ":") and not ended:
                self._head = head  # still undecided
                return
            line = head[: len(head) - len(body)] + "\\" + body if body.startswith("::") else head
        self._hashes = ""
        if ended:
            out.append(line.replace(LEGACY_PREFIX, LEGACY_BROKEN) + piece[-1])
            self._head = ""
            return
        self._head = None
        kept = max(len(line.rstrip("#")), len(line) - 2)  # `##[` needs at most the last two
        self._hashes = line[kept:]
        out.append(line[:kept].replace(LEGACY_PREFIX, LEGACY_BROKEN))

    def close_line(self) -> None:
        """Write a held-back line start (blanks or a single ``:``) or ``#``, harmless on their own."""
        if self._head:
            self._stream.write(self._head)
            self._head = None
        elif self._hashes:
            self._stream.write(self._hashes)
            self._hashes = ""

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name):
        return getattr(self._stream, name)
