"""Emitting a finished report: ``--format`` to ``--output`` or stdout, and the ``--summary`` file.

Shared by single checks (through ``cli.py``) and ``governance-hooks run``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Mapping, Optional

from .errors import ToolError
from .report import Report, render


def is_tty(stream) -> bool:
    """True when ``stream`` is a terminal (False for pipes, files and closed or fake streams)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def use_color(stream, environ: Optional[Mapping[str, str]] = None) -> bool:
    """Colour for ``stream``: ``NO_COLOR`` (non-empty) wins, then ``FORCE_COLOR`` (non-empty, not ``0``), else a TTY.

    Source: https://no-color.org and https://force-color.org.
    """
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    force = env.get("FORCE_COLOR")
    if force and force != "0":
        return True
    return is_tty(stream)


def use_links(environ: Optional[Mapping[str, str]] = None) -> bool:
    """OSC 8 hyperlinks (rule ids linked to their docs) for a terminal that is known to show them.

    ``FORCE_HYPERLINK=1``/``0`` decides; otherwise terminals that announce
    themselves and support OSC 8: Windows Terminal, iTerm2, WezTerm, VS Code,
    kitty, ghostty, VTE 0.50+ (GNOME Terminal and others), Konsole. Elsewhere
    the plain rule id is printed (an unsupported terminal may show the escape).
    """
    env = os.environ if environ is None else environ
    forced = env.get("FORCE_HYPERLINK")
    if forced is not None and forced != "":
        return forced != "0"
    if env.get("TERM") == "dumb":
        return False
    if env.get("WT_SESSION") or env.get("KITTY_WINDOW_ID") or env.get("KONSOLE_VERSION"):
        return True
    if env.get("TERM_PROGRAM") in ("iTerm.app", "WezTerm", "vscode", "ghostty"):
        return True
    try:
        return int(env.get("VTE_VERSION", "0")) >= 5000
    except ValueError:
        return False


def emit(report: Report, args: argparse.Namespace, stdout) -> None:
    """Write the report in ``--format`` to ``--output`` or stdout, and ``--summary`` if asked.

    Raises:
        ToolError: when an output file cannot be written.
    """
    quiet = bool(getattr(args, "quiet", False))
    if args.output is not None:
        text = render(args.format, report, color=False, quiet=quiet)
        write_output(args.output, text)
    else:
        color = args.format == "text" and use_color(stdout)
        stdout.write(render(args.format, report, color=color, links=color and use_links(), quiet=quiet))
    if args.summary is not None:
        from .report.github import render_summary

        write_output(args.summary, render_summary(report, annotated=args.format == "github"), append=True)


def write_output(path: Path, text: str, append: bool = False) -> None:
    """Write (or append) ``text`` as UTF-8 to ``path`` through the one atomic writer.

    Raises:
        ToolError: with the path and the OS reason when it cannot be written.
    """
    from .atomic import write_atomic

    try:
        write_atomic(path, text, append=append)  # the one output writer: devices written through, links refused
    except OSError as exc:
        raise ToolError(f"{path}: cannot write: {exc.strerror or exc}") from None
