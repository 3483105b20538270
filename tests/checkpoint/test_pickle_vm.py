"""The symbolic pickle machine: globals, calls, memo, frames, budgets, weights_only verdicts."""

from __future__ import annotations

import collections
import copyreg
import io
import pickle
import struct

import pytest
from hypothesis import given, settings, strategies as st

from governance_hooks.checkpoint.allowlist import _shipped, danger, default_allowlist, normalise, parse_global_spec
from governance_hooks.checkpoint.pickle_vm import Budget, BudgetExceeded, PickleFault, Simulator

from .make_corpus import EMPTY_DICT, MEMOIZE, POP, REDUCE, STACK_GLOBAL, STOP, TUPLE1, binget, bu, framed, glob, proto, u

ALLOW = default_allowlist()


def run(data: bytes, *, budget: Budget = None, start: int = 0):
    return Simulator(io.BytesIO(data), len(data), ALLOW, budget or Budget()).run(start)


def globals_of(result):
    return [(g.qualified, g.opcode, g.offset) for g in result.globals]


def calls_of(result):
    return [(c.opcode, c.offset, c.description) for c in result.calls]


class Point:
    def __init__(self, x):
        self.x = x


@pytest.mark.parametrize("protocol", range(6))
def test_every_protocol_reports_the_same_globals(protocol):
    data = pickle.dumps({"od": collections.OrderedDict(a=1), "p": Point(3), "c": complex(1, 2)}, protocol=protocol)
    result = run(data)
    names = sorted({g.qualified for g in result.globals})
    expected = ["builtins.complex", "collections.OrderedDict", f"{__name__}.Point"]
    if protocol < 2:
        expected.append("copyreg._reconstructor")
        expected.append("builtins.object")
    assert names == sorted(expected)
    assert result.end == len(data)


def test_stack_global_resolves_names_through_the_memo():
    data = framed(EMPTY_DICT + MEMOIZE + u("a") + u("subprocess") + MEMOIZE + b"s" + u("b") + u("getoutput")
                  + MEMOIZE + b"s" + POP + binget(1) + binget(2) + STACK_GLOBAL + u("x") + TUPLE1 + REDUCE + STOP)
    result = run(data)
    assert globals_of(result) == [("subprocess.getoutput", "STACK_GLOBAL", 51)]
    assert calls_of(result) == [("REDUCE", 56, "subprocess.getoutput")]


def test_stack_global_needs_strings():
    data = proto(4) + b"K\x01" + u("system") + STACK_GLOBAL + STOP
    with pytest.raises(PickleFault) as info:
        run(data)
    assert info.value.message == "STACK_GLOBAL at offset 12 needs two str, got <int> and <str>"
    assert info.value.offset == 12


def test_discarded_call_is_still_recorded():
    data = proto(2) + glob("os", "system") + bu("x") + TUPLE1 + REDUCE + POP + EMPTY_DICT + STOP
    result = run(data)
    assert calls_of(result) == [("REDUCE", 20, "os.system")]
    assert result.value == {}


def test_python2_names_are_normalised():
    result = run(glob("__builtin__", "eval") + b"(S'1'\ntR.")
    assert [(g.module, g.name, g.raw) for g in result.globals] == [("builtins", "eval", ("__builtin__", "eval"))]
    assert normalise("copy_reg", "_reconstructor") == ("copyreg", "_reconstructor")
    assert normalise("exceptions", "StandardError") == ("builtins", "Exception")


def test_registered_extension_code_is_resolved(tmp_path):
    copyreg.add_extension("os", "system", 0x7ABC)
    try:
        result = run(proto(2) + b"\x83\xbc\x7a" + bu("x") + TUPLE1 + REDUCE + STOP)
    finally:
        copyreg.remove_extension("os", "system", 0x7ABC)
    assert [(g.qualified, g.opcode, g.ext_code) for g in result.globals] == [("os.system", "EXT2", 0x7ABC)]


def test_unregistered_extension_code():
    result = run(proto(2) + b"\x84" + struct.pack("<i", 123456) + STOP)
    assert [(g.qualified, g.opcode) for g in result.globals] == [("<extension code 123456>", "EXT4")]
    assert "extension code 123456 at offset 2" in result.weights_only_reasons


