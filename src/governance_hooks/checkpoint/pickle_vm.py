"""A symbolic pickle machine: learn every global and call of a pickle stream without unpickling.

The simulation follows ``pickle._Unpickler`` opcode by opcode over
``pickletools.genops``: it keeps the stack, the mark stack and the memo, but the
values it pushes are inert stand-ins (:class:`GlobalRef` for an imported global,
:class:`Obj` for the result of a call). Nothing is imported and nothing is
called. It records

* every global: GLOBAL, STACK_GLOBAL (module and name resolved through the memo),
  INST, and EXT1/2/4 codes looked up in ``copyreg``'s extension registry;
* every call: REDUCE, NEWOBJ, NEWOBJ_EX, INST, OBJ, and BUILD (``__setstate__``),
  whether or not its result is used later;
* whether ``torch.load(weights_only=True)`` would accept the stream (its opcode
  subset, its allowlist, and its rules for BUILD, APPEND, SETITEM, BINPERSID).

It fails closed: truncation, unknown opcodes, stack or mark underflow, a memo key
never stored, frames that lie about their length (PEP 3154), and exceeded budgets
raise :class:`PickleFault` or :class:`BudgetExceeded` with the byte offset.

Source of the semantics: CPython ``Lib/pickle.py`` (``_Unpickler.load_*``),
``Lib/pickletools.py`` (opcode table), PEP 307 (protocol 2), PEP 3154 (protocol 4,
framing), PEP 574 (protocol 5).
"""

from __future__ import annotations

import pickletools
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from .allowlist import Allowlist, normalise

#: Longest str kept verbatim on the simulated stack; longer ones become :class:`Opaque`.
MAX_KEPT_STR = 4096
#: How many weights_only violations to keep as evidence.
MAX_REASONS = 5


class PickleFault(Exception):
    """The stream is not a pickle a real unpickler would finish: a ``malformed-pickle`` finding."""

    def __init__(self, offset: int, message: str):
        super().__init__(message)
        self.offset = offset
        self.message = message
        self.partial: Optional["StreamResult"] = None


class BudgetExceeded(Exception):
    """A work budget ran out: an ``analysis-incomplete`` finding."""

    def __init__(self, offset: int, message: str):
        super().__init__(message)
        self.offset = offset
        self.message = message
        self.partial: Optional["StreamResult"] = None


@dataclass
class GlobalUse:
    """One import of a global by the stream.

    Attributes:
        module, name: after Python 2 normalisation; ``name`` may be dotted (attribute traversal).
        raw: the names as written in the stream.
        opcode: GLOBAL, STACK_GLOBAL, INST, EXT1, EXT2 or EXT4.
        offset: byte offset of the opcode in the buffer being scanned.
        ext_code: for EXT opcodes, the extension code (``module`` is empty when unregistered).
    """

    module: str
    name: str
    raw: Tuple[str, str]
    opcode: str
    offset: int
    ext_code: Optional[int] = None

    @property
    def qualified(self) -> str:
        if self.ext_code is not None and not self.module:
            return f"<extension code {self.ext_code}>"
        return f"{self.module}.{self.name}"


@dataclass
class CallUse:
    """One call the unpickler would make: the callee (a global, or a computed value) and where."""

    opcode: str
    offset: int
    callee: Optional[GlobalUse]
    description: str
    #: ``allowed`` (callee on the allowlist), ``data`` (a reconstruction form that runs no chosen code,
    #: see :func:`Simulator._classify`) or ``unsafe`` (a callable off the allowlist runs with chosen input).
    verdict: str = "allowed"
    #: Why the call is ``data`` or ``unsafe``, in a few words.
    why: str = ""
    #: Globals off the allowlist handed to the call as arguments (the callee may call them).
    passes: List[GlobalUse] = field(default_factory=list)


class GlobalRef:
    """Stand-in for an imported global on the simulated stack."""

    __slots__ = ("use",)

    def __init__(self, use: GlobalUse):
        self.use = use


class Obj:
    """Stand-in for the result of a call (or an instance being built)."""

    __slots__ = ("creator", "args", "state", "offset", "data_class", "method")

    def __init__(self, creator: Any, args: Any, offset: int):
        self.creator = creator
        self.args = args
        self.state = None
        self.offset = offset
        #: The class of an instance made without running chosen code (NEWOBJ with no arguments,
        #: ``copyreg._reconstructor(cls, <builtin type>, state)``): only a plain-dict BUILD follows safely.
        self.data_class: Optional[GlobalUse] = None
        #: A method of a builtin type fetched with ``getattr(str, 'split')``: calling it is data.
        self.method = False


class Opaque:
    """A value the simulation does not keep (long strings, buffers, persistent objects)."""

    __slots__ = ("kind", "detail")

    def __init__(self, kind: str, detail: Any = None):
        self.kind = kind
        self.detail = detail


