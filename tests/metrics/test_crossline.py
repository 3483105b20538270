"""Opt-in cross-line checks: type changes, counters and timestamps going back, non-finite values."""

from __future__ import annotations

import pytest

from governance_hooks.metrics.crossline import CrossLineChecker, parse_rfc3339

from .helpers import rows, scan_bytes


def _lines(*records: bytes) -> bytes:
    return b"\n".join(records) + b"\n"


def test_checks_are_off_by_default(tmp_path):
    data = _lines(b'{"epoch": 2, "loss": 1}', b'{"epoch": 1, "loss": "x", "timestamp": "yesterday"}')
    assert rows(scan_bytes(tmp_path, data)) == []


def test_metric_type_changes(tmp_path):
    data = _lines(
        b'{"epoch": 1, "loss": 0.5, "m": {"acc": 0.9}}',
        b'{"epoch": 2, "loss": 1, "m": {"acc": "0.8"}}',     # int after float: still a number
        b'{"epoch": "3", "loss": "nan", "m": {"acc": 0.7}}',
        b'{"epoch": 4, "loss": 0.4}',
    )
    result = scan_bytes(tmp_path, data, cross_checks=("types",))
    assert rows(result) == [
        (2, 38, "metrics/metric-type-changed", "$.m.acc"),
        (3, 11, "metrics/metric-type-changed", "$.epoch"),
        (3, 24, "metrics/metric-type-changed", "$.loss"),
        (3, 44, "metrics/metric-type-changed", "$.m.acc"),
        (4, 11, "metrics/metric-type-changed", "$.epoch"),
        (4, 22, "metrics/metric-type-changed", "$.loss"),
    ]
    assert result.findings[0].message == "$.m.acc is a string here but was a number (line 1)"


def test_steps_going_backwards_per_run(tmp_path):
    data = _lines(
        b'{"run_id": "a", "epoch": 0, "step": 10}',
        b'{"run_id": "b", "epoch": 0, "step": 1}',     # another run: its own counters
        b'{"run_id": "a", "epoch": 0, "step": 10}',    # equal is fine
        b'{"run_id": "a", "epoch": "1", "step": 5}',   # step goes back
        b'{"run_id": "b", "epoch": 0, "step": 2}',
        b'{"run_id": "a", "epoch": 0, "step": 6}',     # epoch goes back (string "1" -> 0)
    )
    result = scan_bytes(tmp_path, data, cross_checks=("steps",))
    assert rows(result) == [
        (4, 39, "metrics/step-backwards", "$.step"),
        (6, 26, "metrics/step-backwards", "$.epoch"),
    ]
    assert result.findings[0].message == "step goes back from 10 (line 3) to 5 of run 'a'"
    assert result.findings[1].message == "epoch goes back from 1 (line 4) to 0 of run 'a'"


def test_steps_without_run_id_cover_the_whole_file(tmp_path):
    data = _lines(b'{"epoch": 3, "step": 300}', b'{"epoch": 1, "step": 100}')
    assert rows(scan_bytes(tmp_path, data, cross_checks=("steps",))) == [
        (2, 11, "metrics/step-backwards", "$.epoch"),
        (2, 22, "metrics/step-backwards", "$.step"),
    ]


def test_timestamps(tmp_path):
    data = _lines(
        b'{"epoch": 1, "timestamp": "2024-05-01T12:00:00Z"}',
        b'{"epoch": 1, "timestamp": "2024-05-01T13:30:00+02:00"}',  # 11:30Z: earlier
        b'{"epoch": 1, "timestamp": "2024-05-01 12:00:00"}',        # no offset
        b'{"epoch": 1, "timestamp": "2023-02-29T00:00:00Z"}',       # not a leap year
        b'{"epoch": 1, "timestamp": 1714564800.5}',                  # epoch seconds: 2024-05-01T12:00:00.5Z
        b'{"epoch": 1, "time": true}',
    )
    result = scan_bytes(tmp_path, data, cross_checks=("timestamps",))
    assert rows(result) == [
        (2, 27, "metrics/timestamp-backwards", "$.timestamp"),
        (3, 27, "metrics/invalid-timestamp", "$.timestamp"),
        (4, 27, "metrics/invalid-timestamp", "$.timestamp"),
        (6, 22, "metrics/invalid-timestamp", "$.time"),
        (6, 22, "metrics/schema-violation", "$.time"),  # a boolean is also outside the schema
    ]
    assert result.findings[0].message == (
        'timestamp "2024-05-01T13:30:00+02:00" is earlier than the previous one (line 1)'
    )


def test_custom_timestamp_keys(tmp_path):
    data = _lines(b'{"epoch": 1, "wall": "2024-01-01T00:00:00Z"}', b'{"epoch": 1, "wall": "2023-12-31T23:59:59Z"}')
    result = scan_bytes(tmp_path, data, cross_checks=("timestamps",), timestamp_keys=("wall",))
    assert rows(result) == [(2, 22, "metrics/timestamp-backwards", "$.wall")]


def test_non_finite_values(tmp_path):
    data = _lines(b'{"epoch": 1, "loss": NaN, "m": {"g": [1, -Infinity]}}', b'{"epoch": 2, "big": 1e999}')
    result = scan_bytes(tmp_path, data, cross_checks=("finite",), allow_nan=True)
    assert rows(result) == [
        (1, 22, "metrics/non-finite-number", "$.loss"),     # the value, like non-standard-number
        (1, 42, "metrics/non-finite-number", "$.m.g[1]"),   # the element itself: -Infinity
        (2, 21, "metrics/non-finite-number", "$.big"),
    ]


@pytest.mark.parametrize("text, expected", [
    ("1970-01-01T00:00:00Z", 0.0),
    ("2024-05-01T12:00:00.25Z", 1714564800.25),
    ("2024-05-01t14:00:00+02:00", 1714564800.0),
    ("2016-12-31T23:59:60Z", 1483228799.999999),
    ("2024-02-29T00:00:00Z", 1709164800.0),
])
def test_rfc3339_values(text, expected):
    assert parse_rfc3339(text) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("text", [
    "2024-05-01T12:00:00", "2024-13-01T00:00:00Z", "2024-04-31T00:00:00Z", "2024-05-01T24:00:00Z",
    "2024-05-01T12:00:00+24:00", "2024-5-1T12:00:00Z", "2024-05-01T12:00:00Z ", "\u0662024-05-01T12:00:00Z",
])
def test_rfc3339_rejects(text):
    assert parse_rfc3339(text) is None


def test_unknown_check_name():
    with pytest.raises(ValueError, match="unknown cross-line checks: speed"):
        CrossLineChecker(["speed"])
