"""Hostile bytes never crash or hang the scanner: mutated corpus files and odd inputs end in findings."""

from __future__ import annotations

import lzma
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from governance_hooks.checkpoint.allowlist import default_allowlist
from governance_hooks.checkpoint.scan import ScanOptions, scan_bytes, scan_file

CORPUS = Path(__file__).resolve().parent / "corpus"
SEEDS = [p.read_bytes() for p in sorted(CORPUS.rglob("*")) if p.is_file() and p.stat().st_size < 50_000]
OPTIONS = ScanOptions(default_allowlist(), max_opcodes=50_000, max_decompressed=8 << 20, opcodes_per_mb=0)


@st.composite
def mutated(draw):
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "cut", "insert"]))
        at = draw(st.integers(0, len(data)))
        if kind == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif kind == "cut":
            data = data[:at]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
    return bytes(data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_corpus_files_never_crash(data):
    result = scan_bytes(data, OPTIONS)
    assert all(issue.rule_id.startswith("checkpoint/") for issue in result.issues)


def test_odd_files(tmp_path):
    cases = {
        "empty.pkl": b"",
        "bom.pkl": b"\xef\xbb\xbf(dp0\n.",
        "crlf.pkl": b"(dp0\r\n.",
        "deep.pkl": b"\x80\x02" + b"(" * 100_000 + b"N.",
        "huge_len.pkl": b"\x80\x04\x8e" + (2 ** 63).to_bytes(8, "little"),
    }
    rules = {}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        rules[name] = [i.rule_id.split("/", 1)[1] for i in scan_file(tmp_path / name, OPTIONS).issues]
    assert rules == {
        "empty.pkl": [],  # unrecognised content: the command reports "the file is empty"
        "bom.pkl": [],  # not a pickle (no opcode 0xef): the command reports it as unrecognised
        "crlf.pkl": [],  # int("0\r") is 0: pickle.load accepts it, so do we
        "deep.pkl": ["analysis-incomplete"],  # 100 000 marks exceed the 50 000-opcode budget
        "huge_len.pkl": ["malformed-pickle"],
    }


def test_deeply_nested_tuple_used_as_a_key_does_not_crash():
    # Hashing a 1 000 000-deep tuple overflows the C stack; the simulator never hashes it.
    data = lzma.compress(b"\x80\x02}N" + b"\x85" * 1_000_000 + b"Ns.", format=lzma.FORMAT_XZ)
    assert scan_bytes(data, ScanOptions(default_allowlist())).issues == []


def test_call_explosion_is_one_finding_per_kind():
    data = b"\x80\x02cos\nsystem\n" + b")R" * 100_000 + b"."
    result = scan_bytes(data, ScanOptions(default_allowlist()))
    assert [(i.rule_id, i.message) for i in result.issues] == [
        ("checkpoint/code-execution", "pickle: os.system executes code on load (module os runs commands, code or I/O): "
                                      "GLOBAL at offset 2; called by REDUCE at offset 14"),
        ("checkpoint/unsafe-global", "pickle: REDUCE at offset 16 calls <result of os.system>, which is not an imported "
                                     "global (and 99998 more calls on computed values)"),
    ]
