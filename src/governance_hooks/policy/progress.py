"""A one-line progress display for long proofs, on a terminal only.

Written for the policy check alone until a shared progress helper exists in
the package; it prints nothing unless stderr is a terminal and ``CI`` is
unset, so CI logs, pipes and the plain hook's captured output stay clean.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Optional, TextIO


class TerminalProgress:
    """``progress(what, done, total)`` rewrites one stderr line, at most 10 times a second."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.last = 0.0
        self.shown = False

    @classmethod
    def if_terminal(cls, stream: Optional[TextIO] = None) -> Optional["TerminalProgress"]:
        stream = stream or sys.stderr
        try:
            interactive = stream.isatty()
        except (AttributeError, ValueError):
            interactive = False
        if not interactive or os.environ.get("CI") or os.environ.get("GITHUB_ACTIONS"):
            return None
        return cls(stream)

    def __call__(self, what: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.1:
            return
        self.last = now
        # Control characters from a hostile policy path must not reach the terminal.
        text = "".join(ch if ch.isprintable() else "?" for ch in what)[:100]
        self.stream.write(f"\r\x1b[K{text}: {done}/{total}")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
