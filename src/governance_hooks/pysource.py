"""The one way to parse repository Python source: with compiler warnings silenced.

Python warns while it parses a string literal (``SyntaxWarning: invalid escape
sequence '\\d'`` from 3.12, ``DeprecationWarning`` before; ``invalid decimal
literal`` for ``0in x``). The default warning handler prints the file name and
the offending source line to stderr, so a committed file could write any line
there, a GitHub workflow command such as ``::error ...`` included. Such warnings
say nothing about what the checks look for, so they are dropped here for every
parse, whatever filter the process runs under (``-W error`` would otherwise turn
them into a ``SyntaxError`` and hide the file from the check).
"""

from __future__ import annotations

import ast
import warnings
from typing import Any, Union


def parse(source: Union[str, bytes], path: str = "<unknown>", mode: str = "exec") -> ast.AST:
    """``ast.parse(source, path, mode)`` with no warning shown, recorded or raised.

    Raises what ``ast.parse`` raises on bad source (``SyntaxError``, ``ValueError``
    for NUL bytes, ``RecursionError``/``MemoryError`` on deep nesting).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source, filename=path, mode=mode)


def literal(text: str) -> Any:
    """``ast.literal_eval(text)`` with no warning: the value of a Python literal.

    Leading blanks are dropped as ``literal_eval`` does; raises ``SyntaxError``
    or ``ValueError`` (not a literal), as ``literal_eval`` does.
    """
    return ast.literal_eval(parse(text.lstrip(" \t"), mode="eval"))