class _Mark:
    __slots__ = ()


@dataclass
class StreamResult:
    """What one pickle stream (PROTO ... STOP) does when loaded.

    Offsets are byte offsets in the scanned buffer.
    """

    start: int
    end: int = 0
    protocol: int = 0
    globals: List[GlobalUse] = field(default_factory=list)
    calls: List[CallUse] = field(default_factory=list)
    mutations: List[CallUse] = field(default_factory=list)
    persistent_ids: List[Any] = field(default_factory=list)
    weights_only_reasons: List[str] = field(default_factory=list)
    skipped_bytes: int = 0
    nested: List["StreamResult"] = field(default_factory=list)
    value: Any = None
    opcodes: int = 0
    #: A speculative reading that did not parse: only its code-execution globals are reported.
    only_dangerous: bool = False
    #: Non-fatal faults ``(offset, message)`` of a stream that did reach STOP.
    problems: List[Tuple[int, str]] = field(default_factory=list)

    def weights_only_violation(self, reason: str) -> None:
        if len(self.weights_only_reasons) < MAX_REASONS and reason not in self.weights_only_reasons:
            self.weights_only_reasons.append(reason)

    def all_streams(self):
        yield self
        for inner in self.nested:
            yield from inner.all_streams()


@dataclass
class Budget:
    """Work limits shared by every stream of one file.

    Attributes:
        max_opcodes: opcodes simulated in total across the file.
        max_memo: memo entries per stream.
        max_stack: simulated stack depth plus marks.
    """

    max_opcodes: int = 2_000_000
    max_memo: int = 1_000_000
    max_stack: int = 1_000_000
    used: int = 0


_PUSH_ARG = frozenset({
    "INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4", "FLOAT", "BINFLOAT",
    "STRING", "BINSTRING", "SHORT_BINSTRING", "UNICODE", "SHORT_BINUNICODE", "BINUNICODE",
    "BINUNICODE8", "BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "BYTEARRAY8",
})

_MEMO_PUT = frozenset({"PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"})
_MEMO_GET = frozenset({"GET", "BINGET", "LONG_BINGET"})

#: The joblib placeholder whose BUILD makes joblib read array bytes that follow it.
JOBLIB_WRAPPER = ("joblib.numpy_pickle", "NumpyArrayWrapper")


_CODE2OP = {op.code.encode("latin-1"): op for op in pickletools.opcodes}


def _read_stringnl_bytes(f) -> str:
    """The STRING argument as ``pickle.py``'s ``load_string`` reads it: quoted, escapes decoded, any bytes.

    ``pickletools.read_stringnl`` insists on ASCII, but ``pickle.load(encoding='latin1')`` (how
    NumPy, joblib and torch open Python 2 files) accepts every byte; the value is kept as latin-1 text.
    """
    import codecs

    data = f.readline()
    if not data.endswith(b"\n"):
        raise ValueError("no newline found when trying to read stringnl")
    data = data[:-1]
    if len(data) < 2 or data[0] != data[-1] or data[:1] not in (b'"', b"'"):
        raise ValueError(f"the STRING opcode argument must be quoted: {data[:40]!r}")
    return codecs.escape_decode(data[1:-1])[0].decode("latin-1")


def _genops(f):
    """``pickletools.genops`` over a seekable buffer, with ``pickle.py``'s reading of STRING.

    Yields ``(opcode, arg, offset)``; raises ``ValueError`` with genops' own messages on an unknown
    opcode or a stream that ends before STOP.
    """
    read = f.read
    tell = f.tell
    while True:
        pos = tell()
        code = read(1)
        opcode = _CODE2OP.get(code)
        if opcode is None:
            if code == b"":
                raise ValueError("pickle exhausted before seeing STOP")
            raise ValueError(f"at position {pos}, opcode {code!r} unknown")
        if opcode.arg is None:
            arg = None
        elif opcode.name == "STRING":
            arg = _read_stringnl_bytes(f)
        else:
            arg = opcode.arg.reader(f)
        yield opcode, arg, pos
        if code == b".":
            return


def _describe(value: Any) -> str:
    """A short name for a stack value; iterative, since results of results can nest arbitrarily deep."""
    depth = 0
    while isinstance(value, Obj) and depth < 3:
        value, depth = value.creator, depth + 1
    if isinstance(value, GlobalRef):
        inner = value.use.qualified
    elif isinstance(value, Opaque):
        inner = f"<{value.kind}>"
    elif isinstance(value, Obj):
        inner = "<...>"
    else:
        inner = f"<{type(value).__name__}>"
    for _ in range(depth):
        inner = f"<result of {inner}>"
    return inner


