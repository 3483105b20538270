"""JSON with positions and JSON pointers (RFC 8259, RFC 6901): exact lines, columns and errors."""

from __future__ import annotations

import json
import math
import sys

import pytest

from governance_hooks.jsonpos import (
    JsonPositionError,
    LineIndex,
    Locator,
    child_pointer,
    decode,
    escape_token,
    line_column,
    loads,
    locate,
    parse,
    parent_pointer,
    split_pointer,
    unescape_token,
    value_offsets,
)

NESTED = '{\n  "a": [1, {"b": null}],\n  "c": "x"\n}'


def _not_json(name: str):
    raise ValueError(f"{name} is not JSON")


def error(source, **kwargs) -> JsonPositionError:
    with pytest.raises(JsonPositionError) as info:
        parse(source, **kwargs)
    return info.value


def test_positions_of_nested_values_and_keys():
    doc = parse(NESTED)
    assert doc.value == {"a": [1, {"b": None}], "c": "x"}
    assert doc.positions == {"": (1, 1), "/a": (2, 8), "/a/0": (2, 9), "/a/1": (2, 12), "/a/1/b": (2, 18),
                             "/c": (3, 8)}
    assert doc.key_positions == {"/a": (2, 3), "/a/1/b": (2, 13), "/c": (3, 3)}
    assert doc.duplicates == []
    # The lazy locator agrees with the full parse on every pointer it records.
    assert {p: locate(NESTED, p) for p in doc.positions} == doc.positions


def test_where_falls_back_to_the_nearest_ancestor():
    doc = parse(NESTED)
    assert doc.where("/a/1/b/deeper") == (2, 18)
    assert doc.where("/a/7") == (2, 8)
    assert doc.where("/missing") == (1, 1)
    assert parse("  [1]").where("/5") == (1, 3)
    assert Locator(NESTED)("/a/7/x") == (2, 8)
    assert Locator(NESTED, max_depth=1)("/a/1/b") == (2, 8)
    assert Locator("")("/x") == (None, None)


def test_pointers_escape_tilde_and_slash_in_keys():
    text = '{"a/b": {"m~n": 1}}'
    doc = parse(text)
    assert doc.positions == {"": (1, 1), "/a~1b": (1, 9), "/a~1b/m~0n": (1, 17)}
    assert doc.key_positions == {"/a~1b": (1, 2), "/a~1b/m~0n": (1, 10)}
    assert locate(text, "/a~1b/m~0n") == (1, 17)
    assert value_offsets(text) == {"": 0, "/a~1b": 8, "/a~1b/m~0n": 16}
    assert escape_token("~/") == "~0~1"
    assert unescape_token("~01") == "~1"  # RFC 6901 section 4: "~1" is replaced first
    assert split_pointer("/a~1b/m~0n/0") == ["a/b", "m~n", "0"]
    assert split_pointer("") == []
    with pytest.raises(ValueError, match="does not start with '/'"):
        split_pointer("a/b")
    assert child_pointer("", "a/b") == "/a~1b"
    assert child_pointer("/x", 3) == "/x/3"
    assert parent_pointer("/a~1b/m~0n") == "/a~1b"
    assert parent_pointer("/a") == ""


def test_duplicate_keys_are_listed_and_the_last_value_wins():
    text = '{"k": 1, "k": {"z": 2}, "k": 3}'
    doc = parse(text)
    assert doc.value == {"k": 3} == json.loads(text)
    assert doc.duplicates == ["/k", "/k"]
    assert doc.key_positions["/k"] == (1, 25)
    assert doc.positions["/k"] == (1, 30)
    assert locate(text, "/k") == (1, 30)
    assert parse('{"a": {"a": 1}, "b": [{"a": 2}, {"a": 3}]}').duplicates == []


def test_100k_levels_of_nesting_are_a_clean_error_not_a_recursion_error():
    arrays = "[" * 100_000 + "]" * 100_000
    exc = error(arrays)
    assert (exc.reason, exc.message, exc.line, exc.column, exc.offset) == (
        "depth", "nested deeper than 256 levels", 1, 258, 257)
    objects = '{"a":' * 100_000 + "1" + "}" * 100_000
    exc = error(objects)
    assert (exc.reason, exc.line, exc.column) == ("depth", 1, 5 * 257 + 1)
    assert error("[[[1]]]", max_depth=2).column == 4  # the 1, at depth 3
    assert loads("[[[1]]]", max_depth=3) == [[[1]]]
    # With the limit raised far past Python's recursion limit, the explicit stack reads it all.
    deep = "[" * 5_000 + "]" * 5_000
    doc = parse(deep, max_depth=5_000)
    assert doc.positions["/0" * 4_999] == (1, 5_000)
    assert len(doc.positions) == 5_000
    # The lazy locator is iterative too.
    assert locate(arrays, "/0/0") == (1, 3)


def test_byte_order_mark_is_dropped_and_positions_follow_it():
    assert parse('\ufeff{"a": 1}').positions == {"": (1, 1), "/a": (1, 7)}
    assert parse(b'\xef\xbb\xbf{"a": 1}').positions == {"": (1, 1), "/a": (1, 7)}
    assert decode(b"\xef\xbb\xbf[1]") == "[1]"
    exc = error("\ufeff\ufeff1")  # only one mark is a mark; a second is content
    assert (exc.reason, exc.message, exc.line, exc.column) == ("character", "unexpected character '\\ufeff'", 1, 1)
    exc = error(b"\xef\xbb\xbf\xff")
    assert (exc.reason, exc.message, exc.offset, exc.line, exc.column) == ("utf-8", "invalid UTF-8 at byte 3", 3, 1, 1)


