"""safetensors header validation (huggingface/safetensors README, "Format"), one test per rule."""

from __future__ import annotations

import json
import struct

import pytest

from governance_hooks.checkpoint.safetensors_check import validate

from .make_corpus import safetensors_bytes


def issues(data: bytes):
    found, _ = validate(data, len(data))
    return [(i.pointer, i.message) for i in found]


def raw_header(text: bytes, data: bytes = b"") -> bytes:
    return struct.pack("<Q", len(text)) + text + data


def test_real_file_from_the_library_is_valid():
    np = pytest.importorskip("numpy")
    save = pytest.importorskip("safetensors.numpy").save

    data = save({"a": np.zeros((2, 3), dtype=np.float32), "b": np.arange(5, dtype=np.int64)}, metadata={"k": "v"})
    found, count = validate(data, len(data))
    assert (found, count) == ([], 2)


@pytest.mark.parametrize("data, expected", [
    (b"\x01\x02", [("", "the file has 2 bytes, fewer than the 8-byte header length")]),
    (struct.pack("<Q", 200_000_000) + b"{}", [("", "header length 200000000 exceeds the 100000000-byte limit")]),
    (struct.pack("<Q", 64) + b"{}", [("", "header length 64 runs past the end of the 10-byte file")]),
    (raw_header(b'{"a":\xff}'), [("", "the header is not UTF-8 (byte 5)")]),
    (raw_header(b"[1, 2]  "), [("", "the header does not start with '{'")]),
    (raw_header(b'{"a": }'), [("", "the header is not valid JSON: Expecting value: line 1 column 7 (char 6)")]),
    (raw_header(b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
                b"\x00" * 4), [("/a", "duplicate key 'a' in the header")]),
])
def test_header_framing(data, expected):
    assert issues(data) == expected


def test_metadata_must_map_strings_to_strings():
    data = safetensors_bytes({"__metadata__": {"ok": "v", "n": 3}}, b"")
    assert issues(data) == [("/__metadata__/n", "__metadata__ value of 'n' is not a string")]


def test_unknown_dtype_and_bad_shape():
    data = safetensors_bytes({"a": {"dtype": "F128", "shape": [1], "data_offsets": [0, 16]},
                              "b": {"dtype": "F32", "shape": [-1], "data_offsets": [16, 20]}}, b"\x00" * 20)
    assert issues(data) == [("/a/dtype", "unknown dtype 'F128'"),
                            ("/b/shape", "shape must be a list of non-negative integers")]


def test_span_must_equal_shape_times_dtype_size():
    data = safetensors_bytes({"w": {"dtype": "F16", "shape": [2, 3], "data_offsets": [0, 8]}}, b"\x00" * 8)
    assert issues(data) == [("/w/data_offsets", "F16 shape [2, 3] needs 12 bytes but data_offsets span 8")]


def test_offsets_hole_overlap_and_end():
    hole = safetensors_bytes({"a": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]},
                              "b": {"dtype": "U8", "shape": [4], "data_offsets": [6, 10]}}, b"\x00" * 10)
    assert issues(hole) == [("/b/data_offsets", "data starts at 6, expected 4: leaves a hole of 2 bytes")]
    late = safetensors_bytes({"a": {"dtype": "U8", "shape": [4], "data_offsets": [2, 6]}}, b"\x00" * 6)
    assert issues(late) == [("/a/data_offsets", "data starts at 2, expected 0: leaves a hole of 2 bytes")]
    short = safetensors_bytes({"a": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]}}, b"\x00" * 9)
    assert issues(short) == [("", "tensors end at byte 4 of the data buffer but the buffer has 9 bytes")]
    reversed_ = safetensors_bytes({"a": {"dtype": "U8", "shape": [0], "data_offsets": [4, 0]}}, b"")
    assert issues(reversed_) == [("/a/data_offsets", "data_offsets must be [begin, end] with 0 <= begin <= end")]


def test_entry_shape_keys():
    data = safetensors_bytes({"a": {"dtype": "U8", "shape": [1]}}, b"")
    assert issues(data) == [("/a", "tensor entry keys: missing ['data_offsets'], unknown []")]
    assert issues(safetensors_bytes({"a": [1]}, b"")) == [("/a", "tensor entry is not an object")]


def test_keys_with_slashes_are_escaped_in_pointers():
    data = safetensors_bytes({"enc/w~1": {"dtype": "BF16", "shape": [1], "data_offsets": [0, 4]}}, b"\x00" * 4)
    assert issues(data) == [("/enc~1w~01/data_offsets", "BF16 shape [1] needs 2 bytes but data_offsets span 4")]


def test_four_bit_dtype_must_fill_whole_bytes():
    data = safetensors_bytes({"q": {"dtype": "F4", "shape": [3], "data_offsets": [0, 2]}}, b"\x00" * 2)
    assert issues(data) == [("/q/data_offsets", "F4 shape [3] needs 1.5 bytes but data_offsets span 2")]
    assert json.dumps(issues(safetensors_bytes({"q": {"dtype": "F4", "shape": [4], "data_offsets": [0, 2]}}, b"\0\0"))) == "[]"
