"""The trie matcher agrees with the one-pattern reference walk, and both with the regex
translation of hmarr/codeowners (as shipped by the `codeowners` PyPI package), on random
patterns and paths."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from governance_hooks.codeowners.matcher import Matcher
from governance_hooks.codeowners.patterns import PatternError, compile_pattern, matches

NAMES = ["a", "b", "ab", "a.py", "b.md", ".x", "ba"]
SEGMENTS = NAMES + ["*", "**", "*.py", "a*", "*b", "?", "a*b", "*a*"]

patterns = st.builds(
    lambda lead, segs, trail: ("/" if lead else "") + "/".join(segs) + ("/" if trail else ""),
    st.booleans(), st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=4), st.booleans(),
)
paths = st.lists(st.sampled_from(NAMES), min_size=1, max_size=5).map("/".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(patterns, min_size=1, max_size=8), st.lists(paths, min_size=1, max_size=12))
def test_trie_agrees_with_reference(pattern_texts, path_list):
    compiled = []
    for text in pattern_texts:
        try:
            compiled.append(compile_pattern(text))
        except PatternError:
            compiled.append(None)
    import codeowners

    matcher = Matcher(compiled)
    oracles = [codeowners.path_to_regex(t) if c is not None else None for t, c in zip(pattern_texts, compiled)]
    for path in path_list:
        for text, c, oracle in zip(pattern_texts, compiled, oracles):
            if c is not None:
                assert matches(c, path) is (oracle.search(path) is not None), (text, path)
        expected = sorted(i for i, c in enumerate(compiled) if c is not None and matches(c, path))
        assert sorted(matcher.matches(path)) == expected, (pattern_texts, path)
        assert matcher.last_match(path) == (expected[-1] if expected else -1), (pattern_texts, path)
    assert matcher.last_matches(path_list) == [matcher.last_match(p) for p in path_list]
