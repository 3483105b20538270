"""Defects measured against GitHub's documentation and GitLab's matcher, each pinned by a test.

GitLab references are to ``ee/lib/gitlab/code_owners/file.rb`` (``normalize_pattern``: no leading
``/`` -> ``/**/`` in front, trailing ``/`` -> ``**/*`` after, then ``File.fnmatch?`` with
FNM_PATHNAME | FNM_DOTMATCH on ``/path``; ``validate_and_get_owners``) and ``section_parser.rb``.
"""

from __future__ import annotations

import json

from governance_hooks.cli import main

from .helpers import brief, findings, model_of, owners


def run(capsys, *argv):
    code = main(["codeowners", *argv])
    out, err = capsys.readouterr()
    return code, out, err


# GitHub Docs, "About Enterprise Managed Users": usernames are the handle, an underscore and the shortcode.
def test_enterprise_managed_user_handles_are_valid_owners():
    assert findings("* @the-octocat_acme\n", ["a"]) == []
    assert owners("* @the-octocat_acme @acme/team_a\n", "a") == (["@the-octocat_acme", "@acme/team_a"], 1)
    # A handle cannot start with "_" and the shortcode cannot be empty.
    assert brief(findings("* @the-octocat_\n", ["a"])) == [("codeowners/invalid-owner", 1, 3)]


# GitLab Docs: "internal/README.md" matches "/docs/internal/README.md" (no leading "/": any depth).
def test_gitlab_relative_pattern_with_inner_slash_matches_at_any_depth():
    text = "[Docs]\ninternal/README.md @a\nfoo/* @b\n"
    assert owners(text, "internal/README.md", "gitlab") == (["@a"], 2)
    assert owners(text, "docs/internal/README.md", "gitlab") == (["@a"], 2)
    assert owners(text, "baz/foo/bar", "gitlab") == (["@b"], 3)
    assert owners(text, "baz/foo/bar/deeper", "gitlab") == ([], None)  # `*` never crosses a `/`
    assert findings(text, ["docs/internal/README.md", "x/foo/y"], dialect="gitlab") == []
    # GitHub anchors the same patterns (a `/` in the middle anchors, as in gitignore).
    assert owners("internal/README.md @a\n", "docs/internal/README.md", "github") == ([], None)


def test_gitlab_pattern_without_trailing_slash_matches_only_that_path():
    text = "* @all\n/docs @file-owner\n"
    assert owners(text, "docs", "gitlab") == (["@file-owner"], 2)  # one (unnamed) section: last match wins
    assert owners(text, "docs/guide.md", "gitlab") == (["@all"], 1)
    assert owners("* @all\n/docs @dir-owner\n", "docs/guide.md", "github") == (["@dir-owner"], 2)
    # GitLab's troubleshooting advice, both forms: neither is dead; `docs` owns no tracked file here.
    both = "[Docs]\ndocs @a\ndocs/ @a\n"
    found = findings(both, ["docs/guide.md", "src/docs.py"], dialect="gitlab")
    assert brief(found) == [("codeowners/unmatched-pattern", 2, 1)]
    assert owners(both, "docs/guide.md", "gitlab") == (["@a"], 3)


def test_gitlab_keeps_the_valid_owners_of_a_line_with_a_malformed_owner():
    # The GitLab docs' own example: `LICENSE @legal this_does_not_match janedoe@gitlab.com`.
    text = "* @default\nLICENSE @legal this_does_not_match janedoe@gitlab.com\n"
    assert owners(text, "LICENSE", "gitlab") == (["@legal", "janedoe@gitlab.com"], 2)
    found = findings(text, ["LICENSE", "README"], dialect="gitlab")
    assert brief(found) == [("codeowners/invalid-owner", 2, 16)]
    assert found[0].message == ("owner `this_does_not_match` lacks its `@`; it is not a user, team or email: "
                                "GitLab ignores it and reports a malformed owner; the line's valid owners still apply")
    # GitHub skips the whole line.
    assert owners(text, "LICENSE", "github") == (["@default"], 1)


