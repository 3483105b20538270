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


def test_the_folder_caches_stay_bounded_and_answers_do_not_change(monkeypatch):
    """A stream names any number of folders: past ``FOLDER_LIMIT`` the per-folder caches start again from
    the root (GitHub lookups and GitLab plans alike), with the same answers."""
    from governance_hooks.codeowners import matcher as matcher_module
    from governance_hooks.codeowners.ownership import Ownership
    from governance_hooks.codeowners.parser import parse

    text = "* @all\n/a/ @a\ndocs/ @docs\n*.md @md\n"
    paths = [f"{top}{i}/docs/x{i % 3}.md" for i in range(40) for top in ("a/", "b/")]
    expected_github = [Ownership(parse(text, "github")).resolve(p).line for p in paths]
    expected_gitlab = [Ownership(parse(text, "gitlab")).resolve(p).line for p in paths]
    monkeypatch.setattr(matcher_module, "FOLDER_LIMIT", 8)
    monkeypatch.setattr("governance_hooks.codeowners.ownership.FOLDER_LIMIT", 8)
    github, gitlab = Ownership(parse(text, "github")), Ownership(parse(text, "gitlab"))
    sizes = []
    for start in range(0, len(paths), 4):  # chunks, as --who - streams them
        chunk = paths[start:start + 4]
        assert [github.rules[i].line if i >= 0 else None for i in github.matcher.last_matches(chunk)] == \
            expected_github[start:start + 4]
        assert [github.resolve(p).line for p in chunk] == expected_github[start:start + 4]
        assert [gitlab.resolve(p).line for p in chunk] == expected_gitlab[start:start + 4]
        sizes.append((len(github.matcher._dirs), len(gitlab._owning._dirs), len(gitlab._plan_of_dir)))
    assert max(max(s) for s in sizes) <= 8 + 4 * 3  # the limit, plus one chunk's folders and their parents
