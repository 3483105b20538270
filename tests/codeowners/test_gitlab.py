"""GitLab dialect: sections, optional sections, approval counts, default owners, roles, exclusions."""

from __future__ import annotations

from governance_hooks.codeowners.model import ROLE

from governance_hooks.codeowners.ownership import Ownership, gitlab_key

from .helpers import brief, findings, model_of, owners

TEXT = """\
* @general

[Documentation][2] @docs-team
docs/
README.md @tech-writer

^[Database] @database-team
model/db/
config/db/database-setup.md @docs-team

[Ruby]
*.rb @ruby-devs
!/config/*

[documentation]
*.txt
"""


def test_auto_dialect_detects_sections():
    model = model_of(TEXT)
    assert model.dialect == "gitlab"
    assert [(s.name, s.line, s.optional, s.approvals, [o.text for o in s.default_owners]) for s in model.sections] == [
        ("Documentation", 3, False, 2, ["@docs-team"]),
        ("Database", 7, True, None, ["@database-team"]),
        ("Ruby", 11, False, None, []),
        ("documentation", 15, False, None, []),
    ]


def test_owners_add_up_across_sections_and_defaults_apply():
    assert owners(TEXT, "docs/guide.md") == (["@general", "@docs-team"], 4)
    assert owners(TEXT, "README.md") == (["@general", "@tech-writer"], 5)
    assert owners(TEXT, "config/db/database-setup.md") == (["@general", "@docs-team"], 9)
    assert owners(TEXT, "app/models/user.rb") == (["@general", "@ruby-devs"], 12)


def test_exclusion_removes_the_path_from_its_section_only():
    assert owners(TEXT, "config/boot.rb") == (["@general"], 1)


def test_sections_with_the_same_name_are_combined_case_insensitively():
    # `[documentation]` continues `[Documentation]`, so for docs/notes.txt line 16 (no owners, and
    # no default owners on its own header) beats line 4 in the same section: @docs-team is not added.
    assert owners(TEXT, "docs/notes.txt") == (["@general"], 16)
    assert owners(TEXT, "docs/notes.md") == (["@general", "@docs-team"], 4)


def test_role_owners_are_valid_in_gitlab():
    model = model_of("[Config]\n/config/ @@maintainer @group/sub/team\n")
    assert [o.kind for o in model.rules[0].owners] == [ROLE, "team"]
    assert findings("[Config]\n/config/ @@maintainers @group/sub/team\n", ["config/a"]) == []


def test_same_pattern_in_different_sections_is_not_a_duplicate():
    text = "[A] @a\nsrc/\n[B] @b\nsrc/\n"
    assert findings(text, ["src/x.py"]) == []
    assert owners(text, "src/x.py") == (["@a", "@b"], 4)


def test_duplicate_within_a_section():
    found = findings("[A] @a\nsrc/\nsrc/ @c\n", ["src/x.py"])
    assert brief(found) == [("codeowners/duplicate-pattern", 2, 1)]
    assert "in section [A]" in found[0].message


def test_shadowing_is_per_section():
    found = findings("[A] @a\n/src/lib/\n/src/\n[B] @b\n/src/lib/\n", ["src/lib/x.py", "src/y.py"])
    assert brief(found) == [("codeowners/shadowed-rule", 2, 1)]


def test_invalid_sections():
    # GitLab's SectionParser: `[]` has no name; `[Docs][x]` is the section Docs with `[x] @d` ignored
    # (the count must be digits and default owners must follow a blank), so `docs/` has zero owners.
    found = findings("[] @a\n*\n[Docs][x] @d\ndocs/\n", ["docs/a"], dialect="gitlab")
    assert brief(found) == [("codeowners/invalid-section", 1, 1), ("codeowners/missing-owner", 4, 1)]


