"""Shared fixtures: the ../shared folder (skipped when absent) and small git repositories."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"


#: Every character .NET's ``char.IsWhiteSpace`` is true for, which the GitHub runner's ``TrimStart()`` skips
#: before ``::`` (actions/runner ``ActionCommand.TryParseV2``); written out, not taken from the code under test.
RUNNER_WHITE = ["\t", "\n", "\x0b", "\x0c", "\r", " ", "\x85", "\xa0", "\u1680", "\u2000", "\u2001", "\u2002",
                "\u2003", "\u2004", "\u2005", "\u2006", "\u2007", "\u2008", "\u2009", "\u200a", "\u2028", "\u2029",
                "\u202f", "\u205f", "\u3000"]
#: How ``terminal_safe`` shows those of them that are controls or line separators (the rest are printed as they are).
SHOWN_WHITE = {"\t": "\\t", "\n": "\\n", "\x0b": "\\x0b", "\x0c": "\\x0c", "\r": "\\r", "\x85": "\\x85",
               "\u2028": "\\u2028", "\u2029": "\\u2029"}


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
