"""Schema loading: dialects, local $ref offline, remote $ref refused, invalid schemas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from governance_hooks.errors import ToolError
from governance_hooks.metrics.schema_loader import default_schema_path, load_default, load_schema

from .helpers import rows, scan_bytes

SCHEMAS = Path(__file__).parent / "schemas"


def test_default_schema_is_2020_12_and_matches_the_design():
    bundle = load_default()
    assert bundle.dialect == "2020-12"
    assert bundle.root_uri == "urn:governance-hooks:schema:metrics-ndjson:0.3"
    root = bundle.root
    assert root["required"] == ["epoch"]
    assert root["properties"]["epoch"] == {
        "description": "Training epoch: an integer, or a string of ASCII digits.",
        "type": ["integer", "string"],
        "pattern": "^[0-9]+$",
    }
    assert list(root["patternProperties"]) == ["^[A-Za-z0-9_.:-]+$"]
    assert (default_schema_path().parent / "README.md").is_file()


def test_default_schema_passes_the_full_load_and_metaschema_check():
    full = load_schema(default_schema_path())
    assert full.documents[full.root_uri] == load_default().root
    assert full.dialect == "2020-12"


@pytest.mark.parametrize("name, dialect", [
    ("draft7.schema.json", "draft-07"),
    ("draft2019.schema.json", "2019-09"),
    ("run-log.schema.json", "2020-12"),
])
def test_dialects_from_dollar_schema(name, dialect):
    assert load_schema(SCHEMAS / name).dialect == dialect


def test_schema_without_dollar_schema_is_2020_12(tmp_path):
    path = tmp_path / "s.json"
    path.write_text('{"type": "object"}')
    assert load_schema(path).dialect == "2020-12"


def test_local_ref_beside_the_schema_is_loaded():
    bundle = load_schema(SCHEMAS / "run-log.schema.json")
    assert sorted(bundle.names.values()) == ["", "defs.json"]


def test_local_ref_under_an_http_id_maps_to_the_schema_folder():
    bundle = load_schema(SCHEMAS / "with-id.schema.json")
    assert bundle.names["https://ml.example.com/schemas/defs.json"] == "defs.json"


@pytest.mark.parametrize("backend", ["jsonschema-rs", "jsonschema"])
def test_errors_through_a_local_ref_name_the_referenced_file(tmp_path, backend):
    data = b'{"epoch": -1, "step": "x", "run_id": "run-a"}\n'
    result = scan_bytes(tmp_path, data, backend=backend, schema=SCHEMAS / "run-log.schema.json")
    assert [(r[0], r[3], f.evidence["schema_path"]) for r, f in zip(rows(result), result.findings)] == [
        (1, "$.epoch", "defs.json#/$defs/counter/minimum"),  # pattern applies to strings only
        (1, "$.step", "defs.json#/$defs/counter/pattern"),
    ]


def test_remote_ref_is_refused_never_fetched():
    with pytest.raises(ToolError) as exc:
        load_schema(SCHEMAS / "remote-ref.schema.json")
    message = str(exc.value)
    assert "remote $ref 'https://example.com/schemas/counter.json'" in message
    assert "refused" in message and "never fetched" in message
    assert "\n" not in message


def test_invalid_schema_names_the_problem():
    with pytest.raises(ToolError) as exc:
        load_schema(SCHEMAS / "invalid.schema.json")
    message = str(exc.value)
    assert message.startswith(f"{SCHEMAS / 'invalid.schema.json'}: invalid schema at /properties/loss/type: ")
    assert "'float'" in message


def test_unsupported_draft():
    with pytest.raises(ToolError, match=r"unsupported \$schema 'http://json-schema.org/draft-04/schema#' "
                                        r"\(supported: draft-07, 2019-09, 2020-12\)"):
        load_schema(SCHEMAS / "draft4.schema.json")


def test_ref_to_missing_file_and_outside_the_folder():
    with pytest.raises(ToolError, match=r"\$ref 'nowhere.json': file not found"):
        load_schema(SCHEMAS / "missing-ref.schema.json")
    with pytest.raises(ToolError, match=r"\$ref '../helpers.json' points outside the schema's folder"):
        load_schema(SCHEMAS / "outside-ref.schema.json")


@pytest.mark.parametrize("content, problem", [
    (b"{not json", "schema is not valid JSON: Expecting property name enclosed in double quotes at line 1 column 2"),
    (b"[1, 2]", "a JSON Schema must be an object or a boolean, not list"),
    (b"\xff\xfe", "schema is not valid UTF-8"),
    (b'{"$schema": 7}', "$schema must be a string"),
])
def test_unreadable_schemas(tmp_path, content, problem):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(ToolError) as exc:
        load_schema(path)
    assert str(exc.value) == f"{path}: {problem}"


def test_missing_schema_file(tmp_path):
    with pytest.raises(ToolError, match="cannot read schema: No such file or directory"):
        load_schema(tmp_path / "absent.json")


def test_regex_that_python_cannot_compile_is_an_invalid_schema(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"properties": {"a": {"pattern": "(unclosed"}}}))
    with pytest.raises(ToolError, match=r"invalid schema at /properties/a/pattern: "):
        load_schema(path)