def test_gitlab_section_headers_as_section_parser_reads_them():
    # `[X][q]`: the count must be digits, so `[q]` is ignored; `[X][0]`: zero approvals, no error.
    for header in ("[Required][q]", "[Required][0]"):
        assert findings(f"{header}\n*_spec.rb @gl-test\n", ["a_spec.rb"], dialect="gitlab") == []
        assert model_of(f"{header}\n*_spec.rb @gl-test\n", "gitlab").sections[0].name == "Required"
    found = findings("^[Docs][1] @docs\ndocs/\n", ["docs/a"], dialect="gitlab")
    assert brief(found) == [("codeowners/invalid-section", 1, 8)]
    assert "cannot require approvals" in found[0].message


def test_gitlab_approval_counts_are_ascii_digits_as_in_ruby():
    """GitLab's HEADER_REGEX is Ruby, where ``\\d`` is ``[0-9]``: `[N][٥]` (U+0665) and `[M][３]`
    (U+FF13) are read as `[N][q]` is, the section with no count (and, the count not consumed, no
    default owners), never as 5 and 3 approvals."""
    for header in ("[N][\u0665] @x", "[N][\uff13] @x", "[N][q] @x"):
        section = model_of(f"{header}\n*.rb\n", "gitlab").sections[0]
        assert (section.name, section.approvals, section.default_owners) == ("N", None, ())
    assert model_of("[N][5] @x\n*.rb\n", "gitlab").sections[0].approvals == 5


def test_gitlab_rule_with_zero_owners_is_an_error():
    found = findings("*.rb\n[Docs] @docs\ndocs/\n", ["a.rb", "docs/a"], dialect="gitlab")
    assert [(f.rule_id, f.location.line, f.severity.label) for f in found] == [
        ("codeowners/missing-owner", 1, "error")]  # line 3 takes the section's default owners
    # GitHub documents owner-less rules as the way to exempt files: a note.
    assert brief(findings("*.rb\n", ["a.rb"], dialect="github")) == [("codeowners/owner-less-rule", 1, 1)]


def test_who_with_a_trailing_slash_answers_for_the_folder(tmp_path, capsys):
    (tmp_path / "CODEOWNERS").write_text("* @all\n/docs/ @doctocat\n")
    code, out, _ = run(capsys, "--repo", str(tmp_path), "--who", "docs/", "docs")
    assert code == 0
    assert out.splitlines()[:2] == ["docs/: @doctocat (line 2)", "docs: @all (line 1)"]
    code, out, _ = run(capsys, "--repo", str(tmp_path), "--format", "json", "--who", "docs/")
    document = json.loads(out)
    answers = document if isinstance(document, list) else document["summary"]["codeowners"]["who"]
    assert answers == [{"path": "docs/", "owners": ["@doctocat"], "line": 2}]


def test_auto_dialect_keeps_a_github_folder_file_github(make_repo, capsys):
    repo = make_repo({".github/CODEOWNERS": "* @all\n[Docs] @docs\ndocs/ @writers\n", "docs/a.md": ""})
    code, out, _ = run(capsys, "--repo", str(repo), "--format", "json")
    report = json.loads(out)
    assert report["summary"]["codeowners"]["dialect"] == "github"
    assert [(f["rule_id"], f["line"]) for f in report["findings"]] == [("codeowners/invalid-pattern", 2)]
    assert code == 1
    code, out, _ = run(capsys, "--repo", str(repo), "--who", "docs/a.md")
    assert out.splitlines()[0] == "docs/a.md: @writers (line 3)"  # owners do not add up on GitHub


def test_hash_glued_to_an_owner_is_an_ambiguous_warning():
    found = findings("*.js @js-owner#comment\n", ["a.js"])
    assert [(f.rule_id, f.location.line, f.location.column, f.severity.label) for f in found] == [
        ("codeowners/ambiguous-comment", 1, 6, "warning")]
    assert owners("*.js @js-owner#comment\n", "a.js") == (["@js-owner"], 1)
