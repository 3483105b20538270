"""Every reading case of the metrics check, with exact lines, columns and JSON paths."""

from __future__ import annotations

import gzip
import json

import pytest

from .helpers import rows, scan_bytes

BACKENDS = ["jsonschema-rs", "jsonschema"]


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


def test_good_log_has_no_findings(tmp_path, backend):
    data = b'{"epoch": 1, "loss": 0.5, "run_id": "a", "metrics": {"acc": 0.9}}\n{"epoch": "2", "loss": 0.4}\n'
    result = scan_bytes(tmp_path, data, backend=backend)
    assert rows(result) == []
    assert result.lines == 2


def test_syntax_errors_report_line_and_column(tmp_path, backend):
    data = (
        b'{"epoch": 1}\n'
        b'{"epoch": 1, "loss": 0.5,}\n'          # trailing comma: column of "}"
        b'{"epoch": 2, "loss": 0.\n'             # truncated number
        b'{"epoch": 3, "run_id": "abc\n'         # unterminated string
        b'{"epoch": 4} {"epoch": 5}\n'           # two records on one line
    )
    result = scan_bytes(tmp_path, data, backend=backend)
    assert rows(result) == [
        (2, 26, "metrics/invalid-json", None),
        (3, 23, "metrics/invalid-json", None),
        (4, 24, "metrics/invalid-json", None),
        (5, 14, "metrics/invalid-json", None),
    ]
    messages = [f.message for f in result.findings]
    assert messages[1] == "invalid JSON: expected ',' or '}' at column 23"
    assert messages[2] == "invalid JSON: unterminated string (truncated record?) at column 24"
    assert messages[3] == "invalid JSON: extra data after the JSON value (two records on one line?) at column 14"


def test_crlf_lines_report_the_columns_of_their_lf_twins(tmp_path, backend):
    lines = [b'{"epoch": 1, "loss": 0.5', b'{"epoch": 2, "loss": NaN}', b'{"epoch": 3, "a": 1, "a": 2}',
             b'{"epoch": true}', b'{"epoch": 4, "x": [1, 2', b'{"epoch": "5"} 6']
    lf = scan_bytes(tmp_path, b"\n".join(lines) + b"\n", backend=backend)
    crlf = scan_bytes(tmp_path, b"\r\n".join(lines) + b"\r\n", backend=backend)
    assert [(f.location.line, f.location.column, f.message) for f in crlf.findings] == \
        [(f.location.line, f.location.column, f.message) for f in lf.findings]
    assert [(f.location.line, f.location.column) for f in lf.findings] == [
        (1, 25), (2, 22), (3, 22), (4, 11), (4, 11), (5, 24), (6, 16)]
    assert lf.findings[0].message == \
        "invalid JSON: unexpected end of line, expected ',' or '}' (truncated record?) at column 25"


def test_truncated_last_line_without_newline(tmp_path, backend):
    result = scan_bytes(tmp_path, b'{"epoch": 1}\n{"epoch": 2, "lo', backend=backend)
    # Python's parser points at the start of the unterminated string.
    assert rows(result) == [(2, 14, "metrics/invalid-json", None)]
    assert result.findings[0].message == "invalid JSON: unterminated string (truncated record?) at column 14"


def test_blank_lines_are_findings_unless_allowed(tmp_path, backend):
    data = b'{"epoch": 1}\n\n  \t\n{"epoch": 2}\n\r\n'
    assert rows(scan_bytes(tmp_path, data, backend=backend)) == [
        (2, 1, "metrics/blank-line", None),
        (3, 1, "metrics/blank-line", None),
        (5, 1, "metrics/blank-line", None),
    ]
    assert rows(scan_bytes(tmp_path, data, backend=backend, allow_blank_lines=True)) == []


def test_byte_order_mark_is_reported_and_the_line_still_checked(tmp_path, backend):
    result = scan_bytes(tmp_path, b'\xef\xbb\xbf{"loss": 1}\n{"epoch": 1}\n', backend=backend)
    assert rows(result) == [
        (1, 1, "metrics/byte-order-mark", None),
        (1, 1, "metrics/schema-violation", "$"),
    ]
    assert result.findings[1].message == "$: missing required key 'epoch' [schema #/required]"


def test_bom_later_in_the_file_is_a_syntax_error(tmp_path, backend):
    result = scan_bytes(tmp_path, b'{"epoch": 1}\n\xef\xbb\xbf{"epoch": 2}\n', backend=backend)
    assert rows(result) == [(2, 1, "metrics/invalid-json", None)]


