"""``hooks/pre-commit``: the plain git hook, driven by a real ``git commit``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import PROJECT, git

pytestmark = pytest.mark.integration

CLEAN = "* @acme/platform\n/docs/ @acme/docs\n"
BROKEN = "* @acme/platform\n/docs/ docs-team\n"


def _commit(repo: Path, path_dirs, *extra_env) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.pathsep.join(str(d) for d in path_dirs),
        "HOME": str(repo.parent),
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
        "NO_COLOR": "1",
        # This checkout's code, whichever checkout the environment's console script was installed from.
        "PYTHONPATH": str(PROJECT / "src"),
    }
    if "PYTHONPATH" in os.environ:  # a source checkout under test, rather than the installed package
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    for item in extra_env:
        env.update(item)
    return subprocess.run(["git", "commit", "-q", "-m", "change"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def hooked_repo(make_repo, tmp_path):
    repo = make_repo({"CODEOWNERS": CLEAN, "docs/guide.md": "# Guide\n"})
    hooks = tmp_path / "hooks"
    shutil.copytree(PROJECT / "hooks", hooks)
    git(repo, "config", "core.hooksPath", str(hooks))
    return repo


def _system_dirs():
    return [Path(shutil.which("git")).parent, Path("/bin"), Path("/usr/bin")]


def test_commit_blocked_on_a_finding_and_allowed_when_clean(hooked_repo):
    head = git(hooked_repo, "rev-parse", "HEAD")
    (hooked_repo / "CODEOWNERS").write_text(BROKEN, encoding="utf-8")
    git(hooked_repo, "add", "CODEOWNERS")
    venv_bin = Path(sys.executable).parent
    blocked = _commit(hooked_repo, [venv_bin, *_system_dirs()])
    assert blocked.returncode == 1, blocked.stderr
    assert "CODEOWNERS:2:8: error codeowners/invalid-owner" in blocked.stderr
    assert "governance-hooks: commit blocked by the findings above" in blocked.stderr
    assert git(hooked_repo, "rev-parse", "HEAD") == head

    (hooked_repo / "CODEOWNERS").write_text(CLEAN + "/src/ @acme/ml\n", encoding="utf-8")
    git(hooked_repo, "add", "CODEOWNERS")
    allowed = _commit(hooked_repo, [venv_bin, *_system_dirs()])
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert git(hooked_repo, "rev-parse", "HEAD") != head
    assert git(hooked_repo, "status", "--porcelain") == ""


def test_partially_staged_file_is_judged_by_its_staged_content(hooked_repo):
    """The broken version is staged, a clean one is only on disk: checking the disk would let it in."""
    head = git(hooked_repo, "rev-parse", "HEAD")
    (hooked_repo / "CODEOWNERS").write_text(BROKEN, encoding="utf-8")
    git(hooked_repo, "add", "CODEOWNERS")
    (hooked_repo / "CODEOWNERS").write_text(CLEAN, encoding="utf-8")
    result = _commit(hooked_repo, [Path(sys.executable).parent, *_system_dirs()])
    assert result.returncode == 1
    assert "CODEOWNERS:2:8: error codeowners/invalid-owner" in result.stderr
    assert "governance-hooks: commit blocked by the findings above" in result.stderr
    assert git(hooked_repo, "rev-parse", "HEAD") == head
    assert (hooked_repo / "CODEOWNERS").read_text(encoding="utf-8") == CLEAN  # the unstaged edit is untouched


def test_whole_tree_check_judges_the_committed_tree(hooked_repo):
    """A shard change is staged, the manifest fixed only on disk: the committed tree fails, so no commit."""
    venv_bin = Path(sys.executable).parent
    command = {"GOVERNANCE_HOOKS": f"{sys.executable} -m governance_hooks",
               "GOVERNANCE_HOOKS_ARGS": "--checks manifest"}
    (hooked_repo / "data").mkdir()
    (hooked_repo / "data" / "a.bin").write_bytes(b"alpha")
    build = subprocess.run([sys.executable, "-m", "governance_hooks", "manifest", "build", "data"],
                           cwd=hooked_repo, capture_output=True, text=True, timeout=120)
    assert build.returncode == 0, build.stderr
    git(hooked_repo, "add", "-A")
    assert _commit(hooked_repo, [venv_bin, *_system_dirs()], command).returncode == 0
    head = git(hooked_repo, "rev-parse", "HEAD")
    (hooked_repo / "data" / "a.bin").write_bytes(b"changed")
    git(hooked_repo, "add", "data/a.bin")
    rebuilt = subprocess.run([sys.executable, "-m", "governance_hooks", "manifest", "build", "data"],
                             cwd=hooked_repo, capture_output=True, text=True, timeout=120)
    assert rebuilt.returncode == 0, rebuilt.stderr  # the working tree now passes; the index does not
    result = _commit(hooked_repo, [venv_bin, *_system_dirs()], command)
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'data/manifest.json:6:5: error manifest/changed-shard shard "a.bin" changed: size differs' in result.stderr
    assert git(hooked_repo, "rev-parse", "HEAD") == head
    git(hooked_repo, "add", "data/manifest.json")
    assert _commit(hooked_repo, [venv_bin, *_system_dirs()], command).returncode == 0


def test_extra_arguments_and_an_explicit_command(hooked_repo):
    (hooked_repo / "docs" / "new.md").write_text("new\n", encoding="utf-8")
    git(hooked_repo, "add", "docs/new.md")
    command = {"GOVERNANCE_HOOKS": f"{sys.executable} -m governance_hooks",
               "GOVERNANCE_HOOKS_ARGS": "--checks codeowners --fail-on note"}
    result = _commit(hooked_repo, _system_dirs(), command)
    # Only the selected check ran, through the explicit command, and found nothing even at note level.
    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == ("", "")  # quiet on success, as pre-commit hooks are
    (hooked_repo / "docs" / "more.md").write_text("more\n", encoding="utf-8")
    git(hooked_repo, "add", "docs/more.md")
    bad = _commit(hooked_repo, _system_dirs(), command, {"GOVERNANCE_HOOKS_ARGS": "--checks nope"})
    assert bad.returncode == 1  # git reports any failing hook as 1; the hook's own message says 2
    assert "--checks: unknown check 'nope'" in bad.stderr
    assert "the checks could not run (exit 2); commit blocked" in bad.stderr


def test_clear_message_when_governance_hooks_is_not_installed(hooked_repo, tmp_path):
    (hooked_repo / "docs" / "other.md").write_text("x\n", encoding="utf-8")
    git(hooked_repo, "add", "docs/other.md")
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    (empty / "git").symlink_to(shutil.which("git"))
    sh = shutil.which("sh")
    (empty / "sh").symlink_to(sh)
    result = _commit(hooked_repo, [empty])
    assert result.returncode == 1
    assert "governance-hooks is not installed (not on PATH, not importable by python3)" in result.stderr
    assert "git commit --no-verify" in result.stderr


def test_hook_is_posix_sh():
    dash = shutil.which("dash")
    if dash is None:
        pytest.skip("dash is not installed (used to check POSIX sh syntax)")
    hook = PROJECT / "hooks" / "pre-commit"
    assert os.access(hook, os.X_OK), "hooks/pre-commit must be executable"
    subprocess.run([dash, "-n", str(hook)], check=True)
