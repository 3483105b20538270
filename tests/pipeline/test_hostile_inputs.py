"""Hostile baseline files: a one-line error (exit 2), never a traceback, a hang or unbounded memory."""

from __future__ import annotations

import subprocess

import pytest

from governance_hooks import cli
from governance_hooks.errors import ToolError
from governance_hooks.pipeline import baseline


def test_deeply_nested_baseline_is_a_one_line_error(tmp_path):
    path = tmp_path / "b.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ToolError) as info:
        baseline.load(path)
    assert str(info.value) == f"{path}: baseline is not valid JSON: nested too deeply"


def test_endless_baseline_is_refused_before_reading(monkeypatch):
    monkeypatch.setattr(baseline, "MAX_BASELINE_BYTES", 1 << 20)
    with pytest.raises(ToolError) as info:
        baseline.load("/dev/zero")  # a character device never ends; its st_size is 0
    assert str(info.value) == "/dev/zero: cannot read baseline: is a character device, not a regular file"


def test_oversized_baseline_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(baseline, "MAX_BASELINE_BYTES", 100)
    path = tmp_path / "b.json"
    path.write_text('{"findings": []}' + " " * 200)
    with pytest.raises(ToolError) as info:
        baseline.load(path)
    assert str(info.value) == f"{path}: baseline is larger than 100 bytes"


def test_run_with_a_nested_baseline_exits_2_with_one_line(tmp_path, capsys):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "CODEOWNERS").write_text("* @acme/team\n")
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 50_000 + "]" * 50_000)
    before = deep.read_bytes()
    code = cli.main(["run", "--checks", "codeowners", "--repo", str(tmp_path), "--baseline", str(deep)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"governance-hooks: error: {deep}: baseline is not valid JSON: nested too deeply\n"
    assert deep.read_bytes() == before