def test_rule_without_owners_in_a_section_without_defaults_is_a_gitlab_error():
    found = findings("[A]\nsrc/\n", ["src/a"])
    assert brief(found) == [("codeowners/missing-owner", 2, 1)]
    assert found[0].severity.label == "error"


def test_character_classes_are_allowed_in_gitlab():
    assert owners("[A]\n/src/[ab].c @x\n", "src/a.c", "gitlab") == (["@x"], 2)
    assert owners("[A]\n/src/[ab].c @x\n", "src/c.c", "gitlab") == ([], None)


def test_exclusion_unmatched_is_reported():
    found = findings("[A] @a\nsrc/\n!/src/missing.py\n", ["src/x.py"])
    assert brief(found) == [("codeowners/unmatched-pattern", 3, 1)]


def test_inline_comments_in_gitlab():
    # GitLab (File#extract_entry_info) reads every word after the pattern as an owner: `#` is a malformed
    # owner (a syntax error) and `@b` becomes an owner; on a header it stops at `#` (SectionParser).
    text = "[Docs] @docs # section for the docs\ndocs/ @a # ask @b first\n"
    found = findings(text, ["docs/x.md"])
    assert brief(found) == [("codeowners/inline-comment", 1, 14), ("codeowners/invalid-owner", 2, 10)]
    assert found[1].message == ("GitLab has no inline comments: `#` and the words after it are read as owners; "
                                "GitLab reports a malformed owner on this line and makes `@b` owner(s)")
    assert owners(text, "docs/x.md") == (["@a", "@b"], 2)
    assert findings("docs/ @a # ask @b first\n", ["docs/x.md"], dialect="github") == []


def test_bulk_and_single_lookups_agree_with_exclusions_and_globs():
    from governance_hooks.codeowners.ownership import Ownership

    text = ("* @all\n!*.lock\n[Py] @py\n*.py\n!/vendor/\n/src/**/test_*.py @tests\n[Docs]\ndocs/ @docs\n"
            "!docs/drafts/*\nREADME.md @readme\n")
    paths = ["a.lock", "b.py", "vendor/x.py", "src/a/test_x.py", "src/a/x.py", "docs/a.md", "docs/drafts/b.md",
             "docs/drafts/c/d.md", "docs/README.md", "README.md", "x/README.md", "vendor/README.md"]
    ownership = Ownership(model_of(text, "gitlab"))
    slow = []
    for path in paths:
        decision = ownership.resolve_ids(ownership.deciders(ownership.matcher.matches(path))[0])
        slow.append((tuple(decision.owners), decision.line))
    assert ownership.owners_of_all(paths) == slow
    assert [(tuple(ownership.resolve(p).owners), ownership.resolve(p).line) for p in paths] == slow
    assert slow[:4] == [((), None), (("@all", "@py"), 4), (("@all",), 1), (("@all", "@tests"), 6)]
    assert slow[6:8] == [(("@all",), 1), (("@all", "@docs"), 8)]


def test_a_repeated_pattern_keeps_its_first_place_with_the_last_owners():
    # GitLab files entries in a Ruby Hash keyed by the normalised pattern (File#parse_entry): the
    # second `/docs/` replaces the first entry's owners but keeps its place, so the later
    # `/docs/api/` still decides docs/api/ (GitHub: line 3 wins everywhere under docs/).
    text = "[Docs]\n/docs/ @a\n/docs/api/ @b\n/docs/ @c\n"
    assert owners(text, "docs/api/x.md", "gitlab") == (["@b"], 3)
    assert owners(text, "docs/x.md", "gitlab") == (["@c"], 4)
    assert owners("/docs/ @a\n/docs/api/ @b\n/docs/ @c\n", "docs/api/x.md", "github") == (["@c"], 3)
    found = findings(text, ["docs/api/x.md", "docs/x.md"], dialect="gitlab")
    assert brief(found) == [("codeowners/duplicate-pattern", 2, 1)]
    # An exclusion replaced by a later owning entry of the same pattern no longer excludes.
    assert owners("[A] @a\n!*.lock\n*.lock @locks\n", "x.lock", "gitlab") == (["@locks"], 3)
    assert owners("[A] @a\n*.lock @locks\n!*.lock\n", "x.lock", "gitlab") == ([], None)