def test_crlf_line_endings_are_accepted_with_exact_columns(tmp_path, backend):
    data = b'{"epoch": 1}\r\n{"epoch": 2, "ok": true}\r\n{"epoch": 3,, "x": 1}\r\n'
    result = scan_bytes(tmp_path, data, backend=backend)
    assert rows(result) == [
        (2, 20, "metrics/schema-violation", "$.ok"),   # the column of the value of "ok"
        (3, 13, "metrics/invalid-json", None),
    ]


def test_invalid_utf8_reports_the_character_column(tmp_path, backend):
    data = b'{"epoch": 1, "run": "caf\xe9"}\n{"n": "\xc3\xa9", "bad": "\xff"}\n{"epoch": 3}\n'
    result = scan_bytes(tmp_path, data, backend=backend)
    assert rows(result) == [
        (1, 25, "metrics/invalid-utf8", None),
        (2, 20, "metrics/invalid-utf8", None),
    ]
    assert result.findings[0].message == "invalid UTF-8 byte 0xe9 at column 25"


def test_nan_and_infinity_are_findings_by_default(tmp_path, backend):
    data = b'{"epoch": 1, "loss": NaN, "m": {"v": [1, -Infinity]}, "note": "NaN"}\n'
    result = scan_bytes(tmp_path, data, backend=backend)
    assert rows(result) == [
        (1, 22, "metrics/non-standard-number", "$.loss"),
        (1, 42, "metrics/non-standard-number", "$.m.v[1]"),
    ]
    assert result.findings[0].message == (
        "NaN at $.loss (column 22) is not JSON; accept it with --allow-nan, or write the string \"NaN\" where the schema allows strings (the builtin schema does; it rejects null)"
    )


def test_the_advice_for_nan_is_accepted_by_the_builtin_schema(tmp_path, backend):
    # The message advises the string "NaN", not null: the builtin schema accepts one and rejects the other.
    result = scan_bytes(tmp_path, b'{"epoch": 1, "loss": "NaN"}\n{"epoch": 1, "loss": null}\n', backend=backend)
    assert rows(result) == [(2, 22, "metrics/schema-violation", "$.loss")]


def test_allow_nan_accepts_them_as_numbers_in_both_backends(tmp_path, backend):
    data = b'{"epoch": 1, "loss": NaN, "lr": Infinity, "bad": true}\n'
    result = scan_bytes(tmp_path, data, backend=backend, allow_nan=True)
    # NaN is a number for the schema (jsonschema-rs alone would see null): only "bad" fails.
    assert rows(result) == [(1, 50, "metrics/schema-violation", "$.bad")]


def test_duplicate_keys_are_warnings_with_path_and_column(tmp_path, backend):
    data = (
        b'{"epoch": 1, "m": {"a": 1, "a": 2}, "epoch": 2}\n'
        b'{"epoch": 1, "b": 1, "\\u0062": 2}\n'            # same key, escaped
        b'{"epoch": 1, "x": 1, "x": "\\u003a"}\n'          # escaped colon balances the count
        b'{"epoch": 1, "a:b": 1, "c": "a:b"}\n'            # colons in strings, no duplicate
    )
    result = scan_bytes(tmp_path, data, backend=backend)
    assert rows(result) == [
        (1, 28, "metrics/duplicate-key", "$.m.a"),
        (1, 37, "metrics/duplicate-key", "$.epoch"),
        (2, 22, "metrics/duplicate-key", "$.b"),
        (3, 22, "metrics/duplicate-key", "$.x"),
    ]
    assert result.findings[0].severity.label == "warning"
    assert result.findings[0].message == (
        "duplicate key 'a' in $.m at column 28 (readers disagree on which value wins)"
    )


def test_duplicate_key_in_a_line_that_also_has_nan(tmp_path, backend):
    result = scan_bytes(tmp_path, b'{"epoch": 1, "k": NaN, "k": 2}\n', backend=backend)
    assert rows(result) == [
        (1, 19, "metrics/non-standard-number", "$.k"),
        (1, 24, "metrics/duplicate-key", "$.k"),
    ]


def test_not_an_object(tmp_path, backend):
    result = scan_bytes(tmp_path, b'[1, 2]\n"text"\n3\nnull\n{"epoch": 1}\n', backend=backend)
    assert rows(result) == [(n, 1, "metrics/not-an-object", None) for n in (1, 2, 3, 4)]
    assert [f.message for f in result.findings][:2] == [
        "line is an array, not a JSON object (one record per line)",
        "line is a string, not a JSON object (one record per line)",
    ]


