"""Choosing the files to scan (no Semgrep needed)."""

from __future__ import annotations

import os

import pytest

from governance_hooks.errors import ToolError
from governance_hooks.semgrep.targets import excluded, select

from ..conftest import git


@pytest.fixture
def repo(make_repo):
    return make_repo({
        "train.py": "import torch\n",
        "pkg/model.py": "x = 1\n",
        "pkg/stubs.pyi": "x: int\n",
        "tests/test_model.py": "def test(): pass\n",
        "examples/demo.py": "print()\n",
        "bin/launch": "#!/usr/bin/env python3\nprint()\n",
        "bin/run.sh": "#!/bin/sh\necho\n",
        "README.md": "# r\n",
        "gone.py": "x = 2\n",
    })


def test_whole_repository_means_tracked_python_files_present_on_disk(repo, tmp_path):
    (repo / "gone.py").unlink()  # still listed by git ls-files
    (repo / "untracked.py").write_text("x = 3\n")
    targets = select(repo, [], None, [], 1_000_000, tmp_path / "aliases")
    assert targets.semgrep_paths == ["examples/demo.py", "pkg/model.py", "pkg/stubs.pyi", "tests/test_model.py", "train.py"]


def test_changed_files_and_exclude_narrow_the_scan(repo, tmp_path):
    targets = select(repo, [], ["train.py", "README.md", "examples/demo.py"], ["examples"], 1_000_000, tmp_path / "a")
    assert targets.semgrep_paths == ["train.py"]
    targets = select(repo, [], None, ["tests/*", "*.pyi", "examples/"], 1_000_000, tmp_path / "b")
    assert targets.semgrep_paths == ["gone.py", "pkg/model.py", "train.py"]


def test_explicit_files_folders_and_an_extensionless_python_script(repo, tmp_path, monkeypatch):
    monkeypatch.chdir(repo)
    aliases = tmp_path / "aliases"
    targets = select(repo, [os.path.join("bin", "launch"), "bin/run.sh", "pkg", "README.md"], None, [], 1_000_000, aliases)
    alias = str(aliases / "0" / "launch.py")
    assert targets.semgrep_paths == [alias, "pkg/model.py", "pkg/stubs.pyi"]
    assert targets.display[alias] == "bin/launch"
    assert targets.not_python == ["bin/run.sh", "README.md"]
    assert (aliases / "0" / "launch.py").read_text() == "#!/usr/bin/env python3\nprint()\n"


def test_files_over_the_size_limit_are_reported_not_scanned(repo, tmp_path):
    targets = select(repo, [], None, [], 13, tmp_path / "aliases")
    assert targets.too_large == [("tests/test_model.py", 17)]
    assert targets.semgrep_paths == ["examples/demo.py", "gone.py", "pkg/model.py", "pkg/stubs.pyi", "train.py"]


def test_a_missing_explicit_path_is_a_tool_error(repo, tmp_path, monkeypatch):
    monkeypatch.chdir(repo)
    with pytest.raises(ToolError, match=r"^nope\.py: no such file or folder$"):
        select(repo, ["nope.py"], None, [], 1_000_000, tmp_path)


def test_a_symlink_out_of_the_repository_is_not_followed(repo, tmp_path):
    outside = tmp_path / "outside.py"
    outside.write_text("import pickle\n")
    (repo / "link.py").symlink_to(outside)
    git(repo, "add", "link.py")
    targets = select(repo, [], None, [], 1_000_000, tmp_path / "aliases")
    assert "link.py" not in targets.semgrep_paths


def test_exclude_globs():
    assert excluded("examples/demo-repo/src/x.py", ["examples"])
    assert excluded("a/b/c.py", ["a/*/c.py"])
    assert not excluded("examples2/x.py", ["examples"])


def test_a_named_folder_scans_tracked_and_untracked_not_ignored_files(repo, tmp_path, monkeypatch):
    monkeypatch.chdir(repo)
    (repo / "newdir").mkdir()
    (repo / "newdir" / "fresh.py").write_text("import pickle\n")
    (repo / "newdir" / "build").mkdir()
    (repo / "newdir" / "build" / "gen.py").write_text("x = 1\n")
    (repo / ".gitignore").write_text("build/\n")
    (repo / "pkg" / "extra.py").write_text("y = 2\n")
    targets = select(repo, ["newdir", "pkg"], None, [], 1_000_000, tmp_path / "aliases")
    assert targets.semgrep_paths == ["newdir/fresh.py", "pkg/extra.py", "pkg/model.py", "pkg/stubs.pyi"]


def test_a_folder_outside_the_repository_is_walked(repo, tmp_path, monkeypatch):
    outside = tmp_path / "elsewhere"
    (outside / "sub").mkdir(parents=True)
    (outside / "sub" / "a.py").write_text("x = 1\n")
    (outside / "notes.txt").write_text("x\n")
    monkeypatch.chdir(repo)
    targets = select(repo, [str(outside)], None, [], 1_000_000, tmp_path / "aliases")
    assert targets.semgrep_paths == [str(outside / "sub" / "a.py")]


def test_a_named_path_that_yields_no_file_is_an_error_not_a_pass(repo, tmp_path, monkeypatch):
    monkeypatch.chdir(repo)
    (repo / "docs").mkdir()
    (repo / "docs" / "index.md").write_text("# docs\n")
    with pytest.raises(ToolError, match=r"^docs: no Python file to scan in this folder \(there is no \.py/\.pyi file"):
        select(repo, ["docs", "train.py"], None, [], 1_000_000, tmp_path / "a")
    with pytest.raises(ToolError, match=r"^examples: no Python file to scan in this folder \(every one is excluded\)$"):
        select(repo, ["examples"], None, ["examples/*"], 1_000_000, tmp_path / "b")
    with pytest.raises(ToolError, match=r"^README\.md: none of the named paths is a Python file to scan$"):
        select(repo, ["README.md"], None, [], 1_000_000, tmp_path / "c")
