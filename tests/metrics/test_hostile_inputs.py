"""Hostile inputs: device and oversized schemas, files deleted from the working tree, huge integers.

Also pins where findings point: every finding about a member's value (schema
violation, cross-line check, non-standard number) gives the column of the
value; a duplicate key gives the column of the repeated name.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from governance_hooks.cli import main
from governance_hooks.errors import ToolError
from governance_hooks.metrics import schema_loader
from governance_hooks.metrics.schema_loader import load_schema

from .helpers import rows, scan_bytes

BACKENDS = ["jsonschema-rs", "jsonschema"]
SEVENTEEN_MIB = 17 << 20


def _run(capsys, *argv):
    code = main(["metrics", *argv])
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- schemas


@pytest.fixture
def repo(make_repo):
    return make_repo({"runs/a.ndjson": '{"epoch": 1}\n'})


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_device_schema_is_refused_before_reading(repo, capsys):
    code, out, err = _run(capsys, "--repo", str(repo), "--schema", "/dev/zero")
    assert code == 2
    assert out == ""
    assert err == "governance-hooks: error: /dev/zero: schema is not a regular file\n"


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_schema_symlinked_to_a_device_is_refused(repo, tmp_path, capsys):
    link = tmp_path / "zero.schema.json"
    link.symlink_to("/dev/zero")
    code, _, err = _run(capsys, "--repo", str(repo), "--schema", str(link))
    assert code == 2
    assert err == f"governance-hooks: error: {link}: schema is not a regular file\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_schema_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.schema.json"
    os.mkfifo(fifo)
    with pytest.raises(ToolError) as exc:
        load_schema(fifo)
    assert str(exc.value) == f"{fifo}: schema is not a regular file"


def test_schema_larger_than_the_limit_is_refused_from_its_size(repo, tmp_path, capsys):
    big = tmp_path / "big.schema.json"
    with open(big, "wb") as handle:
        handle.truncate(SEVENTEEN_MIB)  # sparse: nothing is written, nothing should be read
    code, _, err = _run(capsys, "--repo", str(repo), "--schema", str(big))
    assert code == 2
    assert err == f"governance-hooks: error: {big}: schema is larger than 16 MiB\n"


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="needs /proc")
def test_read_is_bounded_when_the_size_is_not_known(monkeypatch):
    # /proc files are regular files of size 0 whatever they hold: only the bounded read catches them.
    monkeypatch.setattr(schema_loader, "MAX_SCHEMA_BYTES", 64)
    with pytest.raises(ToolError) as exc:
        load_schema(Path("/proc/self/maps"), label="maps")
    assert str(exc.value) == "maps: schema is larger than 64 bytes"


def _schema_with_ref(folder: Path, target: str) -> Path:
    root = folder / "root.schema.json"
    root.write_text(json.dumps({"properties": {"epoch": {"$ref": target}}}))
    return root


def test_ref_loaded_file_larger_than_the_limit_is_refused(tmp_path):
    with open(tmp_path / "defs.json", "wb") as handle:
        handle.truncate(SEVENTEEN_MIB)
    root = _schema_with_ref(tmp_path, "defs.json")
    with pytest.raises(ToolError) as exc:
        load_schema(root)
    assert str(exc.value) == f"{root}: $ref 'defs.json' (defs.json): schema is larger than 16 MiB"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_ref_to_a_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe.json")
    root = _schema_with_ref(tmp_path, "pipe.json")
    with pytest.raises(ToolError) as exc:
        load_schema(root)
    assert str(exc.value) == f"{root}: $ref 'pipe.json' (pipe.json): schema is not a regular file"


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_ref_to_a_link_to_a_device_is_outside_the_folder(tmp_path):
    (tmp_path / "zero.json").symlink_to("/dev/zero")
    root = _schema_with_ref(tmp_path, "zero.json")
    with pytest.raises(ToolError) as exc:
        load_schema(root)
    assert str(exc.value) == (
        f"{root}: $ref 'zero.json' points outside the schema's folder ({tmp_path / 'zero.json'})"
    )


def test_schema_from_the_configuration_is_bounded_too(make_repo, capsys):
    root = make_repo({
        "runs/a.ndjson": '{"epoch": 1}\n',
        "pyproject.toml": '[tool.governance-hooks.metrics]\nschema = "big.json"\n',
    })
    with open(root / "big.json", "wb") as handle:
        handle.truncate(SEVENTEEN_MIB)
    code, _, err = _run(capsys, "--repo", str(root))
    assert code == 2
    assert err == "governance-hooks: error: big.json: schema is larger than 16 MiB\n"


# --------------------------------------------------------------------------- discovery


def test_tracked_file_deleted_from_the_working_tree_is_skipped(make_repo, capsys):
    root = make_repo({"runs/a.ndjson": '{"epoch": 1}\n', "runs/b.ndjson": '{"epoch": 2}\n'}, commit=False)
    (root / "runs/a.ndjson").unlink()  # deletion not staged: git ls-files still lists it
    code, out, err = _run(capsys, "--repo", str(root), "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["findings"] == []
    assert report["summary"]["metrics"]["files"] == 1
    assert report["summary"]["metrics"]["lines"] == 1


def test_missing_file_named_on_the_command_line_is_still_reported(make_repo, capsys, monkeypatch):
    root = make_repo({"runs/a.ndjson": '{"epoch": 1}\n'})
    (root / "runs/a.ndjson").unlink()
    monkeypatch.chdir(root)
    code, out, _ = _run(capsys, "--repo", str(root), "runs/a.ndjson")
    assert code == 1
    assert out.splitlines()[0] == (
        "runs/a.ndjson: error metrics/unreadable-file cannot read the file: cannot open: No such file or directory"
    )


def test_tracked_dangling_link_is_still_reported(make_repo, capsys):
    root = make_repo({"runs/b.ndjson": '{"epoch": 2}\n'}, commit=False)
    (root / "runs/link.ndjson").symlink_to("gone.ndjson")  # inside the repository, target missing
    subprocess.run(["git", "add", "runs/link.ndjson"], cwd=root, check=True)
    code, out, _ = _run(capsys, "--repo", str(root), "--format", "json")
    assert code == 1
    assert [(f["path"], f["rule_id"], f["message"]) for f in json.loads(out)["findings"]] == [
        ("runs/link.ndjson", "metrics/unreadable-file",
         "cannot read the file: cannot open: No such file or directory"),
    ]


# --------------------------------------------------------------------------- huge integers


@pytest.fixture
def default_digit_limit():
    """Python's default ``int`` digit limit (CVE-2020-10735), whatever the environment set."""
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(4300)
    yield
    sys.set_int_max_str_digits(old)


