"""--base / --changed-since: what a CODEOWNERS change does, and whose review a change requests."""

from __future__ import annotations

import json
import subprocess

import pytest

from governance_hooks.cli import main

from .helpers import model_of

from governance_hooks.codeowners.ownership import Ownership
from governance_hooks.codeowners.review import compare, requested_reviews

FILES = ["README.md", "src/a.py", "src/b.py", "docs/guide.md", "docs/api/ref.md"]


def rows(found):
    return [(f.rule_id, f.location.line, (f.evidence or {}).get("files")) for f in found]


def test_compare_attributes_changes_to_the_changed_lines():
    old = model_of("* @all\n/src/ @py\n/docs/ @docs\n")
    new = model_of("* @all\n/src/ @py\n/docs/ @docs\n/src/b.py @b-owner\n/docs/api/\n")
    found = compare(old, new, FILES, "CODEOWNERS", "main")
    assert rows(found) == [
        ("codeowners/ownership-change", 4, 1),
        ("codeowners/ownership-change", 5, 1),
        ("codeowners/newly-unowned", 5, 1),
    ]
    assert found[0].evidence["transitions"] == [{"from": ["@py"], "to": ["@b-owner"], "files": 1}]
    assert found[1].message == ("compared with main, 1 file(s) change owners because of this change: "
                                "@docs -> (no owners) (1); e.g. `docs/api/ref.md`")


def test_removed_line_is_reported_where_it_was_removed_and_a_taken_over_rule_is_dead():
    old = model_of("* @all\n/docs/ @docs\n/src/ @py\n")
    new = model_of("* @all\n/src/ @py\n* @everyone\n")
    found = compare(old, new, FILES, "main", "main")
    # Line 2 of the base (/docs/) was removed: its files now fall to `*` (line 3, a changed line).
    assert rows(found) == [("codeowners/ownership-change", 3, 5), ("codeowners/rule-now-dead", 1, None),
                           ("codeowners/rule-now-dead", 2, None)]
    assert found[2].message == ("`/src/` decided 2 file(s) at main and decides none after this change "
                                "(now decided by line 3)")


def test_identical_files_give_nothing():
    model = model_of("* @all\n")
    assert compare(model, model_of("* @all\n"), FILES, "CODEOWNERS", "main") == []


def test_github_reviews_are_one_per_deciding_rule():
    ownership = Ownership(model_of("* @all\n/src/ @py @ml\n/docs/\n"))
    groups, unowned = requested_reviews(ownership, ["src/a.py", "README.md", "src/b.py", "docs/x.md"])
    assert [g.as_json() for g in groups] == [
        {"owners": ["@all"], "lines": [1], "approvals": 1, "files": ["README.md"], "pattern": "*"},
        {"owners": ["@py", "@ml"], "lines": [2], "approvals": 1, "files": ["src/a.py", "src/b.py"], "pattern": "/src/"},
    ]
    assert unowned == ["docs/x.md"]


def test_gitlab_reviews_are_one_per_section_with_its_approval_count():
    text = "* @all\n[Python][2] @py\n*.py\nsrc/legacy/ @old\n^[Docs] @docs\n*.md\n"
    groups, unowned = requested_reviews(Ownership(model_of(text, "gitlab")), ["src/a.py", "src/legacy/b.py", "x.md"])
    assert [g.as_json() for g in groups] == [
        {"owners": ["@all"], "lines": [1], "approvals": 1, "files": ["src/a.py", "src/legacy/b.py", "x.md"], "section": ""},
        {"owners": ["@py", "@old"], "lines": [3, 4], "approvals": 2, "files": ["src/a.py", "src/legacy/b.py"],
         "section": "Python"},
        {"owners": ["@docs"], "lines": [6], "approvals": 0, "files": ["x.md"], "section": "Docs"},
    ]
    assert unowned == []



SECTIONED = ("* @all\n[Python][2] @Py\n*.py @py @ML\nsrc/legacy/ @old @ml\nsrc/legacy/c.py @OLD\n"
             "^[Docs] @docs\n*.md\n[Empty]\nnone/\n")


