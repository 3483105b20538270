"""Python-specific semantics of the analysis, attack strings, and budgets."""

from __future__ import annotations

import re
import time

import pytest

from governance_hooks.redos.ambiguity import Budget
from governance_hooks.redos.analyze import analyze


def test_nested_quantifier_attack_expression():
    verdict = analyze(r"(a+)+b", 0, "match")
    assert verdict.kind == "exponential"
    assert verdict.attack.expression(30) == "'aa' + 'aa' * 30 + '!'"


def test_quadratic_trailing_space_under_search_only():
    search = analyze(r"\s+$", 0, "search")
    assert (search.kind, search.degree) == ("polynomial", 2)
    assert search.attack.expression(3) == "'  ' * 3 + '!'"
    assert analyze(r"\s+$", 0, "match").kind == "safe"


def test_single_character_alternatives_merge_but_identical_branches_do_not():
    assert analyze(r"(\d|[0-9])*b", 0, "match").kind == "safe"
    assert analyze(r"(a|a)*b", 0, "match").kind == "exponential"


def test_priority_first_alternative_always_succeeds():
    # no failing suffix exists: the ambiguity is reported unproven, for the engine to time
    verdict = analyze(r"([\s\S]+|(a+)*$)", 0, "search")
    assert (verdict.kind, verdict.attack.succeeds) == ("exponential", True)
    assert "no-failing-suffix" in verdict.approximations


def test_dollar_never_takes_a_newline_suffix():
    verdict = analyze(r"(a|a)*$", 0, "match")
    assert verdict.kind == "exponential"
    assert all("\n" not in s for s in verdict.attack.suffixes)
    # the newline-pumped DOTALL case still finds a failing suffix
    assert analyze(r"(?s)(?:.x|\nx)*$", 0, "match").kind == "exponential"


def test_ignorecase_kelvin_sign_and_ascii_folding():
    assert analyze("(?:ka|\u212aa)*$", re.I, "match").kind == "exponential"
    assert analyze("(?:ka|\u212aa)*$", 0, "match").kind == "safe"
    assert analyze("(?:ka|\u212aa)*$", re.I | re.A, "match").kind == "safe"


def test_unicode_versus_ascii_and_bytes_classes():
    assert analyze("(?:\\wx|\u00e9x)*$", 0, "match").kind == "exponential"
    assert analyze("(?:\\wx|\u00e9x)*$", re.A, "match").kind == "safe"
    assert analyze(b"(?:\\wx|\xe9x)*$", 0, "match").kind == "safe"


def test_possessive_and_atomic_remove_backtracking():
    assert analyze(r"(a++)+b", 0, "match").kind == "safe"
    assert analyze(r"(?>a+)+b", 0, "match").kind == "safe"
    # ...but search still retries every start position
    poss = analyze(r"a++b", 0, "search")
    assert (poss.kind, poss.degree) == ("polynomial", 2)


def test_search_adds_a_degree():
    assert analyze(r"a*a*a*$", 0, "match").degree == 3
    assert analyze(r"a*a*a*$", 0, "search").degree == 4


def test_success_state_prunes_ambiguity_behind_it():
    assert analyze(r".*.*=.*", 0, "match").degree == 2


def test_one_character_lookbehind_is_modelled():
    assert analyze(r"(?<!\s)\s*$", 0, "search").kind == "safe"
    assert analyze(r"(?<=x)a+b", 0, "search").kind == "safe"


def test_invalid_patterns_are_reported_with_cpythons_message():
    verdict = analyze("(?P<x", 0, "search")
    assert verdict.kind == "invalid"
    assert verdict.reason == "missing >, unterminated name at position 4"
    assert analyze("x", re.U | re.A, "search").kind == "invalid"


@pytest.mark.parametrize("pattern", [
    "a{1000000}",
    "(a{1000}){1000}",
    "(" * 5000 + "a" + ")" * 5000,
    "(?:" * 300 + "a*" + ")*" * 300 + "b",
    "|".join(f"w{i}x" for i in range(3000)),
    "[a-z]" * 20000,
    "(a|b|ab|ba|aa|bb)" * 40 + "$",
])
def test_hostile_patterns_end_within_budget(pattern):
    started = time.monotonic()
    verdict = analyze(pattern, 0, "search", Budget(deadline=time.monotonic() + 2.0))
    assert time.monotonic() - started < 10
    assert verdict.kind in ("safe", "exponential", "polynomial", "incomplete")


def test_deep_nesting_is_incomplete_not_a_crash():
    verdict = analyze("(" * 5000 + "a" + ")" * 5000, 0, "match")
    assert verdict.kind == "incomplete"


def test_state_budget_yields_incomplete():
    verdict = analyze(r"(?:\w\d\s){12}" * 30, 0, "match", max_states=200)
    assert verdict.kind == "incomplete"
    assert verdict.reason == "automaton exceeds 200 states"
