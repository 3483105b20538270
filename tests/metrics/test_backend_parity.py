"""jsonschema and jsonschema-rs give identical findings on a shared corpus.

Identical means the same line, column, rule id, JSON path, schema path and
message for every finding, on the builtin schema and on a project schema
that uses common keywords, a local ``$ref`` and an ECMA-262 regex.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from .helpers import scan_file

SCHEMAS = Path(__file__).parent / "schemas"

EDGE_LINES = [
    b'{"epoch": 1, "loss": 0.5}',
    b'{"epoch": true}',
    b'{"epoch": null, "x": []}',
    b'{"epoch": "12\\n"}',                      # "$" must not match before a final newline
    b'{"epoch": "\\u0663"}',                    # ARABIC-INDIC DIGIT THREE is not [0-9]
    b'{"epoch": 3.0, "loss": 1e400}',          # 3.0 is an integer; 1e400 overflows to inf
    b'{"epoch": 1, "loss": NaN, "acc": Infinity, "b": false}',
    b'{"epoch": 1, "key\\n": true, "ok.key:1-2_x": false}',
    b'{"epoch": 18446744073709551616}',
    b'{"epoch": -5, "nested": {"deep": [true, null]}}',
    b'{"epoch": 1, "s": "\\ud800"}',           # lone surrogate escape
    b'{}',
    b'[]',
    b'{"epoch": 1, "a": 1, "a": true}',
    b'{"epoch": ' + b"9" * 5000 + b'}',           # beyond Python's int digit limit (4300)
]


def _random_value(rng: random.Random):
    return rng.choice([
        0, 1, -3, 2.5, 1e-9, "x", "", "007", "run-a", True, False, None, [], [1, "a"], {}, {"k": 1},
        {"train/acc": 0.9}, {"val/loss": "high"}, {"bad key": 1}, "run-UPPER", "a" * 50, ["", "t"], 1000, 0,
    ])


def _random_line(rng: random.Random) -> bytes:
    keys = ["epoch", "step", "run_id", "phase", "schema_version", "loss", "lr", "tags", "metrics",
            "host", "seed", "note", "forbidden", "extra", "x-1", "with space"]
    record = {k: _random_value(rng) for k in rng.sample(keys, rng.randint(0, 8))}
    return json.dumps(record).encode()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    rng = random.Random(20240501)
    lines = EDGE_LINES + [_random_line(rng) for _ in range(1500)]
    path = tmp_path_factory.mktemp("parity") / "corpus.ndjson"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _full(result):
    return [
        (f.location.line, f.location.column, f.rule_id, (f.evidence or {}).get("json_path"),
         (f.evidence or {}).get("schema_path"), f.message)
        for f in result.findings
    ]


@pytest.mark.parametrize("schema", [None, SCHEMAS / "run-log.schema.json", SCHEMAS / "draft7.schema.json",
                                    SCHEMAS / "draft2019.schema.json"],
                         ids=["builtin", "project-2020-12", "draft-07", "2019-09"])
@pytest.mark.parametrize("allow_nan", [False, True])
def test_backends_agree(corpus, schema, allow_nan):
    fast = _full(scan_file(corpus, "jsonschema-rs", schema=schema, max_errors=0, allow_nan=allow_nan))
    reference = _full(scan_file(corpus, "jsonschema", schema=schema, max_errors=0, allow_nan=allow_nan))
    assert fast == reference
    assert len(fast) > 100  # the corpus does exercise the schema


PP = "#/patternProperties/^[A-Za-z0-9_.:-]+$/type"


@pytest.mark.parametrize("backend", ["jsonschema-rs", "jsonschema"])
def test_builtin_schema_findings_on_the_edge_lines(corpus, backend):
    result = scan_file(corpus, backend, max_errors=0)
    findings = [row for row in _full(result) if row[0] <= len(EDGE_LINES)]
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in findings] == [
        (2, 11, "metrics/schema-violation", "$.epoch", "#/properties/epoch/type"),
        (2, 11, "metrics/schema-violation", "$.epoch", PP),
        (3, 11, "metrics/schema-violation", "$.epoch", "#/properties/epoch/type"),
        (3, 11, "metrics/schema-violation", "$.epoch", PP),
        (3, 22, "metrics/schema-violation", "$.x", PP),
        (4, 11, "metrics/schema-violation", "$.epoch", "#/properties/epoch/pattern"),   # "12\n"
        (5, 11, "metrics/schema-violation", "$.epoch", "#/properties/epoch/pattern"),   # Arabic-Indic digit
        # line 6: 3.0 is an integer, 1e400 a (non-finite) number: valid
        (7, 22, "metrics/non-standard-number", "$.loss", None),
        (7, 34, "metrics/non-standard-number", "$.acc", None),
        (7, 49, "metrics/schema-violation", "$.b", PP),
        # line 8: "key\n" does not match the key pattern (ECMA-262 "$"), so it is unconstrained
        (8, 45, "metrics/schema-violation", "$['ok.key:1-2_x']", PP),
        (12, 1, "metrics/schema-violation", "$", "#/required"),
        (13, 1, "metrics/not-an-object", None, None),
        (14, 22, "metrics/duplicate-key", "$.a", None),      # the repeated name
        (14, 27, "metrics/schema-violation", "$.a", PP),     # the value kept: the last "a"'s true
        (15, 11, "metrics/invalid-json", None, None),
    ]
    assert findings[0][5] == "$.epoch: true is a boolean; expected integer or string [schema #/properties/epoch/type]"
    assert findings[11][5] == "$: missing required key 'epoch' [schema #/required]"
    assert findings[14][5] == ("$.a: true is a boolean; expected number, object or string "
                               "[schema #/patternProperties/^[A-Za-z0-9_.:-]+$/type]")
    assert findings[15][5] == "invalid JSON: integer literal of 5000 digits is too long (limit 4300) at column 11"
