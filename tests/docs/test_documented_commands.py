"""Every documented command runs as written; every configuration snippet is accepted.

See :mod:`tests.docs.doc_blocks` for what is run and the ``<!-- doc-test: ... -->``
markers. The test reads ``README.md`` and ``docs/*.md`` as they are, so a new
page or command is covered without touching this file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Dict, List

import pytest
import yaml

from ..conftest import git
from .doc_blocks import PROJECT, Block, all_blocks

pytestmark = pytest.mark.integration

BLOCKS = [b for b in all_blocks() if b.kind != "not run"]
HOOK_IDS = {h["id"] for h in yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
_SHA = re.compile(r"^[0-9a-f]{40}$")
_PLACEHOLDER = re.compile(r"^<[^<>]+>$")
TIMEOUT = 600


def tags() -> set:
    out = subprocess.run(["git", "tag", "--list"], cwd=PROJECT, capture_output=True, text=True)
    return set(out.stdout.split()) if out.returncode == 0 else set()


@pytest.fixture
def demo_repo(tmp_path) -> Path:
    """A git repository holding a copy of examples/demo-repo (what the documented commands run against)."""
    root = tmp_path / "repo"
    shutil.copytree(PROJECT / "examples" / "demo-repo", root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "demo")
    return root


@pytest.fixture
def environment(tmp_path) -> Dict[str, str]:
    """``PATH`` with this checkout's console scripts first, an empty home, a fixed git identity, no colour."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    entries = {"governance-hooks": []}
    entries.update({f"governance-hooks-{c}": [c] for c in
                    ("codeowners", "redos", "metrics", "policy", "manifest", "checkpoint", "semgrep")})
    for name, fixed in entries.items():
        script = bin_dir / name
        script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m governance_hooks {" ".join(fixed)} "$@"\n')
        script.chmod(0o755)
    (tmp_path / "home").mkdir()
    env = {
        "PATH": os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "PYTHONPATH": str(PROJECT / "src"),
        "HOME": str(tmp_path / "home"),
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
        "NO_COLOR": "1", "LC_ALL": "C.UTF-8", "SEMGREP_SEND_METRICS": "off", "SEMGREP_ENABLE_VERSION_CHECK": "0",
    }
    return env


def run_shell(command: str, cwd: Path, env: Dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "--noprofile", "--norc", "-c", command], cwd=cwd, env=env,
                          capture_output=True, text=True, errors="replace", timeout=TIMEOUT)


def assert_shown_output(shown: List[str], actual: str, where: str) -> None:
    """Every shown line appears in the actual output, in order (``...`` stands for anything)."""
    lines = [line.rstrip() for line in actual.splitlines()]
    position = 0
    for want in shown:
        if want.strip() in ("...", "…"):
            continue
        try:
            position = lines.index(want, position) + 1
        except ValueError:
            raise AssertionError(f"{where}: the documented output line {want!r} is not in:\n{actual}") from None


def check_exit(block: Block, command: str, proc: subprocess.CompletedProcess) -> None:
    shown = f"{block.where}: `{command}` exited {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert "Traceback (most recent call last)" not in proc.stderr, shown
    if block.exit_code is not None:
        assert proc.returncode == block.exit_code, shown
    else:
        assert proc.returncode in (0, 1), shown


def run_shell_block(block: Block, repo: Path, env: Dict[str, str]) -> None:
    for command in block.commands():
        proc = run_shell(command.text, repo, env)
        check_exit(block, command.text, proc)
        if command.expected_output:
            assert_shown_output(command.expected_output, proc.stdout + proc.stderr, block.where)


def run_configuration(block: Block, repo: Path, env: Dict[str, str]) -> None:
    document = tomllib.loads(block.body)
    table = document["tool"]["governance-hooks"]
    checks = [name for name in table if isinstance(table[name], dict) and name != "run"] or ["codeowners"]
    (repo / "pyproject.toml").write_text(block.body, encoding="utf-8")
    command = f"governance-hooks run --checks {','.join(checks)}"
    proc = run_shell(command, repo, env)
    check_exit(block, command, proc)


