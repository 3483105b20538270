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


def compile_all(pattern_texts):
    """The compiled patterns, ``None`` for one GitHub rejects (it takes an id and never matches)."""
    compiled = []
    for text in pattern_texts:
        try:
            compiled.append(compile_pattern(text))
        except PatternError:
            compiled.append(None)
    return compiled


@settings(max_examples=150, deadline=None)
@given(st.lists(patterns, min_size=1, max_size=8), st.lists(paths, min_size=1, max_size=12))
def test_trie_agrees_with_reference(pattern_texts, path_list):
    compiled = compile_all(pattern_texts)
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


#: Deeper than ``matcher._CACHED_DEPTH`` (64): such folders are walked from the root, uncached.
deep_paths = st.lists(st.sampled_from(NAMES), min_size=66, max_size=90).map("/".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(patterns.filter(lambda t: t.count("**") <= 2), min_size=1, max_size=6),
       st.lists(st.one_of(paths, deep_paths), min_size=1, max_size=6))
def test_deep_folders_agree_with_reference(pattern_texts, path_list):
    compiled = compile_all(pattern_texts)
    expected = []
    for path in path_list:
        ids = [i for i, c in enumerate(compiled) if c is not None and matches(c, path)]
        expected.append(ids[-1] if ids else -1)
    assert Matcher(compiled).last_matches(path_list) == expected, (pattern_texts, path_list)
    one = Matcher(compiled)
    assert [one.last_match(p) for p in reversed(path_list)][::-1] == expected


def test_a_very_deep_path_is_cached_once_not_per_ancestor():
    """100,000 folders deep: caching every ancestor under its own text would hold about 10^10
    characters; only the folder itself (and the root) is kept."""
    compiled = [compile_pattern(t) for t in ("*", "**/a/**/b", "/a/b/", "*.py")]
    matcher = Matcher(compiled)
    deep = "a/b/" * 50_000 + "x.py"
    assert matcher.last_matches([deep, "a/b/c"]) == [3, 2]
    assert len(matcher._dirs) <= 4