class _Key:
    """A dict key standing for a non-scalar value, compared by identity.

    Hashing a crafted, deeply nested tuple recurses in C without a limit and can
    crash the interpreter, so only scalars are used as real keys.
    """

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


_SCALAR_KEYS = (str, int, float, bool, bytes, type(None))


def _dict_key(key: Any, opcode: str, pos: int) -> Any:
    if type(key) in _SCALAR_KEYS:
        return key
    if isinstance(key, (list, dict)):
        raise PickleFault(pos, f"{opcode} at offset {pos} uses an unhashable key {_describe(key)}")
    return _Key(key)


def _global_of(value: Any) -> Optional[GlobalUse]:
    return value.use if isinstance(value, GlobalRef) else None


#: Builtin types whose public methods ``getattr(T, name)`` may fetch as data (scikit-learn's
#: ``tokenizer=str.split`` pickles as ``builtins.getattr(builtins.str, 'split')``).
_METHOD_TYPES = {t.__name__: t for t in (str, bytes, bytearray, int, float, complex, dict, list, tuple,
                                         set, frozenset, bool)}
#: ``copyreg._reconstructor`` bases: ``object`` and the builtin containers ``copyreg._reduce_ex`` can name.
_RECONSTRUCTOR_BASES = frozenset(("builtins", t) for t in ("object", "dict", "list", "tuple", "set", "frozenset",
                                                          "int", "float", "complex", "str", "bytes", "bytearray"))
#: ``typing`` special forms whose ``[...]`` pickles as ``operator.getitem(form, args)``.
_TYPING_FORMS = frozenset({"Union", "Optional", "List", "Dict", "Tuple", "Set", "FrozenSet", "Callable", "Type",
                           "Sequence", "Mapping", "Iterable", "Literal", "Annotated", "ClassVar", "Final"})


def _globals_in(value: Any, depth: int = 0) -> List[GlobalUse]:
    """Imported globals inside an argument value (tuples, lists, dict values; 3 levels deep)."""
    if isinstance(value, GlobalRef):
        return [value.use]
    if depth >= 3:
        return []
    if isinstance(value, (tuple, list)):
        return [g for item in value[:64] for g in _globals_in(item, depth + 1)]
    if isinstance(value, dict):
        return [g for item in list(value.values())[:64] for g in _globals_in(item, depth + 1)]
    return []


def _plain_state(state: Any) -> bool:
    """A BUILD state that sets attributes only: a dict, or ``(dict | None, dict | None)`` (slots)."""
    if isinstance(state, dict):
        return True
    return type(state) is tuple and len(state) == 2 and all(s is None or isinstance(s, dict) for s in state) \
        and state != (None, None)


