"""Progress for long work, shown to a person at a terminal and to nobody else.

A check that hashes, scans or proves for more than a moment calls::

    with progress(ctx.stderr, "hashing", total=len(files), unit="file") as bar:
        for f in files:
            ...
            bar.advance(1, note=f)

On a terminal this is a tqdm bar (a counter when ``total`` is unknown) that
appears after half a second and erases itself when done. Anywhere else (a
pipe, a file, a CI log: ``CI``, ``GITHUB_ACTIONS`` and the like are set) it
prints nothing at all, so logs and machine-readable output stay clean.
Notes from the repository (file names) are escaped like every other output.
"""

from __future__ import annotations

import os
import threading
from typing import Mapping, Optional, TextIO

#: Environment variables that mean "a CI system is running us": its log is not a terminal,
#: even when the runner allocates a pseudo-terminal.
CI_VARIABLES = ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "TF_BUILD", "JENKINS_URL", "TEAMCITY_VERSION")


def enabled(stream: TextIO, environ: Optional[Mapping[str, str]] = None) -> bool:
    """True only for a terminal outside CI (and not ``TERM=dumb``)."""
    env = os.environ if environ is None else environ
    if any(env.get(name) for name in CI_VARIABLES) or env.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Progress:
    """One bar; a no-op when not :func:`enabled`. Use as a context manager."""

    def __init__(self, stream: TextIO, label: str, total: Optional[float] = None, unit: str = "it",
                 environ: Optional[Mapping[str, str]] = None, tick: bool = False) -> None:
        self._bar = None
        self._stop: Optional[threading.Event] = None
        if enabled(stream, environ):
            from tqdm import tqdm  # only on a terminal: a hook in a pipe never pays for the import

            from .escape import terminal_safe

            self._bar = tqdm(total=total, desc=terminal_safe(label), unit=unit, file=stream, leave=False, delay=0.5,
                             dynamic_ncols=True, mininterval=0.2)
            if tick:  # work that reports no steps (one subprocess): keep the elapsed time moving
                self._stop = threading.Event()
                threading.Thread(target=self._tick, args=(self._bar, self._stop), daemon=True).start()

    @property
    def active(self) -> bool:
        return self._bar is not None

    def advance(self, n: float = 1, note: Optional[str] = None) -> None:
        """Count ``n`` more units done; ``note`` (e.g. the current file) is shown escaped beside the bar."""
        if self._bar is None:
            return
        if note is not None:
            from .escape import terminal_safe

            self._bar.set_postfix_str(terminal_safe(note)[-60:], refresh=False)
        self._bar.update(n)

    @staticmethod
    def _tick(bar, stop: threading.Event) -> None:
        while not stop.wait(0.5):
            bar.refresh()

    def close(self) -> None:
        if self._stop is not None:
            self._stop.set()
            self._stop = None
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def progress(stream: TextIO, label: str, total: Optional[float] = None, unit: str = "it",
             environ: Optional[Mapping[str, str]] = None, tick: bool = False) -> Progress:
    """A :class:`Progress` for ``stream`` (usually ``ctx.stderr``); ``tick`` refreshes it twice a second
    for work that advances in few large steps (a subprocess)."""
    return Progress(stream, label, total, unit, environ, tick)
