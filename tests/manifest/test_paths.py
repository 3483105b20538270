"""Path rules: hostile manifest paths, caseless collisions, the deterministic --shard split."""

from __future__ import annotations

import pytest

from governance_hooks.errors import ToolError
from governance_hooks.manifest.paths import assign_shards, caseless_key, collisions, parse_shard, unsafe_reason


@pytest.mark.parametrize("path, reason", [
    ("", "is empty"),
    ("a\0b", "contains a NUL byte"),
    ("/etc/passwd", "is absolute"),
    ("//server/share/x", "is absolute"),
    ("C:/Windows/win.ini", "starts with a drive letter"),
    ("c:relative.bin", "starts with a drive letter"),
    ("data\\..\\..\\secret", "contains a backslash (a Windows separator)"),
    ("../outside.bin", "contains '..' (leaves the dataset root)"),
    ("a/../../b", "contains '..' (leaves the dataset root)"),
    ("..", "contains '..' (leaves the dataset root)"),
    ("./a.bin", "is not canonical (empty or '.' segment, or a trailing '/')"),
    ("a//b.bin", "is not canonical (empty or '.' segment, or a trailing '/')"),
    ("dir/", "is not canonical (empty or '.' segment, or a trailing '/')"),
    ("\ud800.bin", "is not valid Unicode (a lone surrogate), so it names no file"),
])
def test_unsafe_paths(path, reason):
    assert unsafe_reason(path) == reason


@pytest.mark.parametrize("path", ["a.bin", "dir/sub/b.bin", "..hidden", "a..b", ".dot", "caf\u00e9.bin",
                                  "with space.bin", "new\nline", "caf\udce9.bin"])
def test_safe_paths(path):
    assert unsafe_reason(path) is None


def test_caseless_collisions_use_canonical_caseless_matching():
    nfc, nfd = "caf\u00e9.bin", "cafe\u0301.bin"
    assert caseless_key(nfc) == caseless_key(nfd) == caseless_key("CAF\u00c9.BIN")
    assert caseless_key("stra\u00dfe") == caseless_key("STRASSE")  # full case folding, not lower()
    assert collisions(["Data.bin", "data.bin", "other.bin", nfc, nfd, "x/A", "x/a", "x/a"]) == [
        ["Data.bin", "data.bin"], [nfc, nfd] if nfc < nfd else [nfd, nfc], ["x/A", "x/a"]]
    assert collisions(["a", "b"]) == []


def test_shard_split_is_balanced_by_bytes_and_deterministic():
    items = [("big1", 100), ("big2", 90), ("m1", 40), ("m2", 40), ("s1", 10), ("s2", 10), ("empty", 0)]
    owner = assign_shards(items, 2)
    assert owner == {"big1": 1, "big2": 2, "m1": 2, "m2": 1, "s1": 2, "s2": 1, "empty": 2}
    loads = {1: 0, 2: 0}
    for path, size in items:
        loads[owner[path]] += size
    assert loads == {1: 150, 2: 140}
    assert assign_shards(list(reversed(items)), 2) == owner  # input order does not matter
    assert set(assign_shards(items, 1).values()) == {1}


@pytest.mark.parametrize("text, expected", [("1/1", (1, 1)), ("3/8", (3, 8)), (" 2 / 4 ", (2, 4)), (None, None)])
def test_parse_shard(text, expected):
    assert parse_shard(text) == expected


@pytest.mark.parametrize("text, message", [
    ("0/4", "--shard '0/4': need 1 <= K <= N"),
    ("5/4", "--shard '5/4': need 1 <= K <= N"),
    ("2", "--shard '2': expected K/N, e.g. 2/8"),
    ("a/b", "--shard 'a/b': expected K/N, e.g. 2/8"),
])
def test_bad_shard_is_a_tool_error(text, message):
    with pytest.raises(ToolError) as info:
        parse_shard(text)
    assert str(info.value) == message