class Simulator:
    """Simulate pickle streams in one buffer.

    Args:
        buf: an object with C-level ``read``, ``readline``, ``seek``, ``tell`` (``mmap`` or ``BytesIO``).
        size: the number of bytes in ``buf``.
        allowlist: the allowlist (for the weights_only verdict and joblib handling).
        budget: shared work budget.
        joblib: handle joblib's ``NumpyArrayWrapper`` (skip or parse the array data that follows it).
    """

    def __init__(self, buf, size: int, allowlist: Allowlist, budget: Budget, joblib: bool = True):
        self.buf = buf
        self.size = size
        self.allowlist = allowlist
        self.budget = budget
        self.joblib = joblib

    # -- reading -----------------------------------------------------------------
    def _raw(self, start: int, end: int) -> bytes:
        here = self.buf.tell()
        self.buf.seek(start)
        data = self.buf.read(end - start)
        self.buf.seek(here)
        return data

    def run(self, start: int, *, joblib: Optional[bool] = None) -> StreamResult:
        """Simulate one stream starting at ``start``; return its result (``end`` is after STOP).

        Raises:
            PickleFault: the stream is malformed (the offset says where).
            BudgetExceeded: a budget ran out.
        """
        use_joblib = self.joblib if joblib is None else joblib
        result = StreamResult(start=start)
        stack: List[Any] = []
        metastack: List[List[Any]] = []
        memo: Dict[int, Any] = {}
        frame_end: Optional[int] = None
        last_end = start
        budget = self.budget
        wo_opcodes = self.allowlist.weights_only_opcodes
        max_opcodes, max_stack, max_memo = budget.max_opcodes, budget.max_stack, budget.max_memo
        used = first_used = budget.used
        tell = self.buf.tell
        self.buf.seek(start)
        ops = _genops(self.buf)
        pos = start
        try:
            for opcode, arg, pos in ops:
                end = tell()
                name = opcode.name
                used += 1
                if used > max_opcodes:
                    raise BudgetExceeded(pos, f"more than {max_opcodes} opcodes simulated")
                # PEP 3154 framing: a frame must not be cut by an opcode, nor start inside another.
                if frame_end is not None:
                    if pos < frame_end < end and name != "FRAME":
                        raise PickleFault(pos, f"{name} at offset {pos} crosses the end of the frame at {frame_end}")
                    if pos >= frame_end:
                        frame_end = None
                if name not in wo_opcodes:
                    result.weights_only_violation(f"opcode {name} at offset {pos}")
                if name in _PUSH_ARG:
                    kind = type(arg)
                    if (kind is str or kind is bytes or kind is bytearray) and len(arg) > MAX_KEPT_STR:
                        arg = Opaque("str" if kind is str else "bytes", len(arg))
                    stack.append(arg)
                elif name in _MEMO_PUT:
                    if not stack:
                        raise PickleFault(pos, f"{name} at offset {pos} needs 1 stack items, found 0")
                    key = len(memo) if name == "MEMOIZE" else arg
                    if type(key) is bool:  # genops reads "00"/"01" as booleans; pickle.py uses int()
                        key = int(key)
                    if type(key) is not int:
                        raise PickleFault(pos, f"PUT key {key!r} is not an integer")
                    if key < 0:
                        raise PickleFault(pos, "negative memo key")
                    memo[key] = stack[-1]
                    if len(memo) > max_memo:
                        raise BudgetExceeded(pos, f"more than {max_memo} memo entries")
                elif name in _MEMO_GET:
                    if arg not in memo:
                        raise PickleFault(pos, f"memo key {arg} at offset {pos} was never stored")
                    stack.append(memo[arg])
                elif name == "MARK":
                    metastack.append(stack)
                    stack = []
                    if len(metastack) > max_stack:
                        raise BudgetExceeded(pos, f"more than {max_stack} nested marks")
                elif name in ("TUPLE", "LIST", "FROZENSET", "DICT", "POP_MARK"):
                    items = stack
                    if not metastack:
                        raise PickleFault(pos, f"{name} at offset {pos} without a MARK")
                    stack = metastack.pop()
                    if name == "TUPLE":
                        stack.append(tuple(items))
                    elif name == "LIST":
                        stack.append(items)
                    elif name == "FROZENSET":
                        stack.append(Opaque("frozenset", items))
                    elif name == "DICT":
                        stack.append(self._dict_from(items, pos))
                elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
                    n = int(name[-1])
                    self._need(stack, n, pos, name)
                    items = tuple(stack[-n:])
                    del stack[-n:]
                    stack.append(items)
                elif name == "REDUCE":
                    self._need(stack, 2, pos, name)
                    args = stack.pop()
                    func = stack[-1]
                    stack[-1] = self._call(result, func, args, name, pos)
                elif name in ("PERSID", "BINPERSID"):
                    if name == "BINPERSID":
                        self._need(stack, 1, pos, name)
                        pid = stack.pop()
                    else:
                        pid = arg
                    result.persistent_ids.append(pid)
                    if name == "BINPERSID":
                        ok = type(pid) is int or (type(pid) is tuple and (not pid or pid[0] in ("storage", b"storage")))
                        if not ok:
                            result.weights_only_violation(f"persistent id {_describe(pid)} at offset {pos} is not a storage")
                    stack.append(Opaque("persistent", pid))
                elif name == "SETITEMS":
                    if not metastack:
                        raise PickleFault(pos, f"{name} at offset {pos} without a MARK")
                    items, stack = stack, metastack.pop()
                    self._need(stack, 1, pos, name)
                    if len(items) % 2:
                        raise PickleFault(pos, "SETITEMS with an odd number of items")
                    self._setitems(stack[-1], items, name, pos, result)
                elif name in ("APPENDS", "ADDITEMS"):
                    if not metastack:
                        raise PickleFault(pos, f"{name} at offset {pos} without a MARK")
                    items, stack = stack, metastack.pop()
                    self._need(stack, 1, pos, name)
                    self._append(stack[-1], items, name, pos, result)
                elif name in ("NONE", "NEWTRUE", "NEWFALSE"):
                    stack.append(None if name == "NONE" else name == "NEWTRUE")
                elif name == "EMPTY_TUPLE":
                    stack.append(())
                elif name == "EMPTY_DICT":
                    stack.append({})
                elif name == "EMPTY_LIST":
                    stack.append([])
                elif name in ("GLOBAL", "INST"):
                    module, qualname = self._global_lines(pos, end, name)
                    use = self._record_global(result, module, qualname, name, pos)
                    ref = GlobalRef(use)
                    if name == "GLOBAL":
                        stack.append(ref)
                    else:
                        if not metastack:
                            raise PickleFault(pos, "INST without a MARK")
                        args, stack = stack, metastack.pop()
                        stack.append(self._call(result, ref, tuple(args), name, pos))
                elif name == "STACK_GLOBAL":
                    self._need(stack, 2, pos, name)
                    qualname = stack.pop()
                    module = stack.pop()
                    if type(module) is not str or type(qualname) is not str:
                        raise PickleFault(pos, f"STACK_GLOBAL at offset {pos} needs two str, got "
                                               f"{_describe(module)} and {_describe(qualname)}")
                    use = self._record_global(result, module, qualname, name, pos)
                    stack.append(GlobalRef(use))
                elif name == "BUILD":
                    self._need(stack, 2, pos, name)
                    state = stack.pop()
                    inst = stack[-1]
                    self._build(result, inst, state, pos)
                    if use_joblib and isinstance(inst, Obj) and _global_of(inst.creator) is not None \
                            and (_global_of(inst.creator).module, _global_of(inst.creator).name) == JOBLIB_WRAPPER:
                        if frame_end is not None and frame_end > end:
                            raise PickleFault(pos, "joblib array data announced inside a pickle frame")
                        budget.used = used  # a nested object-array stream shares the budget
                        stack[-1] = self._joblib_array(result, inst, end)
                        used = budget.used
                        pos = end
                elif name == "NEWOBJ":
                    self._need(stack, 2, pos, name)
                    args = stack.pop()
                    cls = stack.pop()
                    stack.append(self._call(result, cls, args, name, pos))
                elif name == "FRAME":
                    if frame_end is not None and pos < frame_end:
                        raise PickleFault(pos, f"a new frame starts at offset {pos} inside the frame ending at {frame_end}")
                    if arg > self.size - end:
                        raise PickleFault(pos, f"frame at offset {pos} claims {arg} bytes but only {self.size - end} remain")
                    frame_end = end + arg
                elif name == "STOP":
                    if not stack:
                        raise PickleFault(pos, "STOP with an empty stack")
                    if frame_end is not None and frame_end > end:
                        # The stream itself is complete; the bytes the frame claims past STOP are what a
                        # following load would read, so the caller reports this and scans on from STOP.
                        result.problems.append((pos, f"the frame claims {frame_end - end} bytes past STOP at offset {pos}"))
                    result.value = stack.pop()
                    result.end = end
                    result.opcodes = used - first_used
                    budget.used = used
                    return result
                elif name == "PROTO":
                    if arg > 5:
                        raise PickleFault(pos, f"unsupported pickle protocol {arg}")
                    result.protocol = arg
                elif name == "EMPTY_SET":
                    stack.append(Opaque("set", []))
                elif name == "POP":
                    if stack:
                        stack.pop()
                    elif metastack:  # pickle.py: POP on an empty stack after MARK pops the mark
                        stack = metastack.pop()
                    else:
                        raise PickleFault(pos, "POP on an empty stack")
                elif name == "DUP":
                    self._need(stack, 1, pos, name)
                    stack.append(stack[-1])
                elif name == "APPEND":
                    self._need(stack, 2, pos, name)
                    item = stack.pop()
                    self._append(stack[-1], [item], name, pos, result)
                elif name == "SETITEM":
                    self._need(stack, 3, pos, name)
                    value = stack.pop()
                    key = stack.pop()
                    self._setitems(stack[-1], [key, value], name, pos, result)
                elif name in ("EXT1", "EXT2", "EXT4"):
                    stack.append(GlobalRef(self._record_ext(result, arg, name, pos)))
                elif name == "NEWOBJ_EX":
                    self._need(stack, 3, pos, name)
                    kwargs = stack.pop()
                    args = stack.pop()
                    cls = stack.pop()
                    stack.append(self._call(result, cls, args, name, pos, kwargs))
                elif name == "OBJ":
                    if not metastack:
                        raise PickleFault(pos, "OBJ without a MARK")
                    args, stack = stack, metastack.pop()
                    if not args:
                        raise PickleFault(pos, "OBJ without a class")
                    stack.append(self._call(result, args[0], tuple(args[1:]), name, pos))
                elif name == "NEXT_BUFFER":
                    stack.append(Opaque("buffer"))
                elif name == "READONLY_BUFFER":
                    self._need(stack, 1, pos, name)
                else:  # pragma: no cover - genops only yields opcodes of its table
                    raise PickleFault(pos, f"opcode {name} is not supported")
                if len(stack) > max_stack:
                    raise BudgetExceeded(pos, f"simulated stack deeper than {max_stack}")
                last_end = end
        except (PickleFault, BudgetExceeded) as exc:
            budget.used = used
            exc.partial = result
            raise
        except (ValueError, UnicodeDecodeError, OverflowError) as exc:
            budget.used = used
            text = str(exc)
            if "pickle exhausted" in text:
                fault = PickleFault(last_end, f"the stream ends at offset {self.size} before STOP")
            elif "opcode" in text and "unknown" in text:
                at = self.buf.tell() - 1
                code = text.split("opcode ", 1)[1].rsplit(" unknown", 1)[0]
                fault = PickleFault(at, f"unknown opcode {code} at offset {at}")
            else:
                fault = PickleFault(last_end, f"the opcode at offset {last_end} is truncated or invalid: {text}")
            fault.partial = result
            raise fault from None
        fault = PickleFault(last_end, "the stream ends before STOP")  # pragma: no cover
        fault.partial = result
        raise fault

    # -- helpers -----------------------------------------------------------------
    @staticmethod
    def _need(stack: List[Any], n: int, pos: int, name: str) -> None:
        if len(stack) < n:
            raise PickleFault(pos, f"{name} at offset {pos} needs {n} stack items, found {len(stack)}")

    def _global_lines(self, pos: int, end: int, name: str) -> Tuple[str, str]:
        raw = self._raw(pos + 1, end)
        lines = raw.split(b"\n")
        if len(lines) != 3 or lines[2] != b"":
            raise PickleFault(pos, f"{name} at offset {pos} is not two newline-terminated names")
        try:
            return lines[0].decode("utf-8"), lines[1].decode("utf-8")
        except UnicodeDecodeError:
            raise PickleFault(pos, f"{name} at offset {pos} names are not UTF-8") from None

    def _record_global(self, result: StreamResult, module: str, qualname: str, opcode: str, pos: int) -> GlobalUse:
        norm_module, norm_name = normalise(module, qualname)
        use = GlobalUse(norm_module, norm_name, (module, qualname), opcode, pos)
        result.globals.append(use)
        if norm_module.split(".", 1)[0] in self.allowlist.weights_only_blocked:
            result.weights_only_violation(f"global {use.qualified} at offset {pos} is in the blocked module "
                                          f"{norm_module.split('.', 1)[0]}")
        elif use.qualified not in self.allowlist.weights_only:
            result.weights_only_violation(f"global {use.qualified} at offset {pos}")
        return use

    def _record_ext(self, result: StreamResult, code: int, opcode: str, pos: int) -> GlobalUse:
        import copyreg

        key = copyreg._inverted_registry.get(code)  # the stdlib registry; empty unless a library registered codes
        if key is None:
            use = GlobalUse("", "", ("", ""), opcode, pos, ext_code=code)
            result.globals.append(use)
            result.weights_only_violation(f"extension code {code} at offset {pos}")
            return use
        module, qualname = key
        use = self._record_global(result, module, qualname, opcode, pos)
        use.ext_code = code
        return use

    def _call(self, result: StreamResult, callee: Any, args: Any, opcode: str, pos: int, kwargs: Any = None) -> Obj:
        """Record a call the unpickler makes and return the stand-in for its result."""
        use = _global_of(callee)
        obj = Obj(callee, args, pos)
        verdict, why, exempt = self._classify(callee, use, args, opcode, kwargs, obj)
        call = CallUse(opcode, pos, use, _describe(callee), verdict, why)
        call.passes = [g for g in _globals_in(args) + _globals_in(kwargs)
                       if g is not exempt and not self.allowlist.is_safe(g.module, g.name)]
        result.calls.append(call)
        if use is None or use.qualified not in self.allowlist.weights_only:
            result.weights_only_violation(f"{opcode} of {_describe(callee)} at offset {pos}")
        return obj

    def _classify(self, callee: Any, use: Optional[GlobalUse], args: Any, opcode: str, kwargs: Any,
                  obj: Obj) -> Tuple[str, str, Optional[GlobalUse]]:
        """``(verdict, why, exempt)`` of one call; ``exempt`` is a class argument that is data, not a callee.

        The loader's own semantics decide (CPython ``Lib/pickle.py`` and ``Lib/copyreg.py``):
        NEWOBJ with no arguments runs only ``cls.__new__(cls)``; ``copyreg._reconstructor(cls,
        base, state)`` with a builtin ``base`` runs ``base.__new__``/``base.__init__``;
        ``getattr`` of a public attribute of a builtin type, ``type`` of one constant and
        ``operator.getitem`` on a ``typing`` form only look things up. Anything else off the
        allowlist runs a callable of the file's choosing.
        """
        if use is None:
            if isinstance(callee, Obj) and callee.method:
                return "data", "a method of a builtin type", None
            return "unsafe", "the callee is computed by the stream, not an imported global", None
        if use.ext_code is None and self.allowlist.is_safe(use.module, use.name):
            return "allowed", "", None
        pair = (use.module, use.name)
        if opcode in ("NEWOBJ", "NEWOBJ_EX") and args == () and kwargs in (None, {}) and use.ext_code is None:
            obj.data_class = use
            return "data", "instance created without arguments", use
        if pair == ("copyreg", "_reconstructor") and type(args) is tuple and len(args) == 3:
            cls, base, state = args
            if isinstance(cls, GlobalRef) and isinstance(base, GlobalRef) \
                    and (base.use.module, base.use.name) in _RECONSTRUCTOR_BASES and not _globals_in(state):
                obj.data_class = cls.use
                return "data", f"copyreg._reconstructor of {cls.use.qualified} on {base.use.name}", cls.use
            return "unsafe", "copyreg._reconstructor with a base that is not a builtin type", None
        if pair == ("builtins", "getattr") and type(args) is tuple and len(args) == 2:
            target, attr = args
            if isinstance(target, GlobalRef) and target.use.module == "builtins" \
                    and target.use.name in _METHOD_TYPES and type(attr) is str and attr.isidentifier() \
                    and not attr.startswith("_") and hasattr(_METHOD_TYPES[target.use.name], attr):
                obj.method = True
                return "data", f"builtins.{target.use.name}.{attr}, a method of a builtin type", target.use
            return "unsafe", "getattr on something other than a public method of a builtin type", None
        if pair == ("builtins", "type") and type(args) is tuple and len(args) == 1 and type(args[0]) in _SCALAR_KEYS:
            return "data", "the type of a constant", None
        if pair in (("operator", "getitem"), ("_operator", "getitem")) and type(args) is tuple and len(args) == 2 \
                and isinstance(args[0], GlobalRef) and args[0].use.module == "typing" \
                and args[0].use.name in _TYPING_FORMS:
            return "data", f"a typing.{args[0].use.name}[...] annotation", args[0].use
        if opcode in ("NEWOBJ", "NEWOBJ_EX"):
            return "unsafe", f"{use.qualified}.__new__ is called with arguments", None
        return "unsafe", f"{use.qualified} is called", None

    def _build(self, result: StreamResult, inst: Any, state: Any, pos: int) -> None:
        if isinstance(inst, GlobalRef):
            # BUILD on a class or function object sets attributes on it: a global mutation.
            result.mutations.append(CallUse("BUILD", pos, inst.use, inst.use.qualified, "unsafe"))
            result.weights_only_violation(f"BUILD on global {inst.use.qualified} at offset {pos}")
            return
        if isinstance(inst, Obj):
            inst.state = state
            use = _global_of(inst.creator)
            call = CallUse("BUILD", pos, use, f"{_describe(inst.creator)}.__setstate__")
            if inst.data_class is not None:
                call.callee = inst.data_class
                call.description = f"{inst.data_class.qualified}.__setstate__"
                if _plain_state(state):
                    call.verdict, call.why = "data", "a plain dict state (attributes set, no code chosen by the file)"
                else:
                    call.verdict, call.why = "unsafe", f"{inst.data_class.qualified}.__setstate__ gets a non-dict state"
            elif use is None or not (use.ext_code is None and self.allowlist.is_safe(use.module, use.name)):
                call.verdict, call.why = "unsafe", "__setstate__ of an object made by a call off the allowlist"
            call.passes = [g for g in _globals_in(state) if not self.allowlist.is_safe(g.module, g.name)] \
                if call.verdict != "data" else []
            result.calls.append(call)
            if use is None or use.qualified not in self.allowlist.weights_only:
                result.weights_only_violation(f"BUILD of {_describe(inst)} at offset {pos}")
            return
        # BUILD on a plain value: pickle.py fails (no __setstate__, no __dict__); nothing is called.
        result.weights_only_violation(f"BUILD of {_describe(inst)} at offset {pos}")

    def _append(self, target: Any, items: List[Any], opcode: str, pos: int, result: StreamResult) -> None:
        if isinstance(target, list):
            target.extend(items)
            return
        if isinstance(target, Opaque) and target.kind == "set" and opcode == "ADDITEMS":
            target.detail.extend(items)
            return
        if isinstance(target, Obj):
            # pickle.py calls the object's own append/extend/add: a call on an imported class.
            use = _global_of(target.creator)
            result.calls.append(CallUse(opcode, pos, use, f"{_describe(target.creator)}.append"))
        result.weights_only_violation(f"{opcode} to {_describe(target)} at offset {pos}")

    def _setitems(self, target: Any, items: List[Any], opcode: str, pos: int, result: StreamResult) -> None:
        if isinstance(target, dict):
            for i in range(0, len(items), 2):
                target[_dict_key(items[i], opcode, pos)] = items[i + 1]
            return
        if isinstance(target, Obj):
            use = _global_of(target.creator)
            result.calls.append(CallUse(opcode, pos, use, f"{_describe(target.creator)}.__setitem__"))
            if use is not None and use.qualified in ("collections.OrderedDict", "collections.Counter"):
                return
        result.weights_only_violation(f"{opcode} into {_describe(target)} at offset {pos}")

    @staticmethod
    def _dict_from(items: List[Any], pos: int) -> dict:
        if len(items) % 2:
            raise PickleFault(pos, "DICT with an odd number of items")
        out = {}
        for i in range(0, len(items), 2):
            out[_dict_key(items[i], "DICT", pos)] = items[i + 1]
        return out

    # -- joblib --------------------------------------------------------------------
    def _joblib_array(self, result: StreamResult, wrapper: Obj, end: int) -> Obj:
        """Account for the array bytes joblib writes right after a ``NumpyArrayWrapper`` BUILD.

        Source: joblib/numpy_pickle.py ``NumpyArrayWrapper.write_array``/``read_array``:
        optional 1-byte padding length plus padding (alignment), then either the raw
        array (count x itemsize bytes) or, for object dtypes, a nested pickle stream.
        """
        state = wrapper.state
        if not isinstance(state, dict):
            raise PickleFault(end, "joblib NumpyArrayWrapper state is not a dict")
        shape = state.get("shape")
        dtype = state.get("dtype")
        if not isinstance(shape, tuple) or not all(type(d) is int and d >= 0 for d in shape):
            raise PickleFault(end, f"joblib array shape {_describe(shape)} is not a tuple of sizes")
        descr, itemsize, has_object = _dtype_info(dtype)
        if descr is None:
            raise BudgetExceeded(end, f"joblib array dtype {_describe(dtype)} cannot be sized without NumPy")
        count = 1
        for d in shape:
            count *= d
        if has_object:
            inner = self.run(end, joblib=False)
            result.nested.append(inner)
            return Obj(wrapper.creator, None, end)
        here = end
        if state.get("numpy_array_alignment_bytes") is not None:
            if here >= self.size:
                raise PickleFault(here, "joblib array padding byte is missing")
            pad = self._raw(here, here + 1)[0]
            here += 1 + pad
        nbytes = count * itemsize
        if here + nbytes > self.size:
            raise PickleFault(end, f"joblib array of {nbytes} bytes at offset {here} runs past the end of the data")
        result.skipped_bytes += here + nbytes - end
        self.buf.seek(here + nbytes)
        return Obj(wrapper.creator, None, end)


