"""Arbitrary bytes never crash the scanner, and block boundaries never change its findings."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance_hooks.metrics.backends import make_backend
from governance_hooks.metrics.scan import FileScanner, ScanOptions
from governance_hooks.metrics.schema_loader import load_default

BUNDLE = load_default()
FAST = make_backend(BUNDLE, "jsonschema-rs")
REFERENCE = make_backend(BUNDLE, "jsonschema")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
line = st.one_of(
    st.binary(max_size=40).map(lambda b: b.replace(b"\n", b" ")),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(st.sampled_from(["epoch", "loss", "a b", "step", "run_id", "timestamp", "time"]), json_values,
                    max_size=4)
    .map(lambda d: json.dumps(d).encode()),
    st.sampled_from([b"", b"NaN", b'{"epoch": 1, "x": NaN}', b'{"epoch": 1, "a": 1, "a": 2}', b"\xef\xbb\xbf{}",
                     b'{"epoch": "3", "step": 1e999, "timestamp": "2024-02-30T00:00:00Z", "run_id": 7}',
                     b'{"epoch": 2, "step": -Infinity, "time": 1e308, "run_id": true}']),
)


def _rows(result):
    return [(f.location.line, f.location.column, f.rule_id, f.message) for f in result.findings]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(line, max_size=12), block_size=st.integers(min_value=1, max_value=64),
       trailing_newline=st.booleans())
def test_any_input_same_findings_any_block_size_and_backend(tmp_path, lines, block_size, trailing_newline):
    data = b"\n".join(lines) + (b"\n" if trailing_newline and lines else b"")
    path = tmp_path / "fuzz.ndjson"
    path.write_bytes(data)
    expected_lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    whole = FileScanner(FAST, ScanOptions(max_errors=0)).scan(path, "f")
    assert whole.lines == expected_lines
    assert all(1 <= f.location.line <= expected_lines for f in whole.findings if f.location.line)
    small = FileScanner(FAST, ScanOptions(max_errors=0, block_size=block_size)).scan(path, "f")
    reference = FileScanner(REFERENCE, ScanOptions(max_errors=0, block_size=block_size)).scan(path, "f")
    assert _rows(small) == _rows(whole) == _rows(reference)
    everything = ScanOptions(max_errors=0, block_size=block_size, allow_nan=True,
                             cross_checks=("types", "steps", "timestamps", "finite"))
    assert _rows(FileScanner(FAST, everything).scan(path, "f")) == _rows(FileScanner(REFERENCE, everything).scan(path, "f"))