def check_precommit_config(block: Block, document, repo: Path, env: Dict[str, str]) -> None:
    config = document if isinstance(document, dict) else {"repos": document}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    proc = run_shell("python -m pre_commit validate-config .pre-commit-config.yaml", repo, env)
    assert proc.returncode == 0, f"{block.where}: {proc.stdout}{proc.stderr}"
    known = tags()
    for entry in config["repos"]:
        if "governance-hooks" not in str(entry.get("repo", "")):
            continue
        rev = str(entry["rev"])
        assert _SHA.match(rev) or _PLACEHOLDER.match(rev) or rev in known, (
            f"{block.where}: rev {rev!r} is neither a commit SHA, a <placeholder> nor a tag of this repository")
        for hook in entry["hooks"]:
            assert hook["id"] in HOOK_IDS, f"{block.where}: no hook {hook['id']!r} in .pre-commit-hooks.yaml"


def check_workflow(block: Block, document) -> None:
    known = tags() | {"main"}
    for job in document["jobs"].values():
        for step in job.get("steps", []):
            uses = step.get("uses")
            if not uses or uses.startswith("./"):
                continue
            action, _, ref = uses.partition("@")
            if action == "governance-hooks/governance-hooks":
                assert _SHA.match(ref) or ref in known, f"{block.where}: {uses}: no such ref in this repository"
            else:
                assert _SHA.match(ref), f"{block.where}: {uses} is not pinned by full commit SHA"


def check_policy(block: Block, repo: Path, env: Dict[str, str]) -> None:
    target = repo / ".governance" / "policy.yaml"
    target.parent.mkdir(exist_ok=True)
    target.write_text(block.body, encoding="utf-8")
    command = "governance-hooks policy .governance/policy.yaml"
    proc = run_shell(command, repo, env)
    shown = f"{block.where}: the documented policy fails its own check:\n{proc.stdout}{proc.stderr}"
    assert proc.returncode == (block.exit_code if block.exit_code is not None else 0), shown


@pytest.mark.parametrize("block", BLOCKS, ids=[b.where for b in BLOCKS])
def test_documented_block(block: Block, demo_repo: Path, environment: Dict[str, str]):
    if block.skip is not None:
        pytest.skip(f"{block.where}: {block.skip}")
    if block.kind == "shell":
        run_shell_block(block, demo_repo, environment)
    elif block.kind == "configuration":
        run_configuration(block, demo_repo, environment)
    elif block.kind == "json":
        json.loads(block.body)
    elif block.kind == "yaml":
        document = yaml.safe_load(block.body)
        text = block.body
        if "hooks:" in text and "repo:" in text:
            check_precommit_config(block, document, demo_repo, environment)
        elif isinstance(document, dict) and "jobs" in document:
            check_workflow(block, document)
        elif isinstance(document, dict) and "version" in document and {"egress", "admin", "tracking"} & set(document):
            check_policy(block, demo_repo, environment)


def test_the_doc_test_sees_every_document_and_the_readme_commands():
    wheres = {b.where.split(":")[0] for b in all_blocks()}
    assert "README.md" in wheres and "docs/action.md" in wheres
    readme = [b for b in BLOCKS if b.path.name == "README.md" and b.kind == "shell"]
    assert len(readme) >= 4
    assert sum(1 for b in readme if b.skip is None) >= 2  # at least some README commands really run


def test_console_blocks_split_commands_from_their_output(tmp_path):
    from .doc_blocks import blocks

    page = tmp_path / "page.md"
    page.write_text("<!-- doc-test: exit 1 -->\n```console\n$ governance-hooks redos \\\n  src/\nsrc/a.py:1:1: error x\n...\n"
                    "$ echo hi   # comment\nhi\n```\n\n<!-- doc-test: skip needs the network -->\n```sh\npip install x\n```\n")
    first, second = blocks(page)
    assert first.exit_code == 1 and first.skip is None
    assert [(c.text, c.expected_output) for c in first.commands()] == [
        ("governance-hooks redos  src/", ["src/a.py:1:1: error x", "..."]), ("echo hi   # comment", ["hi"])]
    assert second.skip == "needs the network" and second.kind == "shell"
