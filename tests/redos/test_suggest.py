"""Suggested rewrites: proven safe by the analysis and matching the same short strings."""

from __future__ import annotations

from governance_hooks.redos.analyze import analyze
from governance_hooks.redos.suggest import suggest, unparse
from governance_hooks.redos.sre_compat import parse


def _suggest(pattern, kind="match", flags=0):
    return suggest(pattern, flags, kind, analyze(pattern, flags, kind))


def test_possessive_inner_quantifier():
    assert _suggest(r"(a+)+b").startswith("make the quantifier possessive: '(a++)+b'")


def test_a_possessive_rewrite_that_changes_the_language_is_refused():
    # x++x+ could never match: the first loop would take every x
    text = _suggest(r"(x+x+)+y")
    assert "x++x+" not in text and text.startswith("make the quantifier possessive: '(x+x++)+y'")


def test_escape_aware_string_literal_gets_no_unsound_rewrite():
    # making the loop possessive would reject '"a\\"' style inputs the original accepts
    assert _suggest(r'"(?:\\.|[^"])*"') is None


def test_lookbehind_guard_for_searched_trailing_space():
    assert _suggest(r"\s+$", "search").startswith("stop the retries inside a run: '(?<!\\\\s)\\\\s+$'")


def test_safe_pattern_gets_no_suggestion():
    assert _suggest(r"[a-z]+") is None


def test_printer_round_trips_the_parse_tree():
    for pattern in [r"(?P<w>\w+)\s*=\s*(?:'[^']*'|\d{1,3})$", r"[^\]\-a-z]+?(?=x)(?<!y)\b", r"(a)(?(1)b|c)\1"]:
        tree = parse(pattern, 0)
        names = {v: k for k, v in tree.state.groupdict.items()}
        assert repr(parse(unparse(tree.data, names), 0).data) == repr(tree.data)
