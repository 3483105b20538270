"""Each finding of section 4, with its exact rule id, line, column and message."""

from __future__ import annotations

import pytest

from .helpers import brief, findings

FILES = ["README.md", "docs/a.md", "docs/b/c.md", "src/app.py", "src/lib/util.py", "vendor/x.c", ".github/ci.yml"]


@pytest.mark.parametrize("pattern, column, suggestion_part", [
    ("!docs/", 1, "no owners"),
    ("docs/[ab].md", 6, "one rule per alternative"),
    ("src/***/x", 5, "`**`"),
    ("/", 1, "use `*`"),
    ("\\#notes", 1, "wildcard"),
    ("a//b", 2, "doubled"),
    ("/src/lib//x.py", 9, "doubled"),
])
def test_invalid_patterns(pattern, column, suggestion_part):
    found = findings(f"{pattern} @a\n", FILES, dialect="github")
    assert brief(found) == [("codeowners/invalid-pattern", 1, column)]
    assert suggestion_part in found[0].suggestion


def test_dangling_escape_at_end_of_line():
    found = findings("docs\\\n", FILES, dialect="github")
    assert brief(found) == [("codeowners/invalid-pattern", 1, 5)]
    assert found[0].suggestion == "remove the trailing `\\`"


def test_section_header_in_github_dialect_is_invalid():
    found = findings("[Docs] @a\ndocs/ @a\n", FILES, dialect="github")
    assert brief(found) == [("codeowners/invalid-pattern", 1, 1)]
    assert "GitLab section" in found[0].message


def test_owner_less_rule_is_a_note():
    found = findings("* @a\n/vendor/\n", FILES)
    assert [(f.rule_id, f.severity.label, f.location.line) for f in found] == [("codeowners/owner-less-rule", "note", 2)]


def test_unmatched_pattern_searches_all_depths_and_hints_case():
    found = findings("* @a\nutil.py @b\nmissing.txt @c\n/Docs/ @d\n", FILES)
    assert brief(found) == [("codeowners/unmatched-pattern", 3, 1), ("codeowners/unmatched-pattern", 4, 1)]
    messages = {f.location.line: f.message for f in found}
    assert messages[3] == "`missing.txt` matches none of the 7 tracked files at any depth"
    assert "`docs/a.md` differs only in case" in messages[4]


def test_duplicate_pattern_reports_the_dead_earlier_line():
    found = findings("* @a\n/docs/ @b\n/src/ @c\n/docs/ @d\n", FILES)
    assert brief(found) == [("codeowners/duplicate-pattern", 2, 1)]
    assert found[0].message == "`/docs/` appears again on line 4, which wins; this line is dead"


def test_shadowed_rule():
    found = findings("* @a\n/docs/b/ @b\n/docs/ @c\n", FILES)
    assert brief(found) == [("codeowners/shadowed-rule", 2, 1)]
    assert found[0].evidence == {"matched_files": 1, "example": "docs/b/c.md", "decided_by_line": 3,
                                 "payload": "/docs/b/ @b"}  # the line's text pins the baseline entry


def test_no_shadowing_false_alarm_for_root_files_vs_nested_rule():
    # `/*.*` decides README.md even though `.github/ci.yml` goes to the later rule.
    assert findings("/*.* @root\n/.github/ @ci\n/docs/ @d\n/src/ @s\n/vendor/ @v\n", FILES) == []


def test_partially_overridden_rule_is_not_shadowed():
    assert findings("/docs/ @a\n/docs/b/ @b\n", ["docs/a.md", "docs/b/c.md"]) == []


def test_owner_only_line():
    found = findings("@org/docs-team\n* @a\n", FILES)
    assert brief(found) == [("codeowners/owner-only-line", 1, 1)]
    assert found[0].suggestion == "* @org/docs-team"


def test_markdown_bullet():
    found = findings("* @a\n- /docs/ @docs\n", FILES)
    assert brief(found) == [("codeowners/markdown-bullet", 2, 1)]
    assert found[0].suggestion == "/docs/ @docs"


@pytest.mark.parametrize("token, suggestion", [("@alice@bob", "@alice @bob"), ("@alice,@org/team", "@alice @org/team")])
def test_run_together_owners(token, suggestion):
    found = findings(f"* {token}\n", FILES)
    assert brief(found) == [("codeowners/run-together-owners", 1, 3)]
    assert found[0].suggestion == suggestion


def test_late_catch_all_overrides_specific_rules_and_is_reported_once():
    found = findings("/docs/ @docs\n/src/ @src\n* @everyone\n", FILES)
    assert brief(found) == [("codeowners/late-catch-all", 1 + 2, 1)]
    assert found[0].evidence == {"overridden_lines": [1, 2], "payload": "* @everyone"}


def test_catch_all_first_is_fine():
    assert findings("* @a\n/docs/ @d\n", FILES) == []


def test_require_owner_reports_unowned_files_with_globs():
    text = "/docs/ @d\n/vendor/\n"
    found = findings(text, FILES, require_owner=[])
    assert sorted((f.rule_id, f.location.path, f.location.line) for f in found if f.rule_id == "codeowners/unowned-file") == [
        ("codeowners/unowned-file", ".github/ci.yml", None), ("codeowners/unowned-file", "README.md", None),
        ("codeowners/unowned-file", "src/app.py", None), ("codeowners/unowned-file", "src/lib/util.py", None),
        ("codeowners/unowned-file", "vendor/x.c", None)]
    vendor = [f for f in found if f.location.path == "vendor/x.c"][0]
    assert vendor.message == "`vendor/x.c` has no code owner: line 2 `/vendor/` matches it but lists no owners"
    only_py = findings(text, FILES, require_owner=["*.py"])
    assert sorted(f.location.path for f in only_py if f.rule_id == "codeowners/unowned-file") == [
        "src/app.py", "src/lib/util.py"]


def test_unowned_count_is_always_in_stats():
    from governance_hooks.codeowners.analysis import analyze
    from .helpers import model_of

    result = analyze(model_of("/docs/ @d\n"), FILES, "CODEOWNERS")
    assert result.stats["unowned_files"] == 5
    assert sorted(result.unowned) == [".github/ci.yml", "README.md", "src/app.py", "src/lib/util.py", "vendor/x.c"]


def test_known_owners_offline_case_insensitive():
    found = findings("* @Org/Team @ghost mail@x.io\n", FILES, known_owners=["@org/team", "mail@x.io"])
    assert brief(found) == [("codeowners/unknown-owner", 1, 13)]
    assert found[0].message == "owner `@ghost` is not in the known-owners list"


def test_inline_suppression_comment():
    text = "* @a\nmissing.txt @b # governance: ignore[codeowners/unmatched-pattern]\n"
    assert findings(text, FILES) == []