@pytest.mark.parametrize("backend", BACKENDS)
def test_million_digit_integer_is_named_plainly(tmp_path, backend, default_digit_limit):
    data = b'{"epoch": ' + b"9" * 1_000_000 + b'}\n{"epoch": 2}\n'
    result = scan_bytes(tmp_path, data, backend=backend)
    assert rows(result) == [(1, 11, "metrics/invalid-json", None)]
    assert result.findings[0].message == (
        "invalid JSON: integer literal of 1000000 digits is too long (limit 4300) at column 11"
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_long_integer_column_skips_digits_inside_strings(tmp_path, backend, default_digit_limit):
    # 5000 digits in a string, a float with 400 digits, then a negative integer of 4301 digits.
    line = b'{"epoch": 1, "a": "' + b"7" * 5000 + b'", "f": 1.' + b"5" * 400 + b', "b": [0, -' + b"8" * 4301 + b"]}"
    result = scan_bytes(tmp_path, line + b"\n", backend=backend)
    column = line.index(b"-8") + 1
    assert column == 5441
    assert [(f.location.line, f.location.column, f.rule_id, f.message) for f in result.findings] == [
        (1, 5441, "metrics/invalid-json",
         "invalid JSON: integer literal of 4301 digits is too long (limit 4300) at column 5441"),
    ]


def test_integer_at_the_limit_is_accepted(tmp_path, default_digit_limit):
    data = b'{"epoch": ' + b"9" * 4300 + b"}\n"
    assert rows(scan_bytes(tmp_path, data, backend="jsonschema")) == []
    assert rows(scan_bytes(tmp_path, data, backend="jsonschema-rs")) == []


def test_huge_integer_through_the_command_line(make_repo, capsys, default_digit_limit):
    root = make_repo({"runs/n.ndjson": '{"epoch": ' + "9" * 1_000_000 + "}\n"})
    code, out, _ = _run(capsys, "--repo", str(root))
    assert code == 1
    assert out.splitlines()[0] == (
        "runs/n.ndjson:1:11: error metrics/invalid-json invalid JSON: integer literal of 1000000 digits "
        "is too long (limit 4300) at column 11"
    )
    assert "sys." not in out


# --------------------------------------------------------------------------- columns


@pytest.mark.parametrize("backend", BACKENDS)
def test_findings_about_one_value_share_its_column(tmp_path, backend):
    data = (
        b'{"epoch": 1, "loss": 0.5}\n'
        b'{"epoch": 2, "loss": NaN}\n'                    # NaN literal: not JSON, and not finite
        b'{"epoch": 3, "loss": true}\n'                   # schema violation and type change
        b'{"epoch": 4, "loss": 1, "loss": -Infinity}\n'   # duplicate name: its own column
    )
    result = scan_bytes(tmp_path, data, backend=backend, cross_checks=("types", "finite"))
    assert rows(result) == [
        (2, 22, "metrics/non-finite-number", "$.loss"),
        (2, 22, "metrics/non-standard-number", "$.loss"),
        (3, 22, "metrics/metric-type-changed", "$.loss"),
        (3, 22, "metrics/schema-violation", "$.loss"),
        (4, 25, "metrics/duplicate-key", "$.loss"),      # the repeated name "loss"
        (4, 33, "metrics/metric-type-changed", "$.loss"),  # the value kept: -Infinity
        (4, 33, "metrics/non-finite-number", "$.loss"),
        (4, 33, "metrics/non-standard-number", "$.loss"),
    ]