def test_gitlab_review_owners_are_merged_once_per_rule_case_insensitively_first_spelling_kept():
    from governance_hooks.codeowners.review import review_lines

    files = ["src/a.py", "src/legacy/b.py", "x.md", "src/legacy/c.py", "src/z.py", "none/f"]
    ownership = Ownership(model_of(SECTIONED, "gitlab"))
    groups, unowned = requested_reviews(ownership, files)
    assert review_lines(groups, unowned, True, len(files)) == [
        "6 changed file(s); code owner approvals requested (one approval rule per section):",
        "  (no section) 1 approval(s): @all (line 1) for 6 file(s): src/a.py, src/legacy/b.py, x.md, "
        "src/legacy/c.py, src/z.py and 1 more",
        "  [Python] 2 approval(s): @py @ML @old (line 3, line 4, line 5) for 4 file(s): src/a.py, "
        "src/legacy/b.py, src/legacy/c.py, src/z.py",
        "  [Docs] optional: @docs (line 7) for 1 file(s): x.md",
    ]
    assert unowned == []


class _CountedOwners(tuple):
    """A rule's owner texts that count how often they are read in full."""

    reads = 0

    def __iter__(self):
        type(self).reads += 1
        return super().__iter__()


def test_gitlab_reviews_read_each_rules_owners_once_however_many_files_it_decides():
    # 300 changed files decided by one entry of a section with 2,000 owners: the owners are merged into the
    # review once, not once per file (each merge used to rebuild the set of the owners so far: files x owners^2).
    owners = [f"@o{i}" for i in range(2000)]
    ownership = Ownership(model_of("[S]\n* " + " ".join(owners) + "\n", "gitlab"))
    ownership.owner_texts = [_CountedOwners(texts) for texts in ownership.owner_texts]
    files = [f"src/f{i}.py" for i in range(300)]
    _CountedOwners.reads = 0
    groups, unowned = requested_reviews(ownership, files)
    assert _CountedOwners.reads == 1
    assert [(g.section, g.owners, g.lines, g.files, g.approvals) for g in groups] == [("S", owners, [2], files, 1)]
    assert unowned == []


def git(root, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=root, check=True,
                   capture_output=True)


def answer(out):
    """The review lines of a text output, without the summary lines after them."""
    lines = out.splitlines()
    return lines[:next(i for i, line in enumerate(lines) if line.startswith("codeowners: "))]


def pr_repo(make_repo):
    repo = make_repo({".github/CODEOWNERS": "* @all\n/docs/ @docs\n", "docs/a.md": "", "src/a.py": "", "src/b.py": ""})
    git(repo, "checkout", "-q", "-b", "change")
    (repo / ".github/CODEOWNERS").write_text("* @all\n/docs/ @docs\n/src/ @py\n/docs/\n")
    (repo / "src/a.py").write_text("x = 1\n")
    git(repo, "commit", "-qam", "change")
    return repo