def test_gitlab_takes_references_from_inside_a_word():
    # ReferenceExtractor scans each word: a word is malformed only when it holds no @name or email.
    text = "*.rb @a,@b (@c) @js#note dev@acme.example; plain\n"
    assert owners(text, "x.rb", "gitlab") == (["@a", "@b", "@c", "@js", "dev@acme.example"], 1)
    assert brief(findings(text, ["x.rb"], dialect="gitlab")) == [("codeowners/invalid-owner", 1, 44)]
    # GitHub skips the whole line.
    assert owners(text, "x.rb", "github") == ([], None)


def test_gitlab_key_normalises_as_gitlab():
    patterns = ["docs", "docs/", "/docs", "!docs/", "*", "!*", "\\#x", "a\\ \\ b", "a\\#b", ""]
    assert [gitlab_key(p) for p in patterns] == [
        "/**/docs", "/**/docs/**/*", "/docs", "/**/docs/**/*", "/**/*", "/**/*", "/**/#x", "/**/a  b", "/**/a\\#b",
        "/**/**/*"]


def test_the_all_rules_matcher_of_a_gitlab_file_is_built_when_asked():
    ownership = Ownership(model_of("[A]\ndocs/ @a\n[B]\n!docs/x @b\n*.md @c\n", "gitlab"))
    assert "matcher" not in vars(ownership)  # lookups do not need it
    assert sorted(ownership.matcher.matches("docs/x")) == [0, 1]
    assert ownership.matcher is ownership.matcher


def test_character_classes_read_as_ruby_fnmatch_reads_them():
    """As ``bracket`` in Ruby's dir.c: a reversed range (`e-A`) matches its two ends only (never a crash
    of the regex compiler); `\\` escapes inside a class; the class ends at the first `]` that is not an
    item, so `[]` is empty and `]` outside a class is an ordinary character; class text that Python's
    `re` would read as a set operation (`&&`) is literal."""
    base = "* @all\n"
    assert owners(base + "a[e-A] @x\n", "aE", "gitlab") == (["@all"], 1)
    assert [owners(base + "a[e-A] @x\n", name, "gitlab")[0] for name in ("ae", "aA", "ab")] == [
        ["@x"], ["@x"], ["@all"]]
    assert [owners(base + "a[a\\-z] @x\n", name, "gitlab")[0] for name in ("a-", "ab", "az")] == [
        ["@x"], ["@all"], ["@x"]]
    assert [owners(base + "a[]] @x\n", name, "gitlab")[0] for name in ("a]", "a")] == [["@all"], ["@all"]]
    assert [owners(base + "a[^]]x @x\n", name, "gitlab")[0] for name in ("ab]x", "abx")] == [["@x"], ["@all"]]
    assert owners(base + "a]b @x\n", "a]b", "gitlab") == (["@x"], 2)
    assert findings(base + "a[^]]x @x\na]b @y\n", ["ab]x", "a]b", "c"], dialect="gitlab") == []
    assert owners(base + "a[!e-A] @x\n", "aE", "gitlab") == (["@x"], 2)
    assert [owners(base + "a[a-cz-x] @x\n", name, "gitlab")[0] for name in ("ab", "ay", "aa")] == [
        ["@x"], ["@all"], ["@x"]]
    assert [owners(base + "a[&&b] @x\n", name, "gitlab")[0] for name in ("a&", "ab", "aa")] == [
        ["@x"], ["@x"], ["@all"]]
    assert [owners(base + "a[-a] @x\n", name, "gitlab")[0] for name in ("a-", "aa", "ab")] == [
        ["@x"], ["@x"], ["@all"]]