#: NumPy dtype kind letters whose descriptor digits give the item size (``U`` in 4-byte code points).
_DTYPE_KINDS = frozenset("b?iufcMmSaVUO")
#: Kinds whose item size is part of the dtype (NumPy's "flexible" types: PyDataType_ISFLEXIBLE).
_FLEXIBLE_KINDS = frozenset("SaUV")


def _dtype_info(dtype: Any, depth: int = 0) -> Tuple[Optional[str], int, bool]:
    """``(descr, itemsize, has_object)`` of a simulated ``numpy.dtype(descr, align, copy)`` call.

    Returns ``(None, 0, False)`` when the dtype is not a plain ``numpy.dtype`` call with a
    descriptor string NumPy's pickling would write (``'<f4'`` style without byte order).
    """
    if depth > 32 or not isinstance(dtype, Obj) or not isinstance(dtype.args, tuple) or not dtype.args:
        return None, 0, False  # (nested field dtypes can be made cyclic through the memo)
    use = _global_of(dtype.creator)
    if use is None or (use.module, use.name) != ("numpy", "dtype"):
        return None, 0, False
    descr = dtype.args[0]
    if not isinstance(descr, str) or not descr:
        return None, 0, False
    kind, digits = descr[0], descr[1:]
    state = dtype.state if isinstance(dtype.state, tuple) else ()
    fields = state[4] if len(state) > 4 else None
    elsize = state[5] if len(state) > 5 and type(state[5]) is int and state[5] > 0 else None
    if kind == "O":
        return descr, 8, True
    if kind == "V" and fields:
        if not isinstance(fields, dict):
            return None, 0, False
        for value in fields.values():
            sub = value[0] if isinstance(value, tuple) and value else None
            sub_descr, _, sub_object = _dtype_info(sub, depth + 1)
            if sub_descr is None or sub_object:
                return None, 0, False
        return (descr, elsize, False) if elsize else (None, 0, False)
    if kind not in _DTYPE_KINDS or (digits and not digits.isdigit()):
        return None, 0, False
    if elsize and kind in _FLEXIBLE_KINDS:
        # numpy's arraydescr_setstate takes elsize from the state only for flexible types; for
        # fixed types it ignores it, so a lying elsize must not change how many bytes are skipped.
        return descr, elsize, False
    if kind in ("b", "?") and not digits:
        return descr, 1, False
    if not digits:
        return None, 0, False
    size = int(digits)
    if kind == "U":
        size *= 4
    return descr, size, False
