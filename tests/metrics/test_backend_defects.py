"""Defects the official suites found in the metrics check, one test each, on both backends.

Every test writes a small schema (and referenced files) and a log, runs the
check with ``jsonschema`` and with ``jsonschema-rs``, asserts the two give the
same findings, and asserts those findings exactly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional

from .helpers import scan_file


def _both(tmp_path: Path, schema: Any, lines: List[str], files: Optional[Dict[str, Any]] = None, **options):
    """Findings ``(line, column, rule, json path, schema path, message)``, identical on both backends."""
    for name, doc in (files or {}).items():
        (tmp_path / name).write_text(json.dumps(doc), encoding="utf-8")
    schema_path = tmp_path / "schema.json"
    schema_path.write_text(json.dumps(schema), encoding="utf-8")
    log = tmp_path / "m.ndjson"
    log.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    out = {}
    for backend in ("jsonschema", "jsonschema-rs"):
        result = scan_file(log, backend, schema=schema_path, max_errors=0, **options)
        out[backend] = [(f.location.line, f.location.column, f.rule_id, (f.evidence or {}).get("json_path"),
                         (f.evidence or {}).get("schema_path"), f.message) for f in result.findings]
    assert out["jsonschema"] == out["jsonschema-rs"]
    return out["jsonschema"]


def _messages(found):
    return [row[5] for row in found]


def test_property_names_errors_are_worded_from_the_schema(tmp_path):
    schema = {"properties": {"a": {"propertyNames": {"enum": ["x", "y"]}},
                             "b": {"propertyNames": {"maxLength": 3}},
                             "c": {"propertyNames": {"const": "k"}}}}
    found = _both(tmp_path, schema, ['{"a": {"x": 1, "zz": 2}, "b": {"long": 1}, "c": {"q": 1}}'])
    assert _messages(found) == [
        '$.a: "zz" is not one of "x" or "y" [schema #/properties/a/propertyNames/enum]',
        '$.b: "long" is longer than 3 characters [schema #/properties/b/propertyNames/maxLength]',
        '$.c: "q" is not the expected constant "k" [schema #/properties/c/propertyNames/const]',
    ]


def test_integers_beyond_64_bits_are_exact_on_every_path(tmp_path):
    big = 18446744073709551616  # 2**64
    schema = {"properties": {"c": {"const": big}, "m": {"maximum": big - 1}, "u": {"uniqueItems": True},
                             "n": {"multipleOf": 3}}}
    lines = [
        '{"c": 18446744073709551616}',                        # equal: valid
        '{"c": 18446744073709551617}',                        # a float would round to 2**64
        '{"m": 18446744073709551616}',                        # one above the maximum
        '{"u": [18446744073709551616, 18446744073709551617]}',  # distinct
        '{"n": 100000000000000000000000000002}',              # 10**29 + 2 = 3k
        '{"s": "1234567890123456789012345"}',                 # digits in a string: fast path, valid
        '{"f": 1e19, "c": 18446744073709551616}',             # a float literal is still a float
    ]
    found = _both(tmp_path, schema, lines)
    assert _messages(found) == [
        "$.c: 18446744073709551617 is not the expected constant 18446744073709551616 [schema #/properties/c/const]",
        "$.m: 18446744073709551616 is greater than the maximum 18446744073709551615 [schema #/properties/m/maximum]",
    ]
    assert [row[0] for row in found] == [2, 3]


def test_referenced_file_with_its_own_id_and_an_embedded_resource(tmp_path):
    defs = {"$id": "https://example.com/schemas/defs.json",
            "$defs": {"counter": {"$id": "counter.json", "type": "integer", "minimum": 0}},
            "properties": {"step": {"$ref": "counter.json"}}}
    schema = {"$id": "https://example.com/schemas/root.json", "$ref": "defs.json"}
    found = _both(tmp_path, schema, ['{"step": -1}', '{"step": "x"}', '{"step": 3}'], files={"defs.json": defs})
    assert [(row[0], row[4], row[5]) for row in found] == [
        (1, "defs.json#/$defs/counter/minimum",
         "$.step: -1 is less than the minimum 0 [schema defs.json#/$defs/counter/minimum]"),
        (2, "defs.json#/$defs/counter/type",
         '$.step: "x" is a string; expected integer [schema defs.json#/$defs/counter/type]'),
    ]


def test_root_schema_true_still_requires_objects(tmp_path):
    found = _both(tmp_path, True, ['{"a": 1}', "[1, 2]", '"x"', "3"])
    assert [(row[0], row[2]) for row in found] == [(2, "metrics/not-an-object"), (3, "metrics/not-an-object"),
                                                   (4, "metrics/not-an-object")]


def test_referenced_file_name_is_kept_in_schema_locations(tmp_path):
    defs = {"$defs": {"pos": {"maximum": 5}}, "maximum": 10}
    schema = {"properties": {"a": {"$ref": "defs.json"}, "b": {"$ref": "defs.json#/$defs/pos"}}}
    found = _both(tmp_path, schema, ['{"a": 11, "b": 6}'], files={"defs.json": defs})
    assert [row[4] for row in found] == ["defs.json#/maximum", "defs.json#/$defs/pos/maximum"]


def test_backend_differences_are_normalised(tmp_path):
    schema = {"properties": {
        "i": {"prefixItems": [{"type": "integer"}], "items": False},
        "c": {"contains": {"type": "string"}, "minContains": 2},
        "l": {"maximum": 2.0},
        "k": {"const": {"z": 1, "a": 2}},
        "e": {"enum": [{"z": 1, "a": 2}, 3]},
        "o": {"oneOf": [{"type": "integer"}, {"minimum": 0}]},
        "u": {"properties": {"a": {"type": "integer"}}, "oneOf": [{"required": ["x"]}, {"required": ["y"]}],
              "unevaluatedProperties": False},
    }}
    line = '{"i": [1, 2, 3], "c": ["a", 1], "l": 3, "k": {"a": 2}, "e": 4, "o": 1, "u": {"a": 1, "b": 2}}'
    assert _messages(_both(tmp_path, schema, [line])) == [  # in column order
        "$.i: array has 3 items, more than the 1 allowed (items: false) [schema #/properties/i/items]",
        '$.c: ["a",1] must have at least 2 items matching \'contains\' [schema #/properties/c/contains]',
        "$.l: 3 is greater than the maximum 2.0 [schema #/properties/l/maximum]",
        '$.k: {"a":2} is not the expected constant {"z":1,"a":2} [schema #/properties/k/const]',
        '$.e: 4 is not one of {"z":1,"a":2} or 3 [schema #/properties/e/enum]',
        "$.o: 1 does not match exactly one of the oneOf alternatives [schema #/properties/o/oneOf]",
        '$.u: {"a":1,"b":2} does not match exactly one of the oneOf alternatives [schema #/properties/u/oneOf]',
    ]


def test_ecma_whitespace_and_unicode_properties_in_patterns(tmp_path):
    schema = {"properties": {"s": {"pattern": "^\\s$"}, "n": {"pattern": "^\\p{L}+$"}}}
    lines = ['{"s": "\\ufeff"}', '{"s": "\\u001c"}', '{"s": "\\u0085"}', '{"s": "\\u00a0"}',
             '{"n": "héllo"}', '{"n": "h1"}']
    found = _both(tmp_path, schema, lines)
    assert [(row[0], row[3]) for row in found] == [(2, "$.s"), (3, "$.s"), (6, "$.n")]


def test_unevaluated_properties_beside_additional_properties_2019_09(tmp_path):
    # jsonschema 4.x reports a false unevaluatedProperties error here under 2019-09.
    schema = {"$schema": "https://json-schema.org/draft/2019-09/schema", "type": "object",
              "properties": {"foo": {"type": "string"}}, "additionalProperties": {"type": "string"},
              "unevaluatedProperties": False}
    found = _both(tmp_path, schema, ['{"foo": "a", "bar": "b"}', '{"foo": "a", "bar": 1}'])
    assert _messages(found) == ['$.bar: 1 is an integer; expected string [schema #/additionalProperties/type]']