def test_base_option_end_to_end(make_repo, capsys):
    repo = pr_repo(make_repo)
    code = main(["codeowners", "--repo", str(repo), "--base", "main", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert sorted((f["rule_id"], f["line"]) for f in report["findings"]) == [
        ("codeowners/duplicate-pattern", 2),
        ("codeowners/newly-unowned", 4),
        ("codeowners/owner-less-rule", 4),
        ("codeowners/ownership-change", 3),
        ("codeowners/ownership-change", 4),
        ("codeowners/rule-now-dead", 2),
    ]
    change = next(f for f in report["findings"] if f["rule_id"] == "codeowners/ownership-change")
    assert change["message"].startswith("compared with main (")
    assert change["message"].endswith("2 file(s) change owners because of this change: @all -> @py (2); "
                                      "e.g. `src/a.py`, `src/b.py`")


def test_changed_since_who_lists_the_reviews_the_base_codeowners_requests(make_repo, capsys):
    repo = pr_repo(make_repo)
    code = main(["codeowners", "--repo", str(repo), "--changed-since", "main", "--who"])
    out = capsys.readouterr().out
    commit = subprocess.run(["git", "rev-parse", "main"], cwd=repo, capture_output=True, text=True).stdout[:12]
    assert code == 0
    # The change gives src/ to @py, but GitHub requests reviews from the base branch's CODEOWNERS.
    assert answer(out) == [
        "2 changed file(s); code owner approvals requested (one approval from any owner of each rule):",
        "  line 1 `*`: @all for 2 file(s): .github/CODEOWNERS, src/a.py",
        f"  this change edits CODEOWNERS: the reviews above come from .github/CODEOWNERS at main ({commit}); "
        "its .github/CODEOWNERS would request other owners for 1 of the 2 file(s)",
    ]


def test_changed_since_who_json_names_the_base_and_the_edited_codeowners(make_repo, capsys):
    repo = pr_repo(make_repo)
    code = main(["codeowners", "--repo", str(repo), "--changed-since", "main", "--who", "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    commit = subprocess.run(["git", "rev-parse", "main"], cwd=repo, capture_output=True, text=True).stdout.strip()
    assert code == 0
    assert document == {
        "changed_files": 2,
        "base": {"revision": "main", "commit": commit, "codeowners": ".github/CODEOWNERS"},
        "reviews": [{"owners": ["@all"], "lines": [1], "approvals": 1, "files": [".github/CODEOWNERS", "src/a.py"],
                     "pattern": "*"}],
        "unowned": [],
        "codeowners_changed": {"path": ".github/CODEOWNERS", "files_with_other_owners": 1},
    }


def test_changed_since_who_without_a_codeowners_change_adds_no_line(make_repo, capsys):
    repo = make_repo({".github/CODEOWNERS": "* @all\n/src/ @py\n", "src/a.py": ""})
    git(repo, "checkout", "-q", "-b", "change")
    (repo / "src/a.py").write_text("x = 1\n")
    code = main(["codeowners", "--repo", str(repo), "--changed-since", "main", "--who"])
    assert code == 0
    assert answer(capsys.readouterr().out) == [
        "1 changed file(s); code owner approvals requested (one approval from any owner of each rule):",
        "  line 2 `/src/`: @py for 1 file(s): src/a.py",
    ]


def test_changed_since_who_counts_deleted_files(make_repo, capsys):
    repo = make_repo({"CODEOWNERS": "* @default\n/secure/ @org/security\n", "src/a.py": "", "secure/keys.py": "s"})
    git(repo, "checkout", "-q", "-b", "change")
    git(repo, "rm", "-q", "secure/keys.py")
    (repo / "src/a.py").write_text("y\n")
    git(repo, "commit", "-qam", "delete")
    code = main(["codeowners", "--repo", str(repo), "--changed-since", "main", "--who"])
    assert code == 0
    assert answer(capsys.readouterr().out) == [
        "2 changed file(s); code owner approvals requested (one approval from any owner of each rule):",
        "  line 1 `*`: @default for 1 file(s): src/a.py",
        "  line 2 `/secure/`: @org/security for 1 file(s): secure/keys.py",
    ]
    # The other checks still get the changed files without deletions.
    from governance_hooks.changes import changed_since

    assert changed_since(repo, "main") == ["src/a.py"]
    assert changed_since(repo, "main", deleted=True) == ["secure/keys.py", "src/a.py"]


def test_changed_since_who_when_the_change_removes_codeowners(make_repo, capsys):
    repo = make_repo({"CODEOWNERS": "/src/ @py\n", "src/a.py": ""})
    git(repo, "checkout", "-q", "-b", "change")
    git(repo, "rm", "-q", "CODEOWNERS")
    git(repo, "commit", "-qm", "remove")
    code = main(["codeowners", "--repo", str(repo), "--changed-since", "main", "--who"])
    commit = subprocess.run(["git", "rev-parse", "main"], cwd=repo, capture_output=True, text=True).stdout[:12]
    assert code == 0
    assert answer(capsys.readouterr().out) == [
        "1 changed file(s); code owner approvals requested (one approval from any owner of each rule):",
        "  no code owner: 1 file(s): CODEOWNERS",
        f"  this change edits CODEOWNERS: the reviews above come from CODEOWNERS at main ({commit}); "
        "without CODEOWNERS there would be no owners for 0 of the 1 file(s)",
    ]


def test_changed_since_who_gitlab_sections_come_from_the_target_branch(make_repo, capsys):
    repo = make_repo({"CODEOWNERS": "[Docs][2]\n/docs/ @writers\n", "docs/a.md": ""})
    git(repo, "checkout", "-q", "-b", "change")
    (repo / "CODEOWNERS").write_text("[Docs]\n/docs/ @me\n")
    (repo / "docs/a.md").write_text("x\n")
    git(repo, "commit", "-qam", "change")
    code = main(["codeowners", "--repo", str(repo), "--changed-since", "main", "--who"])
    assert code == 0
    assert capsys.readouterr().out.splitlines()[:3] == [
        "2 changed file(s); code owner approvals requested (one approval rule per section):",
        "  [Docs] 2 approval(s): @writers (line 2) for 1 file(s): docs/a.md",
        "  no code owner: 1 file(s): CODEOWNERS",
    ]


def test_changed_since_who_shows_control_characters_in_changed_names(make_repo, capsys):
    repo = pr_repo(make_repo)
    (repo / "src" / "x\x1b]52;c;aGk=\x07.py").write_text("")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "hostile name")
    code = main(["codeowners", "--repo", str(repo), "--changed-since", "main", "--who"])
    out = capsys.readouterr().out
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out
    assert out.splitlines()[1] == "  line 1 `*`: @all for 3 file(s): .github/CODEOWNERS, src/a.py, src/x\\x1b]52;c;aGk=\\x07.py"


def test_run_changed_since_compares_codeowners_with_the_base(make_repo, capsys):
    repo = pr_repo(make_repo)
    code = main(["run", str(repo), "--checks", "codeowners", "--changed-since", "main", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert sorted(f["rule_id"] for f in report["findings"] if f["rule_id"] in (
        "codeowners/ownership-change", "codeowners/newly-unowned", "codeowners/rule-now-dead")) == [
        "codeowners/newly-unowned", "codeowners/ownership-change", "codeowners/ownership-change",
        "codeowners/rule-now-dead"]


def test_who_without_paths_needs_changed_since(tmp_path, capsys):
    (tmp_path / "CODEOWNERS").write_text("* @a\n")
    assert main(["codeowners", "--repo", str(tmp_path), "--who"]) == 2
    assert "--who needs one or more paths" in capsys.readouterr().err


def test_removing_codeowners_reports_the_files_that_lose_owners(make_repo, capsys):
    repo = make_repo({".github/CODEOWNERS": "/src/ @py\n", "src/a.py": "", "README.md": ""})
    git(repo, "rm", "-q", ".github/CODEOWNERS")
    code = main(["codeowners", "--repo", str(repo), "--base", "HEAD", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [(f["rule_id"], f["path"]) for f in report["findings"]] == [
        ("codeowners/missing-file", ""), ("codeowners/newly-unowned", ".github/CODEOWNERS")]
    assert "1 file(s) that had code owners have none, e.g. `src/a.py`" in report["findings"][1]["message"]


def test_unknown_base_revision_is_one_line_exit_2(make_repo, capsys):
    repo = make_repo({"CODEOWNERS": "* @a\n", "a": ""})
    assert main(["codeowners", "--repo", str(repo), "--base", "nosuchrev"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("governance-hooks: error: --base: unknown revision 'nosuchrev'") and err.count("\n") == 1


def json_run(capsys, repo, *argv):
    """``(exit code, JSON report)`` of ``codeowners --repo REPO ARGV --format json``."""
    code = main(["codeowners", "--repo", str(repo), *argv, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_empty_base_revision_is_one_line_exit_2(make_repo, capsys):
    repo = make_repo({"CODEOWNERS": "* @a\n", "a": ""})
    for option in ("--base", "--changed-since"):
        assert main(["codeowners", "--repo", str(repo), option, ""]) == 2
        assert capsys.readouterr().err == f"governance-hooks: error: {option}: the revision is empty ('')\n"


def test_removed_github_codeowners_is_read_as_github_at_the_base(make_repo, capsys):
    # `/docs` owns the folder on GitHub; read as GitLab (the `[S]` header) it would be only a file named docs.
    repo = make_repo({".github/CODEOWNERS": "[S]\n/docs @a\n", "docs/x.md": ""})
    git(repo, "rm", "-q", ".github/CODEOWNERS")
    git(repo, "commit", "-qm", "remove")
    code, report = json_run(capsys, repo, "--base", "HEAD~1")
    assert code == 0
    assert [(f["rule_id"], f["path"], (f["evidence"] or {}).get("sample")) for f in report["findings"]] == [
        ("codeowners/missing-file", "", None), ("codeowners/newly-unowned", ".github/CODEOWNERS", ["docs/x.md"])]


def test_dialect_is_decided_by_the_files_place_on_both_sides():
    from governance_hooks.codeowners.locate import dialect_of

    assert [dialect_of(rel, "auto") for rel in (".github/CODEOWNERS", ".gitlab/CODEOWNERS", "CODEOWNERS",
                                                 "docs/CODEOWNERS")] == ["github", "gitlab", "auto", "auto"]
    assert [dialect_of(".github/CODEOWNERS", d) for d in ("github", "gitlab")] == ["github", "gitlab"]


def symlinked_repo(make_repo, extra=None):
    repo = make_repo({"owners.txt": "* @a\n/src/ @b\n", "src/a.py": "", **(extra or {})}, commit=False)
    (repo / "CODEOWNERS").symlink_to("owners.txt")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "link")
    return repo


def test_symlinked_codeowners_compared_with_its_own_commit_shows_no_change(make_repo, capsys):
    repo = symlinked_repo(make_repo)
    code, report = json_run(capsys, repo, "--base", "HEAD")
    assert code == 1
    assert [(f["rule_id"], f["path"]) for f in report["findings"]] == [
        ("codeowners/missing-file", ""), ("codeowners/symlinked-file", "CODEOWNERS")]


def test_symlinked_codeowners_is_skipped_for_the_next_location_on_both_sides(make_repo, capsys):
    repo = symlinked_repo(make_repo, {"docs/CODEOWNERS": "* @zzz\n"})
    code, report = json_run(capsys, repo, "--base", "HEAD")
    assert code == 1
    assert [(f["rule_id"], f["path"], f["message"]) for f in report["findings"]] == [
        ("codeowners/symlinked-file", "CODEOWNERS",
         "is a symbolic link, which is not followed (in git a link is not the file it points to), so this "
         "CODEOWNERS requests no reviews; `docs/CODEOWNERS` is read instead")]
    assert report["summary"]["codeowners"]["rules"] == 1


def test_codeowners_below_a_symlinked_folder_is_skipped_on_both_sides(make_repo, capsys):
    repo = make_repo({"config/CODEOWNERS": "* @linked\n", "CODEOWNERS": "* @root\n", "a.py": ""}, commit=False)
    (repo / ".github").symlink_to("config")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "linked folder")
    code, report = json_run(capsys, repo, "--base", "HEAD")
    assert code == 1
    assert [(f["rule_id"], f["path"], f["evidence"]) for f in report["findings"]] == [
        ("codeowners/symlinked-file", ".github/CODEOWNERS", {"link": ".github", "in_effect": "CODEOWNERS"})]
    assert report["findings"][0]["message"].startswith("lies below the symbolic link `.github`, which is not followed")


def test_a_symlink_after_the_file_in_effect_is_only_a_dead_file(make_repo, capsys):
    repo = make_repo({".github/CODEOWNERS": "* @a\n", "a.py": ""}, commit=False)
    (repo / "docs").mkdir()
    (repo / "docs" / "CODEOWNERS").symlink_to("../.github/CODEOWNERS")
    code = main(["codeowners", "--repo", str(repo), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [(f["rule_id"], f["path"]) for f in report["findings"]] == [("codeowners/multiple-files", "docs/CODEOWNERS")]


def test_who_refuses_to_answer_past_a_symlinked_codeowners(make_repo, capsys):
    repo = symlinked_repo(make_repo, {"docs/CODEOWNERS": "* @zzz\n"})
    assert main(["codeowners", "--repo", str(repo), "--who", "src/a.py"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == ("governance-hooks: error: CODEOWNERS: is a symbolic link or lies below one; it is not followed, "
                   "so it requests no reviews: replace it with the file before asking --who\n")


@pytest.mark.parametrize("extra, fixed", [
    (None, False),  # no next location
    ({"docs/CODEOWNERS": "* @zzz\n"}, False),  # the next location would answer @zzz
    ({"docs/CODEOWNERS": "* @zzz\n"}, True),  # the change replaces the link: the base still decides the reviews
])
def test_changed_since_who_refuses_to_answer_past_a_symlinked_base_codeowners(make_repo, capsys, extra, fixed):
    # As --who PATH refuses in the working tree: whether GitHub then takes the next location is not known.
    repo = symlinked_repo(make_repo, extra)
    git(repo, "checkout", "-q", "-b", "change")
    (repo / "src/a.py").write_text("x\n")
    if fixed:
        (repo / "CODEOWNERS").unlink()
        (repo / "CODEOWNERS").write_text("* @a\n")
    git(repo, "commit", "-qam", "change")
    base = subprocess.run(["git", "rev-parse", "main"], cwd=repo, capture_output=True, text=True).stdout[:12]
    for fmt in ("text", "json"):
        assert main(["codeowners", "--repo", str(repo), "--changed-since", "main", "--who", "--format", fmt]) == 2
        assert capsys.readouterr() == ("", (
            f"governance-hooks: error: CODEOWNERS at main ({base}): is a symbolic link or lies below one; it is not "
            "followed, so it requests no reviews: replace it with the file before asking --who\n"))


def test_a_link_below_a_linked_folder_at_the_base_is_refused_too(make_repo, capsys):
    repo = make_repo({"conf/CODEOWNERS": "* @a\n", "CODEOWNERS": "* @b\n", "src/a.py": ""}, commit=False)
    (repo / ".github").symlink_to("conf")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "linked folder")
    git(repo, "checkout", "-q", "-b", "change")
    (repo / "src/a.py").write_text("x\n")
    git(repo, "commit", "-qam", "change")
    base = subprocess.run(["git", "rev-parse", "main"], cwd=repo, capture_output=True, text=True).stdout[:12]
    assert main(["codeowners", "--repo", str(repo), "--changed-since", "main", "--who"]) == 2
    assert capsys.readouterr().err.startswith(
        f"governance-hooks: error: .github/CODEOWNERS at main ({base}): is a symbolic link or lies below one;")
    # GitLab's order reads CODEOWNERS first and never .github/: nothing linked comes before it.
    from governance_hooks.codeowners.revision import codeowners_at

    assert codeowners_at(repo, base, "github") == ("CODEOWNERS", b"* @b\n", [".github/CODEOWNERS"])
    assert codeowners_at(repo, base, "gitlab") == ("CODEOWNERS", b"* @b\n", [])


def test_the_lean_who_path_leaves_a_symlinked_codeowners_to_the_full_command(make_repo, capsys):
    import io

    from governance_hooks.codeowners.who import quick
    from governance_hooks.front import main as front_main

    repo = symlinked_repo(make_repo, {"docs/CODEOWNERS": "* @zzz\n"})
    argv = ["codeowners", "--repo", str(repo), "--who", "src/a.py"]
    assert quick(argv, io.StringIO()) is None
    assert front_main(argv) == 2
    assert capsys.readouterr().err.startswith("governance-hooks: error: CODEOWNERS: is a symbolic link")


# --------------------------------------------------------------------------- a base CODEOWNERS that is not text

NUL_BASE = b"# \0\n* @default\n/secure/ @org/security\n"
UTF16_BASE = "* @default\n/secure/ @org/security\n".encode("utf-16")
NUL_REASON = "the file is binary (NUL byte on line 1)"
UTF16_REASON = "the file is UTF-16 (it starts with a UTF-16 byte order mark)"


def unreadable_base_repo(make_repo, base: bytes, head):
    """A change that edits secure/k.py and sets CODEOWNERS to ``head`` (``None``: deletes it)."""
    repo = make_repo({"CODEOWNERS": base, "secure/k.py": "s\n"})
    git(repo, "checkout", "-q", "-b", "change")
    if head is None:
        git(repo, "rm", "-q", "CODEOWNERS")
    else:
        (repo / "CODEOWNERS").write_text(head)
    (repo / "secure/k.py").write_text("y\n")
    git(repo, "commit", "-qam", "change")
    label = f"main ({subprocess.run(['git', 'rev-parse', 'main'], cwd=repo, capture_output=True, text=True).stdout[:12]})"
    return repo, label


@pytest.mark.parametrize("base, reason", [(NUL_BASE, NUL_REASON), (UTF16_BASE, UTF16_REASON)])
def test_an_unreadable_base_codeowners_is_not_read_as_empty(make_repo, capsys, base, reason):
    # Read as empty, a change handing /secure/ to someone else looked like files gaining owners (notes only).
    repo, label = unreadable_base_repo(make_repo, base, "* @default\n/secure/ @attacker\n")
    unknown = f"CODEOWNERS at {label} cannot be read as rules: {reason}, so"
    for option in ("--base", "--changed-since"):
        code, report = json_run(capsys, repo, option, "main")
        assert code == 1
        assert [(f["rule_id"], f["severity"], f["path"], f["message"]) for f in report["findings"]] == [
            ("codeowners/base-unreadable", "error", "CODEOWNERS",
             f"{unknown} which files this change gives other owners is unknown")]
    # The reviews list: one line instead of a list that would read "no code owner", and the error (exit 1).
    assert main(["codeowners", "--repo", str(repo), "--changed-since", "main", "--who"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == [
        f"2 changed file(s); the code owner reviews requested are unknown: CODEOWNERS at {label} cannot be read as "
        f"rules: {reason}",
        f"CODEOWNERS: error codeowners/base-unreadable {unknown} which reviews this change requests is unknown"]
    assert main(["codeowners", "--repo", str(repo), "--changed-since", "main", "--who", "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert (document["base"]["unreadable"], document["reviews"], document["unowned"]) == (reason, None, None)


def test_an_unreadable_base_of_a_change_that_deletes_codeowners(make_repo, capsys):
    repo, label = unreadable_base_repo(make_repo, NUL_BASE, None)
    code, report = json_run(capsys, repo, "--base", "main")
    assert code == 1
    assert [(f["rule_id"], f["path"], f["message"]) for f in report["findings"]] == [
        ("codeowners/base-unreadable", "",
         f"CODEOWNERS at {label} cannot be read as rules: {NUL_REASON}, so which files lose their code owners is "
         "unknown"),
        ("codeowners/missing-file", "", "no CODEOWNERS file in .github/, the root, docs/ or .gitlab/")]
    assert main(["codeowners", "--repo", str(repo), "--changed-since", "main", "--who"]) == 1
    assert capsys.readouterr().out.splitlines()[1].startswith("CODEOWNERS: error codeowners/base-unreadable ")


def test_a_base_with_invalid_utf8_is_still_read(make_repo, capsys):
    # Invalid UTF-8 is replaced on its line (the working tree reports it); the other rules still compare.
    repo, _ = unreadable_base_repo(make_repo, b"# \xff\n* @default\n/secure/ @org/security\n",
                                   "* @default\n/secure/ @attacker\n")
    assert main(["codeowners", "--repo", str(repo), "--changed-since", "main", "--who"]) == 0
    assert answer(capsys.readouterr().out)[1:3] == [
        "  line 2 `*`: @default for 1 file(s): CODEOWNERS", "  line 3 `/secure/`: @org/security for 1 file(s): secure/k.py"]
