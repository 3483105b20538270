"""Patterns of the third-party ``regex`` module: translated syntax, same analysis, timed on ``regex`` itself.

Tokenizer patterns are the published GPT-2 and cl100k_base pre-tokenizer
expressions (facts about public code); the rest are minimal re-creations.
"""

from __future__ import annotations

import pytest

regex = pytest.importorskip("regex")

from governance_hooks.redos.analyze import analyze  # noqa: E402
from governance_hooks.redos.confirm import Confirmer  # noqa: E402
from governance_hooks.redos.regex_syntax import REGEX_ONLY, Unsupported, to_regex_flags, translate  # noqa: E402

GPT2 = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
CL100K = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
          r"""|\s*[\r\n]+|\s+(?!\S)|\s+""")


def test_property_classes_come_from_the_installed_regex_module():
    translated, flags, approximations = translate(r"\p{Lu}[[:digit:]]", 0)
    import re

    compiled = re.compile(translated, flags)
    for ch in "AÉΩ":
        assert compiled.fullmatch(ch + "7")
    assert not compiled.fullmatch("a7") and approximations == ()


def test_version1_set_operations_and_named_lists():
    translated, _, _ = translate(r"(?V1)[[a-z]--[aeiou]]+", 0)
    import re

    assert re.fullmatch(translated, "bcd") and not re.fullmatch(translated, "bad")
    assert translate(r"\L<words>", 0)[2] == ("named-list",)


@pytest.mark.parametrize("pattern, construct", [
    (r"(?:foo){e<=1}", "fuzzy matching {e<=1}"),
    (r"(?:ab){i<=1,d<=1}c", "fuzzy matching {i<=1,d<=1}"),
    (r"\((?:[^()]|(?R))*\)", "recursion"),
    (r"(?r)abc", "reverse searching"),
])
def test_unmodelled_constructs_are_named(pattern, construct):
    with pytest.raises(Unsupported, match=construct.replace("{", r"\{").replace("(", r"\(").replace(")", r"\)")):
        translate(pattern, 0)
    verdict = analyze(pattern, 0, "search", engine="regex")
    assert verdict.kind == "incomplete" and construct in verdict.reason


def test_flags_are_converted_to_regex_values():
    import re

    assert to_regex_flags(re.I | re.A | REGEX_ONLY["V1"]) == int(regex.I | regex.A | regex.V1)


def test_tokenizer_patterns_are_analysed_not_rejected():
    for pattern in (GPT2, CL100K):
        verdict = analyze(pattern, 0, "search", engine="regex")
        assert verdict.kind in ("safe", "polynomial")
        if verdict.kind == "polynomial":
            # ambiguity between the two whitespace branches without a failing suffix: for timing only
            assert "no-failing-suffix" in verdict.approximations
            with Confirmer(3.0, 0.02, 1) as confirmer:
                assert confirmer.confirm(pattern, 0, "search", verdict, "regex").confirmed is False


def test_confirmation_times_the_regex_engine_itself():
    # atomic group inside a loop: polynomial on both engines
    verdict = analyze(r"(?>a+)+b", 0, "search", engine="regex")
    assert (verdict.kind, verdict.degree) == ("polynomial", 2)
    with Confirmer(4.0, 0.02, 1) as confirmer:
        assert confirmer.confirm(r"(?>a+)+b", 0, "search", verdict, "regex").confirmed is True


def test_nested_quantifier_over_a_property_is_found_and_timed_on_regex():
    verdict = analyze(r"^(\p{L}+\s?)+$", 0, "match", engine="regex")
    assert verdict.kind == "exponential"
    with Confirmer(4.0, 0.02, 1) as confirmer:
        re_engine = confirmer.confirm(r"^(\w+\s?)+$", 0, "match", analyze(r"^(\w+\s?)+$", 0, "match"))
        regex_engine = confirmer.confirm(r"^(\p{L}+\s?)+$", 0, "match", verdict, "regex")
    assert re_engine.confirmed is True
    # the regex module guards repeated failures at one position: the same shape stays fast there
    assert regex_engine.confirmed is False