@pytest.mark.parametrize("data, message, offset", [
    (proto(2) + binget(3) + STOP, "memo key 3 at offset 2 was never stored", 2),
    (proto(2) + REDUCE + STOP, "REDUCE at offset 2 needs 2 stack items, found 0", 2),
    (proto(2) + b"t" + STOP, "TUPLE at offset 2 without a MARK", 2),
    (proto(6) + STOP, "unsupported pickle protocol 6", 0),
    (proto(2) + b"N", "the stream ends at offset 3 before STOP", 3),
    (proto(2) + b"\xfe", "unknown opcode b'\\xfe' at offset 2", 2),
    (proto(2) + b"X\xff\xff\xff\x7f" + STOP, "the opcode at offset 2 is truncated or invalid: expected 2147483647 "
                                             "bytes in a unicodestring4, but only 1 remain", 2),
    (proto(4) + b"\x95" + struct.pack("<Q", 1) + b"K\x01" + STOP,
     "BININT1 at offset 11 crosses the end of the frame at 12", 11),
    (proto(4) + b"\x95" + struct.pack("<Q", 3) + b"\x95" + struct.pack("<Q", 1) + b"N.",
     "a new frame starts at offset 11 inside the frame ending at 14", 11),
    (proto(2) + b"N" + b"0" + b"0" + STOP, "POP on an empty stack", 4),
    (STOP, "STOP with an empty stack", 0),
])
def test_malformed_streams_fail_closed(data, message, offset):
    with pytest.raises(PickleFault) as info:
        run(data)
    assert (info.value.message, info.value.offset) == (message, offset)


def test_fault_keeps_what_ran_before_it():
    data = proto(2) + glob("os", "system") + bu("x") + TUPLE1 + REDUCE + b"\xff"
    with pytest.raises(PickleFault) as info:
        run(data)
    assert calls_of(info.value.partial) == [("REDUCE", 20, "os.system")]


def test_opcode_budget():
    data = proto(2) + b"N0" * 50 + b"N."
    with pytest.raises(BudgetExceeded) as info:
        run(data, budget=Budget(max_opcodes=40))
    assert (info.value.message, info.value.offset) == ("more than 40 opcodes simulated", 41)


def test_mark_budget():
    with pytest.raises(BudgetExceeded) as info:
        run(proto(2) + b"(" * 20 + b"N.", budget=Budget(max_stack=10))
    assert info.value.message == "more than 10 nested marks"


def test_frame_past_stop_is_reported_and_the_stream_completes():
    body = EMPTY_DICT + STOP
    data = proto(4) + b"\x95" + struct.pack("<Q", len(body) + 5) + body + b"N" * 5
    result = run(data)
    assert result.problems == [(12, "the frame claims 5 bytes past STOP at offset 12")]
    assert result.end == 13


def test_weights_only_subset():
    ok = run(proto(2) + glob("collections", "OrderedDict") + b")R" + STOP)
    assert ok.weights_only_reasons == []
    framed_ok = run(framed(EMPTY_DICT + STOP))
    assert framed_ok.weights_only_reasons == ["opcode FRAME at offset 2"]
    build = run(proto(2) + b"]" + b"}" + b"b" + STOP)
    assert build.weights_only_reasons == ["BUILD of <list> at offset 4"]


def test_build_on_a_global_is_a_mutation():
    result = run(proto(2) + glob("collections", "OrderedDict") + b"N}\x86b" + STOP)
    assert [(m.opcode, m.offset, m.description) for m in result.mutations] == [("BUILD", 30, "collections.OrderedDict")]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_crash(data):
    try:
        result = run(data, budget=Budget(max_opcodes=10_000))
    except (PickleFault, BudgetExceeded) as exc:
        assert str(exc)  # a fault always says what was wrong
    else:
        # every global it reports points at an opcode inside the stream
        assert all(0 <= g.offset < len(data) for g in result.globals)


@settings(max_examples=100, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
                    | st.binary(max_size=20),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
                    | st.tuples(children, children), max_leaves=20),
       st.integers(0, 5))
def test_plain_data_of_any_protocol_parses_cleanly(value, protocol):
    data = pickle.dumps(value, protocol=protocol)
    result = run(data)
    assert result.end == len(data)
    assert result.globals == [] or {g.qualified for g in result.globals} <= {"_codecs.encode", "builtins.bytes"}


def test_danger_and_specs():
    assert danger("posix", "system") == "module posix runs commands, code or I/O"
    assert danger("torch", "serialization.os.system") == "attribute traversal reaches module os"
    assert danger("collections", "OrderedDict.__class__") == "attribute traversal through __class__"
    assert danger("builtins", "list") is None
    assert danger("sklearn.linear_model", "LogisticRegression") is None
    assert parse_global_spec("sklearn.linear_model:LogisticRegression") == ("sklearn.linear_model", "LogisticRegression")
    assert parse_global_spec("bad spec here") is None
    assert parse_global_spec("nocolon") is None


def test_shipped_allowlist_is_torch_weights_only_allowlist():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (too heavy for the test extra)")
    made_with = _shipped()["source"].split(":", 1)[0].split()[1].split("+")[0]  # "torch 2.14.1+cu130: ..."
    if torch.__version__.split("+")[0] != made_with:
        pytest.skip(f"allowlist.json was generated from torch {made_with}, this is {torch.__version__}")
    from torch import _weights_only_unpickler as wo

    assert ALLOW.weights_only == frozenset(wo._get_allowed_globals())
    assert ALLOW.weights_only_blocked == frozenset(wo._blocklisted_modules)
    assert len(ALLOW.weights_only_opcodes) == 34