def test_invalid_utf8_position_counts_code_points():
    exc = error(b'{"a":\n "\xc3\xa9\xff"}')
    assert (exc.reason, exc.message, exc.offset, exc.line, exc.column) == ("utf-8", "invalid UTF-8 at byte 10", 10, 2, 4)


def test_crlf_counts_as_one_line_break():
    text = '{\r\n  "a": 1,\r\n  "b": [\r\n    true\r\n  ]\r\n}\r\n'
    doc = parse(text)
    assert doc.positions == {"": (1, 1), "/a": (2, 8), "/b": (3, 8), "/b/0": (4, 5)}
    assert {p: Locator(text)(p) for p in doc.positions} == doc.positions
    assert line_column(text, text.index("true")) == (4, 5)
    assert LineIndex(text)(text.index("true")) == (4, 5)
    exc = error('[1,\r\n 2\r\n x]')
    assert (exc.reason, exc.line, exc.column) == ("array", 3, 2)


def test_columns_count_code_points_not_bytes_or_utf16_units():
    text = '{"é☃😀": "x", "b": 1}'
    doc = parse(text.encode("utf-8"))
    assert doc.positions == {"": (1, 1), "/é☃😀": (1, 9), "/b": (1, 19)}
    assert doc.key_positions == {"/é☃😀": (1, 2), "/b": (1, 14)}
    assert locate(text, "/b") == (1, 19)
    escaped = '{"\\u00e9": 1}'
    assert parse(escaped).positions == {"": (1, 1), "/é": (1, 12)}
    assert locate(escaped, "/é") == (1, 12)


@pytest.mark.parametrize("text, reason, message, line, column", [
    ('{\n  "sha256": "x",\n  "sha256": }\n', "character", "unexpected character '}'", 3, 13),
    ("[1,\n 2", "array", "expected ',' or ']'", 2, 3),
    ('{"a" 1}', "colon", "expected ':' after a key", 1, 6),
    ('{"a": 1,}', "key", "expected a string key", 1, 9),
    ('{"a": 1 "b": 2}', "object", "expected ',' or '}'", 1, 9),
    ("[1] x", "extra", "extra data after the JSON value", 1, 5),
    ('{"a": "b\n"}', "string", "Invalid control character at", 1, 9),
    ('["\\x"]', "string", "Invalid \\escape", 1, 3),
    ('\n  "open', "string", "Unterminated string starting at", 2, 3),
    ("", "end", "unexpected end of the document", 1, 1),
    ("[\n", "end", "unexpected end of the document", 2, 1),
    ("NaN", "constant", "NaN is not JSON (RFC 8259 has no NaN or Infinity)", 1, 1),
    ("[Infinity]", "constant", "Infinity is not JSON (RFC 8259 has no NaN or Infinity)", 1, 2),
    ("[-Infinity]", "constant", "-Infinity is not JSON (RFC 8259 has no NaN or Infinity)", 1, 2),
    ("[-Inf]", "character", "unexpected character '-'", 1, 2),
    ("[01]", "array", "expected ',' or ']'", 1, 3),
    ("[1.]", "array", "expected ',' or ']'", 1, 3),
    ("tru", "character", "unexpected character 't'", 1, 1),
])
def test_invalid_json_has_reason_message_line_and_column(text, reason, message, line, column):
    exc = error(text)
    assert (exc.reason, exc.message, exc.line, exc.column) == (reason, message, line, column)
    assert str(exc) == f"{message} at line {line} column {column}"
    assert isinstance(exc, ValueError)
    with pytest.raises(ValueError):  # the standard library agrees it is not JSON (RFC 8259 has no NaN)
        json.loads(text, parse_constant=_not_json)


def test_integer_beyond_python_digit_limit_is_an_error_with_its_position():
    limit = sys.get_int_max_str_digits()  # 4300 unless PYTHONINTMAXSTRDIGITS says otherwise
    if not limit:
        pytest.skip("the integer digit limit is switched off")
    exc = error('{"n":\n  -' + "1" * (limit + 700) + "}")
    assert (exc.reason, exc.message, exc.line, exc.column) == (
        "number", f"integer of {limit + 700} digits is longer than the {limit} digits Python converts", 2, 3)


def test_values_match_the_json_module():
    text = '{"a": [1, 2.5e3, -0, true, false, null, "\\u00e9\\n", "\\ud83d\\ude00"], "b": {"c": "d"}, "e": 1E400}'
    value = loads(text)
    assert value == json.loads(text)
    assert [type(v) for v in value["a"][:3]] == [int, float, int]
    assert math.isinf(value["e"])


def test_allow_nan_reads_non_finite_literals_and_says_where():
    doc = parse('{"a": NaN, "b": [1, -Infinity],\n "c": Infinity, "a": 2}', allow_nan=True)
    assert math.isinf(doc.value["b"][1]) and doc.value["b"][1] < 0 and math.isinf(doc.value["c"])
    assert doc.value["a"] == 2
    assert {p: doc.line_column(at) for p, at in doc.non_finite.items()} == {"/a": (1, 7), "/b/1": (1, 21),
                                                                           "/c": (2, 7)}
    assert doc.duplicates == ["/a"] and [doc.line_column(at) for at in doc.duplicate_offsets] == [(2, 17)]
