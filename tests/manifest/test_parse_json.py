"""The JSON manifest parser: every defect is a problem with its JSON pointer and line, never an exception."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from governance_hooks.manifest.model import Entry
from governance_hooks.manifest.parse_json import parse_manifest_json

from .conftest import sha

HEX = sha(b"x")
P = Path("m.json")


def problems(text: str):
    manifest = parse_manifest_json(text.encode("utf-8"), P)
    return [(p.pointer, manifest.position(pointer=p.pointer) if p.line is None else (p.line, p.column), p.message)
            for p in manifest.problems]


def good(**overrides) -> dict:
    document = {"schema_version": "1.0", "created_at": 1, "dataset_id": None,
                "shards": [{"path": "a.bin", "size": 1, "sha256": HEX}]}
    document.update(overrides)
    return document


def test_valid_manifest_yields_entries_and_no_problems():
    text = json.dumps(good(shards=[{"path": "a.bin", "size": 1, "sha256": HEX},
                                   {"path": "d/b.bin", "size": 0, "sha256": sha(b"")}]), indent=2)
    manifest = parse_manifest_json(text.encode(), P)
    assert manifest.problems == []
    assert manifest.usable and manifest.recognised
    assert manifest.entries == [Entry("a.bin", HEX, 1, 0, "/shards/0"), Entry("d/b.bin", sha(b""), 0, 1, "/shards/1")]
    assert manifest.position(manifest.entries[1]) == (11, 5)


def test_syntax_error_reports_json_line_and_column():
    text = '{\n  "schema_version": "1.0",\n  "shards": [\n    {"path": "a", }\n  ]\n}\n'
    manifest = parse_manifest_json(text.encode(), P)
    assert [(p.line, p.column, p.message) for p in manifest.problems] == [
        (4, 19, "invalid JSON: expected a string key")]
    assert not manifest.usable
    assert manifest.recognised  # a broken dataset manifest is still ours to report


@pytest.mark.parametrize("text, expected", [
    ("", [("", (1, 1), "the file is empty; expected a JSON object")]),
    ("[]", [("", (1, 1), "the manifest must be a JSON object, not an array")]),
    ('{"schema_version": "1.0", "created_at": 1, "dataset_id": null, "shards": {}}',
     [("/shards", (1, 74), "shards must be an array, not an object")]),
    ('{"schema_version": "2.0", "created_at": 1, "dataset_id": null, "shards": []}',
     [("/schema_version", (1, 20), 'unsupported schema_version "2.0" (expected "1.0")')]),
    ('{"schema_version": 1.0, "created_at": 1, "dataset_id": null, "shards": []}',
     [("/schema_version", (1, 20), 'unsupported schema_version 1.0 (expected "1.0")')]),
    ('{"schema_version": "1.0", "shards": []}',
     [("", (1, 1), "missing required keys 'created_at', 'dataset_id'")]),
    ('{"schema_version": "1.0", "created_at": -5, "dataset_id": 7, "shards": [], "extra": true}',
     [("/extra", (1, 85), "unknown key 'extra' (v1.0 allows created_at, dataset_id, schema_version, shards)"),
      ("/created_at", (1, 41), "created_at must not be negative (got -5)"),
      ("/dataset_id", (1, 59), "dataset_id must be a string or null, not an integer")]),
    ('{"schema_version": "1.0", "created_at": "2024", "dataset_id": null, "shards": []}',
     [("/created_at", (1, 41), "created_at must be an integer (epoch seconds), not a string")]),
    ('{"schema_version": "1.0", "created_at": NaN, "dataset_id": null, "shards": []}',
     [("", (1, 41), "invalid JSON: NaN is not JSON (RFC 8259 has no NaN or Infinity)")]),
])
def test_document_level_defects(text, expected):
    got = problems(text)
    if expected and expected[0][1] is None:
        got = [(p, None, m) for p, _, m in got]
    assert got == expected


def test_shard_defects_carry_pointers_and_lines():
    text = "\n".join([
        '{"schema_version": "1.0", "created_at": 1, "dataset_id": null, "shards": [',
        ' {"path": "ok.bin", "size": 1, "sha256": "%s"},' % HEX,
        ' {"path": "neg.bin", "size": -1, "sha256": "%s"},' % HEX,
        ' {"path": "float.bin", "size": 1.0, "sha256": "%s"},' % HEX,
        ' {"path": "bool.bin", "size": true, "sha256": "%s"},' % HEX,
        ' {"path": "upper.bin", "size": 1, "sha256": "%s"},' % HEX.upper(),
        ' {"path": "short.bin", "size": 1, "sha256": "abc"},',
        ' {"path": 7, "size": 1, "sha256": "%s"},' % HEX,
        ' {"size": 1, "sha256": "%s", "mode": "r"},' % HEX,
        ' "a.bin",',
        ' {"path": "dup.bin", "size": 1, "size": 2, "sha256": "%s"}' % HEX,
        ']}',
    ])
    manifest = parse_manifest_json(text.encode(), P)
    got = [(p.pointer, manifest.position(pointer=p.pointer), p.message) for p in manifest.problems]
    assert got == [
        ("/shards/1/size", (3, 30), "size must not be negative (got -1)"),
        ("/shards/2/size", (4, 32), "size must be an integer number of bytes, not a number with a fraction or exponent"),
        ("/shards/3/size", (5, 31), "size must be an integer number of bytes, not a boolean"),
        ("/shards/4/sha256", (6, 45), "sha256 is not a sha256 digest: uppercase hex (v1.0 requires lowercase)"),
        ("/shards/5/sha256", (7, 45), "sha256 is not a sha256 digest: 3 characters, expected 64 lowercase hex digits"),
        ("/shards/6/path", (8, 11), "path must be a string, not an integer"),
        ("/shards/7/mode", (9, 100), "unknown key 'mode' in a shard (v1.0 allows path, size, sha256)"),
        ("/shards/7", (9, 2), "shard has no 'path'"),
        ("/shards/8", (10, 2), "a shard must be an object, not a string"),
        ("/shards/9/size", (11, 41), 'duplicate key "size" (first at line 11 column 22; only the last value would count)'),
    ]
    # The duplicate is reported at the repeated key itself.
    assert (manifest.problems[-1].line, manifest.problems[-1].column) == (11, 33)
    assert [e.path for e in manifest.entries] == ["ok.bin"]
    # Malformed entries with a usable path still count as listed (their files are not "new").
    assert manifest.listed == {"ok.bin", "neg.bin", "float.bin", "bool.bin", "upper.bin", "short.bin", "dup.bin"}


def test_invalid_utf8_and_bom():
    bad = b'{"schema_version": "1.0",\n "x": "\xff"}'
    manifest = parse_manifest_json(bad, P)
    assert [(p.line, p.column, p.message) for p in manifest.problems] == [
        (2, 8, "not valid UTF-8 (byte 0xff at offset 33)")]
    with_bom = b"\xef\xbb\xbf" + json.dumps(good()).encode()
    assert parse_manifest_json(with_bom, P).problems == []


def test_deep_nesting_and_huge_integers_are_problems_not_crashes():
    deep = '{"schema_version": "1.0", "created_at": 1, "dataset_id": null, "shards": ' + "[" * 100000 + "]" * 100000 + "}"
    assert [p.message for p in parse_manifest_json(deep.encode(), P).problems] == ["invalid JSON: nested deeper than 256 levels"]
    huge = '{"schema_version": "1.0", "created_at": ' + "9" * 5000 + ', "dataset_id": null, "shards": []}'
    manifest = parse_manifest_json(huge.encode(), P)
    assert [(p.pointer, manifest.position(pointer=p.pointer), p.message) for p in manifest.problems] == [
        ("/created_at", (1, 41), "created_at: integer of 5000 digits is too long")]


def test_web_app_manifest_is_not_recognised():
    manifest = parse_manifest_json(b'{"name": "My PWA", "start_url": "/", "icons": []}', P)
    assert not manifest.recognised
    assert parse_manifest_json(b'{"manifest_version": 3, "name": "ext"', P).recognised is False
