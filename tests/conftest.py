"""Shared fixtures: the ../shared folder (skipped when absent) and small git repositories."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test with the reason when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared corpora live beside the checkout, not in it)")
    return path


@pytest.fixture(scope="session")
def sarif_schema() -> dict:
    """The SARIF 2.1.0 JSON Schema from ../shared/schemas."""
    return json.loads(shared_path("schemas", "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def git(cwd: Path, *args: str) -> str:
    """Run git with a fixed identity and no user or system configuration."""
    env = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    out = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return out.stdout


@pytest.fixture
def make_repo(tmp_path):
    """``make_repo({"path": "content" or b"bytes"}, commit=True)`` -> a git repository Path."""

    def _make(files: dict, commit: bool = True, name: str = "repo") -> Path:
        root = tmp_path / name
        root.mkdir()
        git(root, "init", "-q", "-b", "main")
        for rel, content in files.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8", newline="")
        if files:
            git(root, "add", "-A")
            if commit:
                git(root, "commit", "-q", "-m", "init")
        return root

    return _make
