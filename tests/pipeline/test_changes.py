"""Changed files for pull requests (``--changed-since``) and the commit hook (``--staged``)."""

from __future__ import annotations

import pytest

from governance_hooks.errors import ToolError
from governance_hooks import changes

from ..conftest import git


@pytest.fixture
def pr_repo(make_repo):
    """main: a, b; feature (from main): edits a, adds c, deletes b; main then adds m."""
    root = make_repo({"a.txt": "1\n", "b.txt": "2\n", "sub/s.txt": "s\n"})
    base = git(root, "rev-parse", "HEAD").strip()
    git(root, "checkout", "-q", "-b", "feature")
    (root / "a.txt").write_text("1 edited\n")
    (root / "c.txt").write_text("new\n")
    (root / "b.txt").unlink()
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "feature work")
    git(root, "checkout", "-q", "main")
    (root / "m.txt").write_text("main moved on\n")
    git(root, "add", "m.txt")
    git(root, "commit", "-q", "-m", "main work")
    git(root, "checkout", "-q", "feature")
    return root, base


def test_changed_since_branch_name_uses_the_merge_base(pr_repo):
    root, _ = pr_repo
    # Three-dot semantics: m.txt changed on main after the branch point is not the PR's.
    assert changes.changed_since(root, "main") == ["a.txt", "c.txt"]


def test_changed_since_includes_uncommitted_and_untracked_but_not_ignored(pr_repo):
    root, base = pr_repo
    (root / ".gitignore").write_text("*.log\n")
    (root / "debug.log").write_text("x\n")
    (root / "sub" / "s.txt").write_text("edited, unstaged\n")
    (root / "u v.txt").write_text("untracked with a space\n")
    assert changes.changed_since(root, base) == [".gitignore", "a.txt", "c.txt", "sub/s.txt", "u v.txt"]


def test_changed_since_below_the_top_level_is_relative_to_the_root(pr_repo):
    root, base = pr_repo
    (root / "sub" / "s.txt").write_text("edited\n")
    assert changes.changed_since(root / "sub", base) == ["s.txt"]


def test_without_a_visible_merge_base_the_revision_itself_is_the_base(make_repo):
    root = make_repo({"a.txt": "1\n"})
    git(root, "checkout", "-q", "--orphan", "other")
    git(root, "rm", "-q", "-rf", ".")
    (root / "z.txt").write_text("z\n")
    git(root, "add", "z.txt")
    git(root, "commit", "-q", "-m", "unrelated")
    # No common history (as in a shallow pull-request checkout): diff against main directly.
    assert changes.changed_since(root, "main") == ["z.txt"]


def test_unknown_or_option_like_revisions_are_refused(pr_repo, tmp_path):
    root, _ = pr_repo
    with pytest.raises(ToolError, match="unknown revision 'nope'.*git fetch --depth=1 origin nope"):
        changes.changed_since(root, "nope")
    with pytest.raises(ToolError, match="is not a revision"):
        changes.changed_since(root, "--output=/tmp/x")
    with pytest.raises(ToolError, match=r"^--changed-since: the revision is empty \(' '\)$"):
        changes.changed_since(root, " ")  # an unset CI variable must not mean "compare with nothing"
    with pytest.raises(ToolError, match="needs a git work tree"):
        changes.changed_since(tmp_path, "HEAD")


def test_staged_lists_the_index_without_deletions(pr_repo):
    root, _ = pr_repo
    (root / "a.txt").unlink()
    (root / "d.txt").write_text("d\n")
    (root / "c.txt").write_text("changed again\n")
    git(root, "add", "-A")
    (root / "c.txt").write_text("and again, unstaged\n")
    assert changes.staged(root) == ["c.txt", "d.txt"]
    assert changes.unstaged_among(root, ["c.txt", "d.txt"]) == ["c.txt"]


def test_discoverable_includes_untracked_files_but_not_ignored_ones(pr_repo):
    root, _ = pr_repo
    (root / ".gitignore").write_text("*.log\n")
    (root / "CODEOWNERS").write_text("* @a\n")
    (root / "x.log").write_text("x\n")
    assert changes.discoverable(root) == [".gitignore", "CODEOWNERS", "a.txt", "c.txt", "sub/s.txt"]


def test_discoverable_outside_git_walks_the_folder(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "m.ndjson").write_text("{}\n")
    assert changes.discoverable(tmp_path) == ["d/m.ndjson"]
