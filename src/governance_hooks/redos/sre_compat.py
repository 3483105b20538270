"""The interpreter's own regex parser, behind a version switch.

CPython's parser already applies the rewrites that decide whether a pattern is
ambiguous: alternatives of single characters become one class, a common
prefix of the alternatives is factored out.  Analysing its output (instead of
re-parsing with another grammar) keeps our model faithful to ``re``.
Source: ``Lib/re/_parser.py`` (3.11+) and ``Lib/sre_parse.py`` (before 3.11).
"""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):  # the re package was split into private modules in 3.11
    from re import _compiler as compiler
    from re import _constants as constants
    from re import _parser as parser
else:  # pragma: no cover - older interpreters only
    import sre_compile as compiler  # type: ignore[no-redef]
    import sre_constants as constants  # type: ignore[no-redef]
    import sre_parse as parser  # type: ignore[no-redef]

try:  # extra IGNORECASE equivalences (e.g. 'k' ~ KELVIN SIGN), 3.7+ in different homes
    from re._casefix import _EXTRA_CASES as EXTRA_CASES  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    try:
        from sre_compile import _ignorecase_fixes as _fixes  # type: ignore[attr-defined]

        EXTRA_CASES = _fixes
    except ImportError:
        EXTRA_CASES = {}

#: Names of opcodes this analysis understands; anything else is "unsupported".
OP = {name: getattr(constants, name) for name in (
    "LITERAL", "NOT_LITERAL", "ANY", "IN", "BRANCH", "SUBPATTERN", "MAX_REPEAT", "MIN_REPEAT",
    "AT", "ASSERT", "ASSERT_NOT", "GROUPREF", "GROUPREF_EXISTS", "CATEGORY", "RANGE", "NEGATE",
) if hasattr(constants, name)}
POSSESSIVE_REPEAT = getattr(constants, "POSSESSIVE_REPEAT", None)
ATOMIC_GROUP = getattr(constants, "ATOMIC_GROUP", None)
MAXREPEAT = constants.MAXREPEAT

FLAG_IGNORECASE = constants.SRE_FLAG_IGNORECASE
FLAG_MULTILINE = constants.SRE_FLAG_MULTILINE
FLAG_DOTALL = constants.SRE_FLAG_DOTALL
FLAG_VERBOSE = constants.SRE_FLAG_VERBOSE
FLAG_ASCII = constants.SRE_FLAG_ASCII
FLAG_UNICODE = constants.SRE_FLAG_UNICODE
FLAG_LOCALE = constants.SRE_FLAG_LOCALE
#: re.DEBUG makes the parser and the compiler print to stdout (it would corrupt our output)
FLAG_DEBUG = constants.SRE_FLAG_DEBUG


def parse(pattern, flags: int):
    """Parse ``pattern`` (str or bytes) with ``flags`` into CPython's ``SubPattern`` tree.

    Raises:
        re.error: the pattern does not compile (the message is CPython's).
        RecursionError: nesting deeper than the parser's recursion allows.
    """
    import warnings

    with warnings.catch_warnings():  # FutureWarning/DeprecationWarning about the scanned pattern
        warnings.simplefilter("ignore")
        return parser.parse(pattern, flags & ~FLAG_DEBUG)


def check_compiles(pattern, flags: int, tree=None) -> None:
    """Compile ``pattern`` with CPython's own compiler, to catch what only it rejects.

    The parser accepts some patterns the compiler refuses, e.g. ``(?<=a+)b``
    ("look-behind requires fixed-width pattern", raised by ``_compiler._compile``).
    Compiling never runs the pattern, and counted repeats stay counts in the
    bytecode (``a{1000000}`` is one REPEAT opcode), so this is linear in the
    pattern.  The compiler is called directly rather than through ``re.compile``
    so that ``re``'s module cache does not keep megabyte patterns alive.
    ``tree``: :func:`parse`'s result for the same pattern and flags, compiled
    as it is instead of parsing the text again (the compiler only reads it).

    Raises:
        re.error: the pattern does not compile (CPython's message).
        RecursionError, OverflowError, ValueError, TypeError: as ``re.compile`` would.
    """
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compiler.compile(pattern if tree is None else tree, flags & ~FLAG_DEBUG)
