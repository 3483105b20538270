"""Line syntax: comments, CRLF, BOM, escapes, columns, owner kinds."""

from __future__ import annotations

from governance_hooks.codeowners.model import EMAIL, INVALID, TEAM, USER
from governance_hooks.codeowners.parser import decode, parse, split_lines, tokenize

from .helpers import brief, findings, model_of


def test_blank_comment_and_inline_comment_lines():
    model = model_of("# header\n\n*.md @docs # the docs team\n  # indented comment\n")
    assert [(r.line, r.pattern, [o.text for o in r.owners]) for r in model.rules] == [(3, "*.md", ["@docs"])]


def test_hash_inside_a_token_is_not_a_comment():
    model = model_of("a#b @x\n")
    assert model.rules[0].pattern == "a#b"


def test_crlf_and_bom():
    data = "\ufeff* @a\r\n/docs/ @b\r\n".encode("utf-8")
    text, issues = decode(data)
    model = parse(text, "auto", issues)
    assert issues == []
    assert [(r.line, r.pattern, r.pattern_span.column, [o.text for o in r.owners]) for r in model.rules] == [
        (1, "*", 1, ["@a"]), (2, "/docs/", 1, ["@b"])]


def test_columns_of_tokens_are_one_based_character_columns():
    model = model_of("  src/  \t@org/team  mail@example.org\n")
    rule = model.rules[0]
    assert (rule.pattern_span.column, rule.pattern_span.end_column) == (3, 7)
    assert [(o.text, o.kind, o.span.column, o.span.end_column) for o in rule.owners] == [
        ("@org/team", TEAM, 10, 19), ("mail@example.org", EMAIL, 21, 37)]


def test_escaped_space_keeps_the_token_together():
    assert tokenize("my\\ dir/ @a") == [("my\\ dir/", 0), ("@a", 9)]


def test_only_spaces_and_tabs_separate_tokens():
    # A no-break space or a vertical tab is part of a token, as in GitHub (str.split would split there).
    assert tokenize("a\u00a0b\t@x \x0b") == [("a\u00a0b", 0), ("@x", 4), ("\x0b", 7)]
    rule = model_of("docs/\u2003x  @a\n", "github").rules[0]
    assert (rule.pattern, rule.pattern_span, [(o.text, o.span) for o in rule.owners]) == (
        "docs/\u2003x", (1, 1, 8), [("@a", (1, 10, 12))])


def test_plain_and_general_lines_give_the_same_spans():
    # The first line takes the plain-line path, the second (an invalid owner) the general one.
    model = model_of("\t/a/b/  @x\t @y\n\t/a/b/  @x\t y\n", "github")
    assert [(r.pattern_span, [(o.text, o.kind, o.span) for o in r.owners], r.skipped) for r in model.rules] == [
        ((1, 2, 7), [("@x", USER, (1, 9, 11)), ("@y", USER, (1, 13, 15))], False),
        ((2, 2, 7), [("@x", USER, (2, 9, 11)), ("y", INVALID, (2, 13, 14))], True)]


def test_split_lines_only_on_newline():
    assert split_lines("a\x0bb\r\nc\n") == ["a\x0bb", "c"]


def test_owner_kinds():
    model = model_of("* @user @org/team a@b.io bad\n")
    assert [o.kind for o in model.rules[0].owners] == [USER, TEAM, EMAIL, INVALID]


def test_invalid_owner_reports_its_column_and_skips_the_line():
    text = "/src/ @good not-an-owner\n"
    found = findings(text, ["src/a"])
    assert brief(found) == [("codeowners/invalid-owner", 1, 13)]
    assert findings(text, ["src/a"])[0].location.end_column == 25
    assert model_of(text).rules[0].skipped


def test_owner_missing_at_sign_gets_a_suggestion():
    found = findings("/src/ octocat\n", ["src/a"])
    assert [(f.rule_id, f.location.column, f.suggestion) for f in found] == [("codeowners/invalid-owner", 7, "@octocat")]


def test_old_style_username_with_trailing_hyphen_is_valid():
    assert findings("/a/ @tobias-\n", ["a/x"]) == []


def test_gitlab_role_is_invalid_on_github():
    found = findings("* @@maintainer\n", ["x"], dialect="github")
    assert brief(found) == [("codeowners/invalid-owner", 1, 3)]
    assert "GitLab role" in found[0].message
