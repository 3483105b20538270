"""The prover's progress callback, ``callback(what, done, total)``, shown with the shared bar.

One bar per phase (shadowing, redundancy, conflicts, ...) through
:mod:`governance_hooks.progress`: on a terminal outside CI only, so CI logs,
pipes and the plain hook's captured output stay clean.
"""

from __future__ import annotations

import sys
from typing import Mapping, Optional, TextIO

from ..progress import Progress, enabled, progress


class PhaseProgress:
    """Callable as ``progress(what, done, total)``; a new ``what`` closes the bar and opens the next."""

    def __init__(self, stream: TextIO, environ: Optional[Mapping[str, str]] = None) -> None:
        self.stream, self.environ = stream, environ
        self.what: Optional[str] = None
        self.done = 0
        self.bar: Optional[Progress] = None

    @classmethod
    def if_terminal(cls, stream: Optional[TextIO] = None,
                    environ: Optional[Mapping[str, str]] = None) -> Optional["PhaseProgress"]:
        """A :class:`PhaseProgress` on ``stream`` (default stderr) when it is a terminal outside CI, else ``None``."""
        stream = stream or sys.stderr
        return cls(stream, environ) if enabled(stream, environ) else None

    def __call__(self, what: str, done: int, total: int) -> None:
        if what != self.what or self.bar is None:
            self.close()
            self.what, self.done = what, 0
            self.bar = progress(self.stream, what, total=total, unit="rule", environ=self.environ)
        self.bar.advance(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
