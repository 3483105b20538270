"""Drive the real pre-commit framework against a snapshot of this checkout.

The snapshot (what a clone of the working tree would hold, committed into a
temporary repository) is made once per session. ``pre-commit try-repo`` builds
the hook environment in a fresh store on every call (that is how try-repo
works), so each call pays for a ``pip install`` of this package; pip's own
cache keeps that to seconds after the first. ``PRE_COMMIT_HOME`` points at a
temporary folder so the user's pre-commit store is never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import PROJECT, git


def _pre_commit() -> list:
    if shutil.which("pre-commit") is None and subprocess.run(
        [sys.executable, "-c", "import pre_commit"], capture_output=True
    ).returncode != 0:
        pytest.skip("pre-commit is not installed (it is in the test extra)")
    return [sys.executable, "-m", "pre_commit"]


def copy_checkout(dest: Path) -> Path:
    """Copy what a clone of this checkout would hold into ``dest``.

    That is the tracked files plus untracked ones git does not ignore, as they
    are in the working tree: no virtual environments, caches or build output.
    """
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT, capture_output=True, check=True,
    ).stdout.decode("utf-8", "surrogateescape").split("\0")
    for rel in filter(None, listed):
        source = PROJECT / rel
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the working tree, not yet in the index
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    return dest


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory) -> Path:
    """A committed copy of this checkout's working tree, for ``pre-commit try-repo``.

    Copies what a clone would hold (tracked files plus untracked, not ignored
    ones), so caches and virtual environments never enter the snapshot.
    """
    snap = tmp_path_factory.mktemp("hook-repo") / "governance-hooks"
    copy_checkout(snap)
    git(snap, "init", "-q", "-b", "main")
    git(snap, "add", "-A")
    git(snap, "commit", "-q", "-m", "snapshot")
    return snap


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def try_repo(hook_repo, pre_commit_home):
    """``try_repo(target_repo, hook_id, *extra) -> CompletedProcess`` (text, combined output)."""
    command = _pre_commit()

    def _run(target: Path, hook_id: str, *extra: str) -> subprocess.CompletedProcess:
        env = {
            **os.environ,
            "PRE_COMMIT_HOME": str(pre_commit_home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "NO_COLOR": "1",
        }
        env.pop("VIRTUAL_ENV", None)
        return subprocess.run(
            [*command, "try-repo", str(hook_repo), hook_id, "--all-files", "--color", "never", *extra],
            cwd=target, env=env, capture_output=True, text=True, timeout=1200,
        )

    return _run