def test_deep_nesting_is_reported_not_crashed(tmp_path, backend):
    depth_ok = b'{"epoch": 1, "a": ' + b"[" * 199 + b"]" * 199 + b"}"
    too_deep = b'{"epoch": 1, "a": ' + b"[" * 299 + b"]" * 299 + b"}"
    unparsable = b"[" * 100_000 + b"]" * 100_000
    data = b"\n".join([depth_ok, too_deep, unparsable, b'{"epoch": 4}']) + b"\n"
    result = scan_bytes(tmp_path, data, backend=backend)
    assert rows(result) == [
        (1, 19, "metrics/schema-violation", "$.a"),
        (2, None, "metrics/analysis-incomplete", None),
        (3, None, "metrics/analysis-incomplete", None),
    ]
    assert result.findings[1].message == (
        "record is nested 300 levels deep, more than max-depth (256); not validated: the validators recurse "
        "once per level (raise max-depth, up to 900, to check it)")
    assert result.findings[2].message == (
        "record is nested more than max-depth (256) levels deep; not validated: the validators recurse "
        "once per level (raise max-depth, up to 900, to check it)")
    # Not validated is not passed: an error by default (fail closed).
    assert [f.severity.name for f in result.findings[1:]] == ["ERROR", "ERROR"]


def test_max_depth_is_configurable_both_ways(tmp_path, backend):
    def nested(levels: int) -> bytes:
        return b'{"epoch": 1, "a": ' + b"[" * (levels - 1) + b"1" + b"]" * (levels - 1) + b"}"

    data = nested(3) + b"\n" + nested(4) + b"\n" + nested(600) + b"\n"
    assert rows(scan_bytes(tmp_path, data, backend=backend, max_depth=3)) == [
        (1, 19, "metrics/schema-violation", "$.a"),
        (2, None, "metrics/analysis-incomplete", None),
        (3, None, "metrics/analysis-incomplete", None),
    ]
    # Raised to 700, the 600-level record is validated ($.a is an array, which the builtin schema refuses).
    assert rows(scan_bytes(tmp_path, data, backend=backend, max_depth=700)) == [
        (1, 19, "metrics/schema-violation", "$.a"),
        (2, 19, "metrics/schema-violation", "$.a"),
        (3, 19, "metrics/schema-violation", "$.a"),
    ]


def test_deep_but_valid_records_are_judged_alike_by_both_backends(tmp_path, backend):
    def nested(levels: int) -> bytes:
        return b'{"epoch": 1, "a": ' + b'{"b": ' * (levels - 1) + b"1" + b"}" * (levels - 1) + b"}"

    data = nested(256) + b"\n" + nested(257) + b"\n"   # record depths 256 (validated) and 257 (not)
    assert rows(scan_bytes(tmp_path, data, backend=backend)) == [(2, None, "metrics/analysis-incomplete", None)]


def test_lines_longer_than_the_budget_are_skipped_and_counted(tmp_path, backend):
    long_line = b'{"epoch": 1, "blob": "' + b"x" * 5000 + b'"}'
    data = b'{"epoch": 1}\n' + long_line + b'\n{"epoch": true}\n' + long_line + b"\n"
    for block_size in (64, 1 << 20):  # the long line within one read, and across many
        result = scan_bytes(tmp_path, data, backend=backend, max_line_bytes=1000, block_size=block_size)
        assert rows(result) == [
            (2, None, "metrics/analysis-incomplete", None),
            (3, 11, "metrics/schema-violation", "$.epoch"),
            (3, 11, "metrics/schema-violation", "$.epoch"),
            (4, None, "metrics/analysis-incomplete", None),
        ], block_size
        assert result.findings[0].message == (
            "line is 5024 bytes long, more than max-line-bytes (1000); not validated: it is skipped unread so "
            "that one line cannot exhaust memory (raise max-line-bytes to check it)")
        assert result.findings[0].severity.name == "ERROR"
        assert result.lines == 4


def test_block_boundaries_do_not_change_findings(tmp_path, backend):
    lines = [b'{"epoch": %d, "loss": %s}' % (i, b"true" if i % 7 == 0 else b"0.5") for i in range(1, 200)]
    data = b"\n".join(lines) + b"\n"
    # '{"epoch": <i>, "loss": true}': true starts at column 21 + the number of digits of i
    expected = [(i, 21 + len(str(i)), "metrics/schema-violation", "$.loss") for i in range(7, 200, 7)]
    for block_size in (17, 1000, 1 << 20):
        assert rows(scan_bytes(tmp_path, data, backend=backend, block_size=block_size, max_errors=0)) == expected


def test_gzip_is_transparent(tmp_path, backend):
    data = b'{"epoch": 1}\n{"epoch": 2, "loss": null}\n{"epoch": 3,\n'
    plain = rows(scan_bytes(tmp_path, data, backend=backend))
    packed = rows(scan_bytes(tmp_path, gzip.compress(data), name="m.ndjson.gz", backend=backend))
    assert plain == packed == [
        (2, 22, "metrics/schema-violation", "$.loss"),
        (3, 13, "metrics/invalid-json", None),
    ]


