"""Parse ``sha256sum`` checksum files (SHA256SUMS, NAME.sha256sum) as untrusted input.

Follows GNU coreutils 9.x ``md5sum.c`` (``digest_check``, ``split_3``,
``bsd_split_3``, ``filename_unescape``), the reference for what
``sha256sum -c`` accepts:

* ``<64 hex><space><space|*><name>``: text or binary (``*``) mode; every byte
  after the mode character is part of the name, spaces included;
* a leading ``\\`` marks an escaped name in which only ``\\\\``, ``\\n`` and
  ``\\r`` may appear (names holding a backslash or a line break);
* the BSD tag form ``SHA256 (<name>) = <hex>`` and the reversed
  ``<hex> <name>`` form (not mixed with the standard form);
* ``#`` comment lines and empty lines are skipped; a trailing CR is dropped;
  hex digits may be upper case.

Names are bytes on disk; they are decoded like ``os.fsdecode`` (UTF-8 with
surrogate escapes) so odd bytes survive. A leading ``./`` (``find .`` output)
is dropped. Other lines become problems with their line number.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional, Tuple

from .model import SHA256SUMS, Entry, Manifest, Problem

_HEX = re.compile(rb"[0-9A-Fa-f]{64}\Z")
_WHITE = b" \t"
_TAG = b"SHA256"
_BOM = b"\xef\xbb\xbf"


def _unescape(name: bytes) -> Optional[bytes]:
    """coreutils ``filename_unescape``: ``\\\\``, ``\\n``, ``\\r``; anything else (or a NUL) is invalid."""
    out = bytearray()
    i = 0
    while i < len(name):
        c = name[i]
        if c == 0x5C:  # backslash
            if i == len(name) - 1:
                return None
            nxt = name[i + 1]
            if nxt == ord("n"):
                out += b"\n"
            elif nxt == ord("r"):
                out += b"\r"
            elif nxt == 0x5C:
                out += b"\\"
            else:
                return None
            i += 2
            continue
        if c == 0:
            return None
        out.append(c)
        i += 1
    return bytes(out)


class _State:
    """Whether the file uses the reversed BSD form; coreutils refuses to mix the two."""

    def __init__(self) -> None:
        self.bsd_reversed: Optional[bool] = None


def split_line(line: bytes, state: _State) -> Tuple[Optional[Tuple[bytes, bytes]], str]:
    """Split one checksum line into ``(hex, name)``; ``(None, reason)`` if it is malformed."""
    i = 0
    while i < len(line) and line[i] in _WHITE:
        i += 1
    escaped = line[i:i + 1] == b"\\"
    if escaped:
        i += 1
    if line.startswith(_TAG, i):
        j = i + len(_TAG)
        if line[j:j + 1] == b" ":
            j += 1
        if line[j:j + 1] != b"(":
            return None, "starts with SHA256 but is not 'SHA256 (NAME) = HEX'"
        rest = line[j + 1:]
        close = rest.rfind(b")")
        if close < 0:
            return None, "BSD tag line without ')'"
        name = rest[:close]
        tail = rest[close + 1:].lstrip(_WHITE)
        if not tail.startswith(b"="):
            return None, "BSD tag line without '= HEX'"
        digest = tail[1:].lstrip(_WHITE)
        if escaped:
            name = _unescape(name)
            if name is None:
                return None, "bad escape in the name (only \\\\, \\n and \\r are allowed)"
        if not _HEX.match(digest):
            return None, "the digest is not 64 hex digits"
        return (digest, name), ""
    digest = line[i:i + 64]
    if len(digest) < 64 or not _HEX.match(digest):
        return None, "does not start with 64 hex digits (a sha256 digest)"
    i += 64
    if i >= len(line) or line[i] not in _WHITE:
        return None, "the digest is not followed by a space"
    i += 1
    if i >= len(line):
        return None, "no file name after the digest"
    if len(line) - i == 1 or line[i] not in b" *":
        # The reversed BSD form "<hex> <name>"; coreutils only accepts it from the first line on.
        if state.bsd_reversed is False:
            return None, "mixes '<hex> <name>' with the '<hex>  <name>' form (coreutils refuses this)"
        state.bsd_reversed = True
    elif state.bsd_reversed is not True:
        state.bsd_reversed = False
        i += 1  # the mode character: ' ' text, '*' binary
    name = line[i:]
    if escaped:
        name = _unescape(name)
        if name is None:
            return None, "bad escape in the name (only \\\\, \\n and \\r are allowed)"
    if not name:
        return None, "no file name after the digest"
    return (digest, name), ""


def parse_sha256sums(data: bytes, path: Path, covers_folder: bool = True) -> Manifest:
    """Parse a ``sha256sum`` file; never raises.

    Args:
        data: the file's bytes.
        path: where it was read from.
        covers_folder: True for ``SHA256SUMS`` (unlisted files in its folder are new),
            False for per-file ``NAME.sha256sum``.
    """
    manifest = Manifest(path=path, format=SHA256SUMS, covers_folder=covers_folder)
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    state = _State()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for number, raw in enumerate(lines, start=1):
        if raw.startswith(b"#"):
            continue
        line = raw[:-1] if raw.endswith(b"\r") else raw
        if not line:
            continue
        parts, reason = split_line(line, state)
        if parts is None:
            manifest.problems.append(Problem(f"improperly formatted sha256sum line: {reason}", line=number, column=1))
            continue
        digest, name = parts
        text = name.decode("utf-8", "surrogateescape")  # as os.fsdecode does on POSIX
        while text.startswith("./"):
            text = text[2:]
        manifest.listed.add(text)
        manifest.entries.append(Entry(path=text, sha256=digest.decode("ascii").lower(), size=None,
                                      index=len(manifest.entries), line=number))
    return manifest
