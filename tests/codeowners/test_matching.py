"""GitHub matching semantics, one rule per test, with the exact owner and deciding line."""

from __future__ import annotations

import pytest

from governance_hooks.codeowners.matcher import Matcher
from governance_hooks.codeowners.patterns import compile_pattern, matches

from .helpers import owners

FILE = """\
*       @default
*.js    @js
/build/logs/ @logs
docs/*  @docs
apps/   @apps
/scripts/ @scripts
**/logs @anylogs
src/**/*.py @py
"""


@pytest.mark.parametrize("path, expected", [
    ("README.md", (["@default"], 1)),
    ("a/b/app.js", (["@js"], 2)),               # slash-less pattern: any depth
    ("build/logs/x.log", (["@anylogs"], 7)),    # last match wins over line 3
    ("docs/getting-started.md", (["@docs"], 4)),
    ("docs/build-app/troubleshooting.md", (["@default"], 1)),  # docs/* is not recursive
    ("x/docs/a.md", (["@default"], 1)),          # docs/* is anchored (has a slash)
    ("apps/a/b/c.txt", (["@apps"], 5)),          # dir/ is recursive
    ("deep/apps/c.txt", (["@apps"], 5)),         # dir/ without a leading slash: any depth
    ("apps", (["@default"], 1)),                 # dir/ matches directories only, not a file named apps
    ("scripts/x.sh", (["@scripts"], 6)),
    ("a/scripts/x.sh", (["@default"], 1)),       # leading / anchors to the root
    ("deep/er/logs/x", (["@anylogs"], 7)),       # **/ at any depth
    ("logs", (["@anylogs"], 7)),                 # **/ matches zero directories
    ("src/a.py", (["@py"], 8)),                  # ** matches zero directories in the middle
    ("src/a/b/c.py", (["@py"], 8)),
    ("src/a.pyc", (["@default"], 1)),
])
def test_github_semantics(path, expected):
    assert owners(FILE, path) == expected


def test_last_matching_rule_wins_and_owners_are_not_merged():
    text = "docs/ @a @b\ndocs/api/ @c\n"
    assert owners(text, "docs/api/x.md") == (["@c"], 2)
    assert owners(text, "docs/x.md") == (["@a", "@b"], 1)


def test_paths_are_case_sensitive():
    assert owners("/Docs/ @a\n", "docs/x.md") == ([], None)
    assert owners("/Docs/ @a\n", "Docs/x.md") == (["@a"], 1)


def test_rule_without_owners_leaves_files_unowned():
    text = "* @all\n/vendor/\n"
    assert owners(text, "vendor/lib.c") == ([], 2)
    assert owners(text, "src/lib.c") == (["@all"], 1)


def test_question_mark_matches_one_character_but_not_slash():
    text = "/a?c @q\n"
    assert owners(text, "abc") == (["@q"], 1)
    assert owners(text, "a/c") == ([], None)
    assert owners(text, "abbc") == ([], None)


def test_star_does_not_cross_slash():
    assert owners("/src/*.c @c\n", "src/a/b.c") == ([], None)
    assert owners("/src/*.c @c\n", "src/b.c") == (["@c"], 1)


def test_pattern_without_trailing_slash_matches_file_and_directory():
    text = "/config @cfg\n"
    assert owners(text, "config") == (["@cfg"], 1)
    assert owners(text, "config/a/b.yml") == (["@cfg"], 1)
    assert owners(text, "configs/a.yml") == ([], None)


def test_escaped_space_and_hash_in_pattern():
    text = "docs/my\\ file.md @space\nnotes/\\#1.md @hash\n"
    assert owners(text, "docs/my file.md") == (["@space"], 1)
    assert owners(text, "notes/#1.md") == (["@hash"], 2)


def test_owner_kinds_team_and_email():
    assert owners("* @org/team-a dev@example.com\n", "x") == (["@org/team-a", "dev@example.com"], 1)


def test_trailing_double_star_slash_means_directories_below():
    assert owners("/a/**/ @d\n", "a/x") == ([], None)          # a file directly in a/ is not a directory
    assert owners("/a/**/ @d\n", "a/x/y") == (["@d"], 1)


def test_double_star_alone_and_trailing():
    assert owners("** @all\n", "a/b/c") == (["@all"], 1)
    assert owners("/a/** @a\n", "a/b/c") == (["@a"], 1)
    assert owners("/a/** @a\n", "a") == ([], None)


@pytest.mark.parametrize("pattern", [
    "*", "*.js", "/build/logs/", "docs/*", "apps/", "**/logs", "src/**/*.py", "a/**/b", "/*.*",
    "README.md", "/x/*", "docs/*.md", "?.txt", "**/foo/*", "/a/b/", "foo*bar", "*x*y*z*", "a*",
])
def test_trie_matcher_agrees_with_reference_and_pypi_codeowners(pattern):
    import codeowners

    paths = ["a.js", "x/a.js", "build/logs/x", "build/logs", "docs/a.md", "docs/b/c.md", "r/apps/x", "apps",
             "src/a.py", "src/b/c/d.py", "a/b", "a/x/y/b/z", "README.md", "x/README.md", ".github/w.yml",
             "x/y", "x/y/z", "b.txt", "foo/a", "q/foo/b", "q/foo/b/c", "foobar", "fooxbar/q", "axbycz", "a/b/"]
    compiled = compile_pattern(pattern)
    matcher = Matcher([compiled])
    regex = codeowners.path_to_regex(pattern)
    for path in paths:
        expected = regex.search(path) is not None
        assert matches(compiled, path) is expected, path
        assert (matcher.matches(path) == [0]) is expected, path


def test_escaped_brackets_are_literal_on_github():
    text = "docs/\\[draft\\].md @drafts\n"
    assert owners(text, "docs/[draft].md", "github") == (["@drafts"], 1)
    assert owners(text, "docs/d.md", "github") == ([], None)