def test_truncated_gzip_is_unreadable_after_the_last_good_line(tmp_path, backend):
    data = b"".join(b'{"epoch": %d, "loss": 0.1}\n' % i for i in range(5000))
    packed = gzip.compress(data)
    result = scan_bytes(tmp_path, packed[: len(packed) // 2], name="m.jsonl.gz", backend=backend, block_size=4096)
    assert [r[2] for r in rows(result)] == ["metrics/unreadable-file"]
    finding = result.findings[0]
    assert finding.message.startswith(f"cannot read the file after line {finding.location.line}: ")
    assert "truncated .gz" in finding.message
    assert 0 < finding.location.line < 5000


def test_not_gzip_at_all(tmp_path, backend):
    result = scan_bytes(tmp_path, b'{"epoch": 1}\n', name="m.ndjson.gz", backend=backend)
    assert rows(result) == [(None, None, "metrics/unreadable-file", None)]
    assert "not a gzip file" in result.findings[0].message


def test_decompression_budget(tmp_path, backend):
    data = gzip.compress(b'{"epoch": 1}\n' * 10_000)
    result = scan_bytes(tmp_path, data, name="m.ndjson.gz", backend=backend,
                        max_decompressed_bytes=50_000, block_size=4096)
    assert [r[2] for r in rows(result)] == ["metrics/analysis-incomplete"]
    assert "max-decompressed-bytes" in result.findings[0].message


def test_max_errors_keeps_the_first_n_and_counts_the_rest(tmp_path, backend):
    data = b"".join(b'{"epoch": %d, "ok": false}\n' % i for i in range(1, 11))
    result = scan_bytes(tmp_path, data, backend=backend, max_errors=3)
    assert [r[0] for r in rows(result)] == [1, 2, 3]
    assert result.overflow == 7


def test_empty_file(tmp_path, backend):
    result = scan_bytes(tmp_path, b"", backend=backend)
    assert rows(result) == [] and result.lines == 0


def test_binary_garbage_does_not_crash(tmp_path, backend):
    data = bytes(b for b in range(256) if b != 0x0A) * 20 + b"\n\x00\x00{\n{\x80}\n"
    result = scan_bytes(tmp_path, data, backend=backend)
    assert {r[2] for r in rows(result)} <= {"metrics/invalid-utf8", "metrics/invalid-json"}
    assert [r[0] for r in rows(result)] == [1, 2, 3]


def test_per_line_caps_bound_memory_on_hostile_lines(tmp_path, backend):
    nan_line = b'{"epoch": 1, "v": [' + b",".join([b"NaN"] * 5000) + b"]}"
    bad_members = b'{"epoch": 1, ' + b", ".join(b'"k%d": true' % i for i in range(5000)) + b"}"
    result = scan_bytes(tmp_path, nan_line + b"\n" + bad_members + b"\n", backend=backend, max_errors=0)
    counts = {}
    for line, _, rule, _ in rows(result):
        counts[(line, rule)] = counts.get((line, rule), 0) + 1
    assert counts == {
        (1, "metrics/non-standard-number"): 100,
        (1, "metrics/schema-violation"): 1,       # "v" is an array
        (2, "metrics/schema-violation"): 1000,
    }


def _has_duplicate(line: bytes) -> bool:
    """Oracle: does any object in the line repeat a name (stdlib parser, pairs kept)?"""
    found = []

    def pairs(items):
        names = [k for k, _ in items]
        found.append(len(names) != len(set(names)))
        return dict(items)

    json.loads(line, object_pairs_hook=pairs)
    return any(found)


def test_duplicate_detection_matches_an_oracle_across_chunks(tmp_path, backend):
    import random

    rng = random.Random(7)
    lines = []
    for i in range(2000):
        record = {"epoch": i, "t": "2024-05-01T12:00:00Z", "m": {"a": 1, "b": "x:y"}}
        text = json.dumps(record)
        kind = rng.random()
        if kind < 0.02:
            text = text[:-1] + ', "epoch": 3}'                       # top-level duplicate
        elif kind < 0.04:
            text = text.replace('"b": "x:y"', '"b": "x:y", "a": 2')  # nested duplicate
        elif kind < 0.05:
            text = text[:-1] + ', "q": 1, "q": "\\u003a"}'           # escaped colon hides a count
        elif kind < 0.06:
            text = text[:-1] + ', "c\\u003ad": 1, "c:d": 2}'         # same name, one escaped
        lines.append(text.encode())
    expected = [n for n, line in enumerate(lines, 1) if _has_duplicate(line)]
    assert len(expected) > 80
    for block_size in (1 << 20, 4096):
        result = scan_bytes(tmp_path, b"\n".join(lines) + b"\n", backend=backend, max_errors=0, block_size=block_size)
        found = sorted({r[0] for r in rows(result) if r[2] == "metrics/duplicate-key"})
        assert found == expected
