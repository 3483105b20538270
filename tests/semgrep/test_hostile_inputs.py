"""Hostile names, links and limits for the Semgrep check: every tracked Python file is scanned once.

Semgrep reads its command line as UTF-8; a file name with bytes that are not
UTF-8 used to be skipped silently (or to fail the whole scan), so a
``pickle.loads`` in it went unreported.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from governance_hooks.check import Context
from governance_hooks.cli import build_parser, main
from governance_hooks.config import Config
from governance_hooks.errors import ToolError
from governance_hooks.findings import Location
from governance_hooks.semgrep.command import run
from governance_hooks.semgrep.targets import select

PICKLE = "import pickle\n\n\ndef load(blob):\n    return pickle.loads(blob)\n"
BAD_NAME = os.fsdecode(b"bad\xffname.py")  # 'bad\udcffname.py'

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file names may hold any byte but / and NUL")


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "ok.py").write_text(PICKLE, encoding="utf-8")
    (root / BAD_NAME).write_text(PICKLE, encoding="utf-8")  # the file system gets the raw 0xff byte
    (root / "new\nline.py").write_text(PICKLE, encoding="utf-8")
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    return root


def test_non_utf8_name_is_scanned_through_a_utf8_alias(repo, tmp_path):
    aliases = tmp_path / "aliases"
    targets = select(repo, [], None, [], 1_000_000, aliases)
    assert sorted(targets.display.values()) == sorted([BAD_NAME, "new\nline.py", "ok.py"])
    [alias] = [path for path, shown in targets.display.items() if shown == BAD_NAME]
    assert alias == str(aliases / "0" / "target.py")
    assert alias.encode("utf-8")  # Semgrep can take it on its command line
    assert (aliases / "0" / "target.py").read_text(encoding="utf-8") == PICKLE
    assert targets.display["ok.py"] == "ok.py" and targets.display["new\nline.py"] == "new\nline.py"


def test_every_hostile_name_gets_its_finding(repo, semgrep_exe):
    # The check's findings themselves: rendering a non-UTF-8 path is the reporters' concern.
    before = {p.name: p.read_bytes() for p in repo.iterdir() if p.is_file()}
    args = build_parser().parse_args(["semgrep"])
    result = run(args, Context(root=repo, config=Config(), check="semgrep"))
    assert sorted((f.rule_id, f.location.path, f.location.line) for f in result.findings) == [
        ("semgrep/pickle-load-untrusted", Location(BAD_NAME).path, 5),  # however Location renders the name
        ("semgrep/pickle-load-untrusted", "new\nline.py", 5),
        ("semgrep/pickle-load-untrusted", "ok.py", 5),
    ]
    assert result.stats["files"] == 3
    assert {p.name: p.read_bytes() for p in repo.iterdir() if p.is_file()} == before


@pytest.mark.parametrize("argv, message", [
    (["--timeout", "nan"], "--timeout must be a positive number of seconds, not nan"),
    (["--budget", "inf"], "--budget must be a positive number of seconds, not inf"),
    (["--timeout", "-1"], "--timeout must be a positive number of seconds, not -1"),
    (["--budget", "0"], "--budget must be a positive number of seconds, not 0"),
])
def test_non_finite_or_non_positive_time_limits_are_one_line_errors(tmp_path, capsys, argv, message):
    code = main(["semgrep", "--repo", str(tmp_path), *argv])
    assert code == 2
    assert capsys.readouterr().err == f"governance-hooks: error: {message}\n"


@pytest.mark.parametrize("setting, key", [("timeout = nan", "timeout"), ("budget = inf", "budget"),
                                          ("budget = -inf", "budget")])
def test_non_finite_time_limits_in_the_configuration_are_refused(tmp_path, capsys, setting, key):
    (tmp_path / "pyproject.toml").write_text(f"[tool.governance-hooks.semgrep]\n{setting}\n", encoding="utf-8")
    code = main(["semgrep", "--repo", str(tmp_path)])
    assert code == 2
    assert capsys.readouterr().err == (f"governance-hooks: error: {tmp_path / 'pyproject.toml'}: "
                                       f"[tool.governance-hooks.semgrep] {key} must be a positive number\n")


@pytest.fixture
def linked_repo(tmp_path):
    root = tmp_path / "linked"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "impl.py").write_text(PICKLE, encoding="utf-8")
    os.symlink("impl.py", root / "alias.py")
    (tmp_path / "elsewhere.py").write_text(PICKLE, encoding="utf-8")
    os.symlink(tmp_path / "elsewhere.py", root / "outside.py")
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    return root


def test_symlinks_are_scanned_as_their_target_once(linked_repo, tmp_path):
    targets = select(linked_repo, [], None, [], 1_000_000, tmp_path / "aliases")
    assert targets.semgrep_paths == ["impl.py"]
    assert targets.display == {"impl.py": "impl.py"}


def test_explicit_symlink_outside_the_repository_is_refused(linked_repo, tmp_path, monkeypatch):
    monkeypatch.chdir(linked_repo)
    with pytest.raises(ToolError) as info:
        select(linked_repo, [Path("outside.py")], None, [], 1_000_000, tmp_path / "aliases")
    assert str(info.value) == "outside.py: is a symbolic link that points outside the repository; refusing to follow it"


def test_a_tracked_symlink_no_longer_fails_the_whole_scan(linked_repo, semgrep_exe):
    # Semgrep itself refuses symlinked targets ("Consider passing the target it points to directly").
    args = build_parser().parse_args(["semgrep"])
    result = run(args, Context(root=linked_repo, config=Config(), check="semgrep"))
    # the link out of the repository is not followed, and says so (the one safe-open rule)
    assert [(f.rule_id, f.location.path, f.location.line) for f in result.findings] == [
        ("semgrep/analysis-incomplete", "outside.py", None),
        ("semgrep/pickle-load-untrusted", "impl.py", 5)]
