"""A file the redos check should scan but may not read is an error (fail closed), not a note."""

from __future__ import annotations

import json
import os

import pytest

from governance_hooks.cli import main
from tests.conftest import git


def _scan(root, capsys):
    code = main(["redos", "--repo", str(root), "--no-confirm", "--format", "json"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    return code, [(f["rule_id"], f["severity"], f["path"], f["message"]) for f in findings]


def test_link_out_of_the_repository_is_an_unreadable_file_error(make_repo, tmp_path, capsys):
    outside = tmp_path / "outside.py"
    outside.write_text('import re\nre.compile(r"(a+)+b")\n', encoding="utf-8")
    root = make_repo({"ok.py": "x = 1\n"}, commit=False)
    (root / "app.py").symlink_to(outside)
    git(root, "add", "app.py")
    code, found = _scan(root, capsys)
    assert code == 1
    assert found == [("redos/unreadable-file", "error", "app.py",
                      f"file is a symlink to {outside}, outside the repository; not read, so not judged")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_named_on_the_command_line_is_an_unreadable_file_error(make_repo, capsys, monkeypatch):
    root = make_repo({"ok.py": "x = 1\n"})
    os.mkfifo(root / "pipe.py")
    monkeypatch.chdir(root)
    code = main(["redos", "--repo", str(root), "--no-confirm", "--format", "json", "pipe.py"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert code == 1
    assert [(f["rule_id"], f["severity"], f["message"]) for f in findings] == [
        ("redos/unreadable-file", "error", "file is a FIFO (named pipe), not a regular file; not read, so not judged")]


def test_a_tracked_file_deleted_from_the_working_tree_is_not_an_error(make_repo, capsys):
    root = make_repo({"gone.py": "x = 1\n", "ok.py": "x = 2\n"})
    (root / "gone.py").unlink()  # the deletion is not staged: git still lists it
    code, found = _scan(root, capsys)
    assert code == 0
    assert [(rule, severity) for rule, severity, _, _ in found if rule == "redos/unreadable-file"] == []
