"""Repository Python is parsed only through ``pysource``, which never lets a compiler warning out.

A warning about a string literal (``invalid escape sequence '\\d'``: a
``DeprecationWarning`` before 3.12, a ``SyntaxWarning`` from 3.12) is printed with
the file name and the source line, so a committed file could write any line,
a workflow command included, to the runner's stderr.
"""

from __future__ import annotations

import ast
import warnings

import pytest

from governance_hooks import pysource

from .test_mechanisms import SRC, _dotted

#: Invalid escapes (a warning on every supported Python) and an "invalid decimal literal" (3.12+).
SOURCE = 'x = "\\d"\ny = f"""\n::error file=a.py::forged \\q"""\nz = 0 if 1 else 2\nw = [0x1for v in ()]\n'


def _reference_dump(source, mode="exec"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.dump(ast.parse(source, mode=mode))


@pytest.mark.parametrize("action", ["error", "always", "default"])
def test_parse_shows_records_and_raises_no_warning_under_any_filter(action):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter(action)
        tree = pysource.parse(SOURCE, "evil.py")
        tree_of_bytes = pysource.parse(SOURCE.encode(), "evil.py")
    assert seen == []
    assert ast.dump(tree) == ast.dump(tree_of_bytes) == _reference_dump(SOURCE)
    assert [n.value.value for n in tree.body[:1]] == ["\\d"]


def test_the_source_does_warn_without_the_helper():
    # The test above is not vacuous: a plain parse of SOURCE warns about the escape.
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        ast.parse(SOURCE)
    assert "invalid escape sequence '\\d'" in [str(w.message) for w in seen]


@pytest.mark.parametrize("action", ["error", "always"])
def test_literal_gives_the_value_without_a_warning(action):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter(action)
        value = pysource.literal(" \t{'descr': '<f\\d', 'shape': (2, 3)}")
    assert seen == []
    assert value == {"descr": "<f\\d", "shape": (2, 3)}


def test_literal_refuses_what_literal_eval_refuses():
    with pytest.raises(ValueError):
        pysource.literal("__import__('os')")
    with pytest.raises(SyntaxError):
        pysource.literal("{'a': ")


def test_parse_raises_what_ast_parse_raises():
    with pytest.raises(SyntaxError):
        pysource.parse("def (:\n", "bad.py")
    with pytest.raises((SyntaxError, ValueError)):
        pysource.parse("x = 1\0\n", "nul.py")


def _parse_calls():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel == "pysource.py" or rel.startswith("data/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), rel)):
            if isinstance(node, ast.Call) and _dotted(node.func) in (
                    "ast.parse", "ast.literal_eval", "compile", "exec", "eval"):
                found.append((rel, node.lineno, _dotted(node.func)))
    return found


def test_no_module_parses_python_outside_pysource():
    assert _parse_calls() == []
