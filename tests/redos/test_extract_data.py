"""Regexes in JSON Schema files and configured YAML/JSON keys, with positions."""

from __future__ import annotations

from governance_hooks.jsonpos import loads as parse_json
from governance_hooks.redos.extract_data import extract_json, extract_yaml

SCHEMA = b'''{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "name": {"type": "string", "pattern": "^(\\\\w+\\\\s?)*$"},
    "tag": {"pattern": "[a-z]+"}
  },
  "patternProperties": {"^x-(a+)+$": {"type": "string"}}
}
'''


def test_schema_patterns_with_line_and_column():
    sites, problems = extract_json("s.schema.json", SCHEMA, schema=True)
    assert problems == []
    assert [(s.line, s.column, s.pattern, s.kinds, s.calls) for s in sites] == [
        (5, 43, r"^(\w+\s?)*$", {"search"}, ["JSON Schema pattern"]),
        (6, 24, "[a-z]+", {"search"}, ["JSON Schema pattern"]),
        (8, 25, "^x-(a+)+$", {"search"}, ["JSON Schema patternProperties"]),
    ]


def test_plain_json_is_a_schema_only_when_it_says_so():
    sites, _ = extract_json("data.json", b'{"pattern": "(a+)+$"}', schema=False)
    assert sites == []
    sites, _ = extract_json("data.json", b'{"$schema": "x", "pattern": "(a+)+$"}', schema=False)
    assert [(s.line, s.column) for s in sites] == [(1, 29)]


def test_configured_keys_in_json_and_yaml():
    sites, _ = extract_json("c.json", b'{"rules": [{"regex": "(a|a)*$"}]}', schema=False, keys=["regex"])
    assert [(s.line, s.column, s.pattern, s.calls) for s in sites] == [(1, 22, "(a|a)*$", ["key 'regex'"])]
    yaml_text = b"# comment\nrules:\n  - name: x\n    regex: '(a|a)*$'  # governance: ignore\n  - regex: 12\n"
    sites, problems = extract_yaml("c.yaml", yaml_text, ["regex"])
    assert problems == []
    assert [(s.line, s.column, s.pattern) for s in sites] == [(4, 12, "(a|a)*$")]


def test_malformed_inputs_are_problems_not_crashes():
    _, problems = extract_json("bad.schema.json", b'{"pattern": ', schema=True)
    assert problems[0].reason == "cannot parse JSON: unexpected end of document at offset 12"
    _, problems = extract_json("bin.schema.json", b"\xff\xfe\x00", schema=True)
    assert problems[0].reason == "cannot decode JSON: not valid UTF-8"
    _, problems = extract_json("deep.schema.json", b"[" * 5000 + b"]" * 5000, schema=True)
    assert problems[0].reason.startswith("cannot parse JSON: nesting deeper than 400")
    _, problems = extract_yaml("bad.yaml", b"a: [\n", ["regex"])
    assert problems[0].path == "bad.yaml" and problems[0].reason.startswith("cannot parse YAML")


def test_position_parser_matches_json_module():
    import json

    text = '{"a": [1, 2.5e3, -0, true, null, "\\u00e9\\n"], "b": {"c": "d"}}'
    assert parse_json(text) == json.loads(text)
    assert parse_json('\ufeff{}'.lstrip("\ufeff")) == {}
