"""Escaping repository-derived text for each output, losslessly.

Everything a finding carries (paths, messages, evidence) may come from a
hostile repository: non-UTF-8 file names (decoded with ``surrogateescape``,
PEP 383, so byte ``0xff`` is ``U+DCFF``), lone surrogates from JSON
(``"\\ud800"``), terminal escapes (``ESC [ 2 K``, OSC 52 clipboard writes),
workflow commands (``::stop-commands::``) and Markdown/HTML. Each function
here makes one kind of output safe without losing what the text said.
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


def no_workflow_command(line: str) -> str:
    """``line`` such that the GitHub runner cannot read it as a workflow command.

    The runner treats a line whose first non-blank characters are ``::`` as a
    command; a visible backslash goes in front and the text is otherwise kept:
    ``::x`` becomes ``\\::x``.
    """
    stripped = line.lstrip(" \t")
    if stripped.startswith("::"):
        return line[: len(line) - len(stripped)] + "\\" + stripped
    return line


def json_safe(document_text: str) -> str:
    """JSON text produced with ``ensure_ascii=False`` made encodable as UTF-8, losslessly.

    Lone surrogates can only occur inside JSON strings; each becomes the JSON
    escape ``\\udXXX``, which JSON parsers (Python's ``json``) read back as the
    same code point, so a non-UTF-8 file name round-trips through
    ``os.fsencode``.
    """
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
    parsing and restores ``|`` inside the span.
    """
    safe = terminal_safe(text).replace("|", "\\|")
    runs = [len(r) for r in re.findall("`+", safe)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if safe.startswith("`") or safe.endswith("`") or (safe.startswith(" ") and safe.endswith(" ") and safe.strip()) else ""
    return f"{fence}{pad}{safe}{pad}{fence}"


_LINE_BREAK = re.compile(r"[\n\r]")
#: A line start (of the text or after a break) whose first non-blank character is ``:``.
_COLON_LINE_START = re.compile(r"(?:^|[\n\r])[ \t]*:")


def _colon_line_start(text: str) -> bool:
    """Whether a line of ``text`` starts with ``:`` after blanks (``_COLON_LINE_START``), faster.

    ``_COLON_LINE_START`` tries its alternation at every character (2 ms for 1,024 ``--who`` answers);
    without a ``\\r`` and with a first character that cannot start the match, only ``\\n`` can, and a
    pattern that starts with that literal is searched at memory speed.
    """
    if text[:1] in (" ", "\t", ":") or "\r" in text:
        return _COLON_LINE_START.search(text) is not None
    return _NEWLINE_COLON.search(text) is not None


_NEWLINE_COLON = re.compile(r"\n[ \t]*:")


class CommandGuard:
    """A text stream wrapper that keeps any line from starting a GitHub workflow command.

    Checks write notes and progress to ``ctx.stderr`` (and ``--who`` style answers
    to ``ctx.stdout``) with text that may come from the repository; the runner
    reads both streams for ``::command::`` lines. Each line whose first
    non-blank characters are ``::`` gets a ``\\`` in front (as
    :func:`no_workflow_command`), whatever the write boundaries are. A line
    start that is still undecided (blanks or one ``:``) is held back until the
    next character decides it; :meth:`close_line` releases it. Everything else
    (``isatty``, ``encoding``, ``fileno``) is the wrapped stream's.
    """

    def __init__(self, stream) -> None:
        self._stream = stream
        self._head: "str | None" = ""  # the undecided start of the current line; None once decided

    def write(self, text: str) -> int:
        if (self._head is None or self._head == "") and text.endswith(("\n", "\r")) \
                and not _colon_line_start(text):
            # Whole lines, none starting with `:`: nothing to guard or hold back (``--who`` answers).
            self._stream.write(text)
            self._head = ""
            return len(text)
        out = []
        pos, end = 0, len(text)
        while pos < end:
            if self._head is None:
                # The rest of a decided line is copied whole: only line starts are inspected
                # (``--who`` writes its answers through here, a character loop was most of its time).
                brk = _LINE_BREAK.search(text, pos)
                if brk is None:
                    out.append(text[pos:])
                    break
                out.append(text[pos:brk.end()])
                self._head = ""
                pos = brk.end()
                continue
            ch = text[pos]
            pos += 1
            if ch in "\n\r":
                out.append(self._head + ch)
                self._head = ""
                continue
            self._head += ch
            body = self._head.lstrip(" \t")
            if body in ("", ":"):
                continue
            if body.startswith("::"):
                out.append(self._head[: len(self._head) - len(body)] + "\\" + body)
            else:
                out.append(self._head)
            self._head = None
        if out:
            self._stream.write("".join(out))
        return len(text)

    def close_line(self) -> None:
        """Write a held-back line start (blanks or a single ``:``, harmless on their own)."""
        if self._head:
            self._stream.write(self._head)
            self._head = None

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name):
        return getattr(self._stream, name)
