"""Hostile CODEOWNERS input: findings or exit 2, never a traceback or a hang.

Malformed and huge files, UTF-16 files, special files, endless or huge ``--files-from`` lists.
"""

from __future__ import annotations

import io
import json
import os
import time

import pytest

from governance_hooks.cli import main
from governance_hooks.codeowners import command


def check(tmp_path, capsys, data: bytes, files=("src/a.py", "README.md")):
    (tmp_path / "CODEOWNERS").write_bytes(data)
    listing = tmp_path / "files.txt"
    listing.write_text("\n".join(files) + "\n", encoding="utf-8")
    started = time.perf_counter()
    code = main(["codeowners", "--repo", str(tmp_path), "--files-from", str(listing), "--format", "json"])
    elapsed = time.perf_counter() - started
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, json.loads(out) if out else None, err, elapsed


def rule_ids(report):
    return [f["rule_id"] for f in report["findings"]]


def test_empty_file(tmp_path, capsys):
    code, report, err, _ = check(tmp_path, capsys, b"")
    assert (code, rule_ids(report), err) == (0, [], "")
    assert report["summary"]["codeowners"]["unowned_files"] == 2


def test_binary_file(tmp_path, capsys):
    code, report, _, _ = check(tmp_path, capsys, b"* @a\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert code == 1
    assert [(f["rule_id"], f["line"]) for f in report["findings"]] == [("codeowners/invalid-encoding", 4)]


def test_invalid_utf8_is_reported_and_the_rest_is_checked(tmp_path, capsys):
    code, report, _, _ = check(tmp_path, capsys, b"* @a\n/caf\xe9/ @b\n/src/ @c\n")
    assert code == 1
    assert [(f["rule_id"], f["line"]) for f in report["findings"]] == [
        ("codeowners/invalid-encoding", 2), ("codeowners/unmatched-pattern", 2)]
    assert report["summary"]["codeowners"]["rules"] == 3


def test_hundred_thousand_character_lines(tmp_path, capsys):
    long_glob = "*a" * 50_000 + " @x\n"
    long_owner = "* @" + "a" * 100_000 + "\n"
    long_literal = "/" + "b" * 100_000 + " @y\n"
    data = (long_glob + long_owner + long_literal).encode()
    code, report, _, elapsed = check(tmp_path, capsys, data, files=["a" * 200, "src/" + "a" * 5000])
    assert code == 1
    assert [(f["rule_id"], f["line"], f["column"]) for f in report["findings"]] == [
        ("codeowners/unmatched-pattern", 1, 1),
        ("codeowners/invalid-owner", 2, 3),
        ("codeowners/unmatched-pattern", 3, 1),
    ]
    assert len(report["findings"][1]["message"]) < 300
    assert elapsed < 10


def test_fifty_thousand_rules(tmp_path, capsys):
    rules = "".join(f"/pkg{i}/ @team{i % 7}\n" for i in range(50_000))
    files = [f"pkg{i}/mod.py" for i in range(0, 50_000, 5)]
    code, report, _, elapsed = check(tmp_path, capsys, rules.encode(), files=files)
    assert code == 0
    assert rule_ids(report).count("codeowners/unmatched-pattern") == 40_000
    assert report["summary"]["codeowners"]["unowned_files"] == 0
    assert elapsed < 30


def test_fifty_thousand_identical_catch_alls_hit_the_budget_not_a_hang(tmp_path, capsys, monkeypatch):
    from governance_hooks.codeowners import analysis

    monkeypatch.setattr(analysis, "MATCH_BUDGET", 200_000)
    files = [f"d{i}/f.py" for i in range(20)]
    code, report, _, elapsed = check(tmp_path, capsys, b"* @a\n" * 50_000, files=files)
    assert code == 0
    ids = rule_ids(report)
    assert ids.count("codeowners/duplicate-pattern") == 49_999
    assert ids.count("codeowners/analysis-incomplete") == 1
    assert elapsed < 30


def test_deeply_nested_path(tmp_path, capsys):
    deep = "/".join(["d"] * 3000) + "/f.txt"
    code, report, _, _ = check(tmp_path, capsys, b"**/d/**/f.txt @a\n", files=[deep])
    assert code == 0 and rule_ids(report) == []
    assert report["summary"]["codeowners"]["unowned_files"] == 0


@pytest.mark.parametrize("data", [b"\xef\xbb\xbf", b"\r\n\r\n", b"\\", b"[", b"^[", b"!", b"#", b"@", b"\t \t"])
def test_odd_fragments_never_crash(tmp_path, capsys, data):
    code, report, _, _ = check(tmp_path, capsys, data)
    assert code in (0, 1)


def test_pattern_over_the_length_budget_is_an_error_not_compiled(tmp_path, capsys):
    """The check cannot tell which files such a rule owns: it fails closed."""
    data = ("*a" * 1_400_000 + " @x\n* @y\n").encode()  # 2.8 MB: under GitHub's 3 MB limit
    code, report, _, elapsed = check(tmp_path, capsys, data)
    assert code == 1
    assert [(f["rule_id"], f["line"], f["severity"]) for f in report["findings"]] == [
        ("codeowners/pattern-too-long", 1, "error")]
    assert report["findings"][0]["message"] == (
        "the pattern is 2,800,000 characters long, over the 131,072-character analysis budget: the files it "
        "matches were not worked out, so the owners of any file it may match are unknown")
    assert elapsed < 10


def test_who_fails_when_a_rule_is_too_long_to_match(tmp_path, capsys):
    """An owner-less rule after `*` that is too long to match may leave `src/a.py` unowned: the answer is
    given, with the error, and the query fails (the lean path hands over to say so)."""
    from governance_hooks.codeowners.who import quick
    from governance_hooks.front import main as front_main

    (tmp_path / "CODEOWNERS").write_text("* @owners\n" + "**/" * 50_000 + "*.py\n", encoding="utf-8")
    argv = ["codeowners", "--repo", str(tmp_path), "--who", "src/a.py"]
    assert quick(argv, io.StringIO()) is None
    assert front_main(argv) == 1
    out, err = capsys.readouterr()
    assert out.splitlines()[:2] == [
        "src/a.py: @owners (line 1)",
        "CODEOWNERS:2:1: error codeowners/pattern-too-long the pattern is 150,004 characters long, over the "
        "131,072-character analysis budget: the files it matches were not worked out, so the owners of any file "
        "it may match are unknown"]
    assert front_main([*argv, "--format", "json"]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out) == [{"path": "src/a.py", "owners": ["@owners"], "line": 1}]
    assert err == ("CODEOWNERS:2: error codeowners/pattern-too-long: the pattern is 150,004 characters long, "
                   "over the 131,072-character analysis budget: the files it matches were not worked out, so the "
                   "owners of any file it may match are unknown\n")


# ---------------------------------------------------------------------- encodings, special files, file lists

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


def test_fifo_codeowners_file_is_refused_not_taken_as_missing(tmp_path, capsys):
    (tmp_path / ".github").mkdir()
    os.mkfifo(tmp_path / ".github" / "CODEOWNERS")
    code, report, err = _run(tmp_path, capsys, "--files-from", _listing(tmp_path))
    assert (code, report) == (2, None)
    assert err == "governance-hooks: error: .github/CODEOWNERS: is a FIFO, not a regular file; it cannot be read\n"


@pytest.mark.parametrize("target", ["CODEOWNERS", "missing", "/dev/zero"], ids=["loop", "dangling", "dev-zero"])
def test_symlinked_codeowners_file_is_an_error_and_never_read(tmp_path, capsys, target):
    (tmp_path / ".github").mkdir()
    os.symlink(target, tmp_path / ".github" / "CODEOWNERS")
    code, report, err = _run(tmp_path, capsys, "--files-from", _listing(tmp_path))
    assert (code, err) == (1, "")
    assert [(f["rule_id"], f["path"], f["message"]) for f in report["findings"]] == [
        ("codeowners/missing-file", "", "no CODEOWNERS file in .github/, the root, docs/ or .gitlab/"),
        ("codeowners/symlinked-file", ".github/CODEOWNERS",
         "is a symbolic link, which is not followed (in git a link is not the file it points to), so this "
         "CODEOWNERS requests no reviews")]


def test_folder_named_codeowners_is_not_a_codeowners_file(tmp_path, capsys):
    (tmp_path / ".github" / "CODEOWNERS").mkdir(parents=True)
    (tmp_path / "CODEOWNERS").write_text("* @acme/team\n", encoding="utf-8")
    code, report, _ = _run(tmp_path, capsys, "--files-from", _listing(tmp_path))
    assert (code, report["findings"]) == (0, [])
    assert report["summary"]["codeowners"]["rules"] == 1
