"""More hostile CODEOWNERS inputs: UTF-16 files, special files, endless or huge ``--files-from`` lists."""

from __future__ import annotations

import json
import os

import pytest

from governance_hooks.cli import main
from governance_hooks.codeowners import command

UTF16_MESSAGE = ("the file is UTF-16 (it starts with a UTF-16 byte order mark); CODEOWNERS must be UTF-8 text, "
                 "so its rules cannot be read: save it as UTF-8")


def _run(tmp_path, capsys, *argv):
    code = main(["codeowners", "--repo", str(tmp_path), "--format", "json", *argv])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def _listing(tmp_path):
    listing = tmp_path / "files.txt"
    listing.write_text("src/a.py\n", encoding="utf-8")
    return str(listing)


def test_utf16_le_file_is_named_as_utf16(tmp_path, capsys):
    (tmp_path / "CODEOWNERS").write_bytes("* @acme/team\n".encode("utf-16"))  # BOM + little-endian
    code, report, err = _run(tmp_path, capsys, "--files-from", _listing(tmp_path))
    assert (code, err) == (1, "")
    assert [(f["rule_id"], f["line"], f["column"], f["message"]) for f in report["findings"]] == [
        ("codeowners/invalid-encoding", 1, 1, UTF16_MESSAGE)]


def test_utf16_be_file_is_named_as_utf16(tmp_path, capsys):
    (tmp_path / "CODEOWNERS").write_bytes(b"\xfe\xff" + "* @acme/team\n".encode("utf-16-be"))
    code, report, _ = _run(tmp_path, capsys, "--files-from", _listing(tmp_path))
    assert code == 1
    assert [(f["rule_id"], f["message"]) for f in report["findings"]] == [("codeowners/invalid-encoding", UTF16_MESSAGE)]


def test_utf8_bom_is_still_accepted(tmp_path, capsys):
    (tmp_path / "CODEOWNERS").write_bytes(b"\xef\xbb\xbf* @acme/team\n")
    code, report, _ = _run(tmp_path, capsys, "--files-from", _listing(tmp_path))
    assert (code, report["findings"]) == (0, [])


def test_endless_files_from_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(command, "MAX_FILE_LIST_BYTES", 1 << 20)
    (tmp_path / "CODEOWNERS").write_text("* @acme/team\n", encoding="utf-8")
    code, report, err = _run(tmp_path, capsys, "--files-from", "/dev/zero")
    assert (code, report) == (2, None)
    assert err == "governance-hooks: error: /dev/zero: --files-from is larger than 1,048,576 bytes\n"


def test_files_from_at_the_limit_is_read(tmp_path, monkeypatch):
    listing = tmp_path / "files.txt"
    listing.write_bytes(b"a.py\nb.py\n")
    monkeypatch.setattr(command, "MAX_FILE_LIST_BYTES", 10)
    assert command.read_file_list(listing) == ["a.py", "b.py"]


@pytest.mark.parametrize("make_special, reason", [
    (lambda p: os.symlink("CODEOWNERS", p), "is a broken symbolic link (Too many levels of symbolic links); it cannot be read"),
    (lambda p: os.symlink("missing", p), "is a broken symbolic link (No such file or directory); it cannot be read"),
    (os.mkfifo, "is a FIFO, not a regular file; it cannot be read"),
    (lambda p: os.symlink("/dev/zero", p), "is a symbolic link that points outside the repository; refusing to read it"),
], ids=["symlink-loop", "symlink-dangling", "fifo", "symlink-dev-zero"])
def test_special_codeowners_file_is_refused_not_taken_as_missing(tmp_path, capsys, make_special, reason):
    (tmp_path / ".github").mkdir()
    make_special(tmp_path / ".github" / "CODEOWNERS")
    code, report, err = _run(tmp_path, capsys, "--files-from", _listing(tmp_path))
    assert (code, report) == (2, None)
    assert err == f"governance-hooks: error: .github/CODEOWNERS: {reason}\n"


def test_folder_named_codeowners_is_not_a_codeowners_file(tmp_path, capsys):
    (tmp_path / ".github" / "CODEOWNERS").mkdir(parents=True)
    (tmp_path / "CODEOWNERS").write_text("* @acme/team\n", encoding="utf-8")
    code, report, _ = _run(tmp_path, capsys, "--files-from", _listing(tmp_path))
    assert (code, report["findings"]) == (0, [])
    assert report["summary"]["codeowners"]["rules"] == 1
