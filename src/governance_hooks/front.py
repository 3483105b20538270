"""The entry of ``governance-hooks`` and ``python -m governance_hooks``.

A plain ``codeowners --who`` query is answered by :func:`.codeowners.who.quick`, which loads the
matcher and nothing of the framework (argparse, configuration, reports): on a small repository such
a command spends most of its time starting. Everything else, and any query ``quick`` declines, goes
to :func:`.cli.main`; both print the same bytes.
"""

from __future__ import annotations

import sys


def main(argv: "list[str] | None" = None) -> int:
    """Run the command ``argv`` (default: ``sys.argv[1:]``); returns the exit code (see :mod:`.cli`)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["codeowners"] and "--who" in argv:
        from .codeowners.who import quick

        code = quick(argv, sys.stdout)  # None: not the plain query, nothing written
        if code is not None:
            return code
    from .cli import main as full

    return full(argv)
