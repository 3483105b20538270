"""Running Semgrep: batching, fatal errors, per-file errors (a stand-in executable; no Semgrep needed)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from governance_hooks.semgrep.runner import SemgrepFailed, batches, scan


def fake_semgrep(tmp_path: Path, report: dict) -> str:
    """An executable that prints ``report`` as Semgrep's JSON, whatever its arguments."""
    path = tmp_path / "semgrep"
    path.write_text(f"#!{sys.executable}\nimport sys\nsys.stdout.write({json.dumps(report)!r})\n")
    path.chmod(0o755)
    return str(path)


def test_batches_split_long_target_lists_by_length():
    assert list(batches(["aaaa", "bb", "cccc", "d"], max_chars=8)) == [["aaaa", "bb"], ["cccc", "d"]]
    assert list(batches(["a" * 20], max_chars=8)) == [["a" * 20]]
    assert list(batches([], max_chars=8)) == []


def test_a_fatal_semgrep_error_raises_with_its_message(tmp_path):
    exe = fake_semgrep(tmp_path, {"results": [], "errors": [
        {"code": 2, "level": "error", "type": "SemgrepError", "message": "Invalid scanning root: gone.py"}]})
    with pytest.raises(SemgrepFailed, match=r"^Invalid scanning root: gone\.py$"):
        scan(exe, [tmp_path], ["gone.py"], tmp_path, tmp_path, per_file_timeout=5, budget=60)


def test_per_file_errors_and_warnings_without_a_path_are_kept_or_ignored(tmp_path):
    exe = fake_semgrep(tmp_path, {"version": "1.2.3", "results": [{"check_id": "x"}], "paths": {"scanned": ["a.py"]},
                                  "errors": [{"level": "warn", "type": "Timeout", "path": "a.py"},
                                             {"level": "warn", "type": "Note", "message": "no path"}]})
    out = scan(exe, [tmp_path], ["a.py"], tmp_path, tmp_path, per_file_timeout=5, budget=60)
    assert (out.version, out.results, out.scanned, out.unfinished) == ("1.2.3", [{"check_id": "x"}], ["a.py"], [])
    assert out.errors == [{"level": "warn", "type": "Timeout", "path": "a.py"}]


def test_output_that_is_not_json_raises_with_the_last_stderr_line(tmp_path):
    exe = tmp_path / "semgrep"
    exe.write_text("#!/bin/sh\necho 'Traceback (most recent call last):' >&2\necho 'OSError: disk full' >&2\nexit 1\n")
    exe.chmod(0o755)
    with pytest.raises(SemgrepFailed, match=r"^semgrep failed: OSError: disk full$"):
        scan(str(exe), [tmp_path], ["a.py"], tmp_path, tmp_path, per_file_timeout=5, budget=60)
