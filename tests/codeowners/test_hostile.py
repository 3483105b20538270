"""Hostile CODEOWNERS input: findings or exit 2, never a traceback or a hang."""

from __future__ import annotations

import json
import time

import pytest

from governance_hooks.cli import main


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


def test_pattern_over_the_length_budget_is_reported_not_compiled(tmp_path, capsys):
    data = ("*a" * 1_400_000 + " @x\n* @y\n").encode()  # 2.8 MB: under GitHub's 3 MB limit
    code, report, _, elapsed = check(tmp_path, capsys, data)
    assert code == 0
    assert [(f["rule_id"], f["line"]) for f in report["findings"]] == [("codeowners/analysis-incomplete", 1)]
    assert report["findings"][0]["message"].startswith("the pattern is 2,800,000 characters long")
    assert elapsed < 10
