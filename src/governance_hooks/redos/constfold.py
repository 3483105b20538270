"""Evaluate the constant expressions that build regex patterns, without running the code.

Patterns are often assembled at import time from other constants: ``%`` and
``.format`` formatting, f-strings of constants, ``+``, ``"|".join([...])``,
comprehensions over constant sequences,
``re.escape`` of literals, class constants built from other constants,
constants imported from sibling modules, and small helpers (local or imported) such as
``def tobytes(s): return s.encode("latin-1")``.  All of these are fixed when
the module is imported, so they can be folded from the ``ast`` alone.

:func:`Evaluator.value` returns the folded Python value or an
:class:`Unresolved` carrying a one-line reason (``"'pattern' is a function
parameter"``).  Work is bounded: recursion depth, the size of every string
built, and the number of steps per top-level evaluation.
"""

from __future__ import annotations

import ast
import re
import string
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

#: Largest string or container built while folding (a hostile ``"a" * 10**9`` stays data).
MAX_VALUE = 200_000
#: Steps per top-level evaluation (names followed, nodes visited).
MAX_STEPS = 20_000
MAX_DEPTH = 60


@dataclass(frozen=True)
class Unresolved:
    """A value that cannot be known statically, with the reason in words."""

    reason: str


class _Stop(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_STR_METHODS = {"lower", "upper", "strip", "lstrip", "rstrip", "replace", "encode", "decode", "casefold",
                "title", "capitalize", "swapcase", "expandtabs", "zfill", "ljust", "rjust", "center",
                "removeprefix", "removesuffix"}


#: Constants of the standard library that patterns are built from: fixed by the language, not by the
#: installation (``string.punctuation`` is the same ASCII set on every CPython 3).
_STDLIB_CONSTANTS = {"string": {name: getattr(string, name) for name in (
    "ascii_letters", "ascii_lowercase", "ascii_uppercase", "digits", "hexdigits", "octdigits", "punctuation",
    "whitespace", "printable")}}


def _size(value) -> int:
    if isinstance(value, (str, bytes, tuple, list, dict, frozenset, set)):
        return len(value)
    return 1


class Scope:
    """Names visible at one point: innermost first.

    Attributes:
        layers: dicts ``name -> AST node`` (function locals, class body, module).
        params: names that are function parameters here (reported as such).
        module: the :class:`~.modinfo.ModuleInfo` of the file (imports, classes, functions).
        class_name: the enclosing class (for ``self.X`` / ``cls.X``).
    """

    def __init__(self, layers: List[Dict[str, ast.AST]], module, params=frozenset(), class_name: Optional[str] = None,
                 bound: Optional[Dict[str, object]] = None) -> None:
        self.layers = layers
        self.module = module
        self.params = params
        self.class_name = class_name
        self.bound = bound or {}  # names bound to already-folded values (helper arguments)


class Evaluator:
    """Folds expressions; ``resolve(module_name)`` gives another module's ModuleInfo or None."""

    def __init__(self, resolve: Callable[[str], object]) -> None:
        self.resolve = resolve
        self.steps = 0

    def value(self, node: ast.AST, scope: Scope):
        """The folded value of ``node``, or :class:`Unresolved`."""
        self.steps = 0
        try:
            return self._eval(node, scope, 0)
        except _Stop as stop:
            return Unresolved(stop.reason)
        except (RecursionError, MemoryError, OverflowError):
            return Unresolved("expression too deep or too large to fold")

    # -- dispatch ----------------------------------------------------------------
    def _eval(self, node: ast.AST, scope: Scope, depth: int):
        self.steps += 1
        if depth > MAX_DEPTH or self.steps > MAX_STEPS:
            raise _Stop("expression too deep to fold")
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise _Stop(f"{_describe(node)} is computed at run time")
        result = method(node, scope, depth + 1)
        if _size(result) > MAX_VALUE:
            raise _Stop("folded value is too large")
        return result

    def _Constant(self, node: ast.Constant, scope: Scope, depth: int):
        return node.value

    def _JoinedStr(self, node: ast.JoinedStr, scope: Scope, depth: int):
        out = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                out.append(str(part.value))
                continue
            assert isinstance(part, ast.FormattedValue)
            value = self._eval(part.value, scope, depth)
            if part.conversion == ord("r"):
                value = repr(value)
            elif part.conversion == ord("s"):
                value = str(value)
            elif part.conversion == ord("a"):
                value = ascii(value)
            spec = self._eval(part.format_spec, scope, depth) if part.format_spec is not None else ""
            _check_widths(spec)
            out.append(self._apply(format, value, spec))
        return "".join(out)

    def _BinOp(self, node: ast.BinOp, scope: Scope, depth: int):
        left = self._eval(node.left, scope, depth)
        right = self._eval(node.right, scope, depth)
        op = node.op
        if isinstance(op, ast.Mult):
            count = right if isinstance(right, int) else left if isinstance(left, int) else None
            other = left if isinstance(right, int) else right
            if count is not None and _size(other) * max(count, 0) > MAX_VALUE:
                raise _Stop("folded value is too large")
        if isinstance(op, ast.Mod) and isinstance(left, (str, bytes)):
            _check_widths(left)
            return self._apply(lambda a, b: a % b, left, right)
        if isinstance(op, ast.Pow):
            raise _Stop("exponentiation is not folded")
        if isinstance(op, (ast.LShift,)) and isinstance(right, int) and right > 64:
            raise _Stop("folded value is too large")
        ops = {ast.Add: lambda a, b: a + b, ast.Mult: lambda a, b: a * b, ast.BitOr: lambda a, b: a | b,
               ast.BitAnd: lambda a, b: a & b, ast.Sub: lambda a, b: a - b, ast.LShift: lambda a, b: a << b}
        fn = ops.get(type(op))
        if fn is None:
            raise _Stop(f"operator {type(op).__name__} is not folded")
        return self._apply(fn, left, right)

    def _UnaryOp(self, node: ast.UnaryOp, scope: Scope, depth: int):
        operand = self._eval(node.operand, scope, depth)
        if isinstance(node.op, ast.Invert) and isinstance(operand, int):
            return ~operand
        if isinstance(node.op, ast.USub) and isinstance(operand, (int, float)):
            return -operand
        raise _Stop("unary operator is not folded")

    def _Tuple(self, node, scope: Scope, depth: int):
        return tuple(self._eval(e, scope, depth) for e in node.elts)

    def _List(self, node, scope: Scope, depth: int):
        return [self._eval(e, scope, depth) for e in node.elts]

    def _Set(self, node, scope: Scope, depth: int):
        # a set of strings joined into a character class: any order gives the same class
        return frozenset(self._eval(e, scope, depth) for e in node.elts)

    def _Dict(self, node: ast.Dict, scope: Scope, depth: int):
        if any(k is None for k in node.keys):
            raise _Stop("dict unpacking is not folded")
        return {self._eval(k, scope, depth): self._eval(v, scope, depth) for k, v in zip(node.keys, node.values)}

    def _Subscript(self, node: ast.Subscript, scope: Scope, depth: int):
        container = self._eval(node.value, scope, depth)
        if isinstance(node.slice, ast.Slice):
            parts = [self._eval(p, scope, depth) if p is not None else None
                     for p in (node.slice.lower, node.slice.upper, node.slice.step)]
            return self._apply(lambda c: c[slice(*parts)], container)
        key = self._eval(node.slice, scope, depth)
        return self._apply(lambda c, k: c[k], container, key)

    def _ListComp(self, node: ast.ListComp, scope: Scope, depth: int):
        # ``[x % SUBS for x in VARIATIONS]`` over a constant iterable (urllib3's IPv6 pattern):
        # one ``for`` binding plain names; each element costs steps, so the fold stays bounded
        if len(node.generators) != 1 or node.generators[0].is_async:
            raise _Stop("a comprehension with several loops is not folded")
        gen = node.generators[0]
        names = [gen.target.id] if isinstance(gen.target, ast.Name) else \
            [e.id for e in gen.target.elts if isinstance(e, ast.Name)] if isinstance(gen.target, ast.Tuple) else []
        if not names or (isinstance(gen.target, ast.Tuple) and len(names) != len(gen.target.elts)):
            raise _Stop("a comprehension target other than names is not folded")
        iterable = self._eval(gen.iter, scope, depth)
        if not isinstance(iterable, (str, bytes, tuple, list, dict)):
            raise _Stop("a comprehension over a value that is not a sequence is not folded")
        out = []
        for item in iterable:
            values = [item] if len(names) == 1 else self._apply(lambda v: list(v), item)
            if len(values) != len(names):
                raise _Stop("a comprehension target does not unpack")
            inner = Scope(scope.layers, scope.module, scope.params, scope.class_name,
                          {**scope.bound, **dict(zip(names, values))})
            if all(self._eval(cond, inner, depth) for cond in gen.ifs):
                out.append(self._eval(node.elt, inner, depth))
        return out

    _GeneratorExp = _ListComp

    def _IfExp(self, node, scope: Scope, depth: int):
        raise _Stop("a conditional expression is decided at run time")

    # -- names -------------------------------------------------------------------
    def _Name(self, node: ast.Name, scope: Scope, depth: int):
        name = node.id
        if name in scope.bound:
            return scope.bound[name]
        for layer in scope.layers:
            if name in layer:
                target = layer[name]
                if target is None:
                    raise _Stop(f"'{name}' is assigned more than once")
                return self._eval(target, scope, depth)
        if name in scope.params:
            raise _Stop(f"'{name}' is a function parameter")
        module = scope.module
        if module is not None and name in module.imports:
            source, attr = module.imports[name]
            return self._imported(source, attr, name, depth)
        if name in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[name]
        raise _Stop(f"'{name}' is not a constant of this module")

    def _imported(self, source: str, attr: Optional[str], name: str, depth: int):
        if attr is None:
            raise _Stop(f"'{name}' is a module")
        if attr in _STDLIB_CONSTANTS.get(source, {}):
            return _STDLIB_CONSTANTS[source][attr]
        other = self.resolve(source)
        if other is None:
            raise _Stop(f"'{name}' comes from {source}, which is not in the scanned tree")
        if attr in other.constants:
            target = other.constants[attr]
            if target is None:
                raise _Stop(f"'{name}' is assigned more than once in {source}")
            return self._eval(target, other.scope(), depth)
        if attr in other.imports:
            sub_source, sub_attr = other.imports[attr]
            return self._imported(sub_source, sub_attr, name, depth + 1)
        raise _Stop(f"'{name}' is not a constant of {source}")

    def _Attribute(self, node: ast.Attribute, scope: Scope, depth: int):
        base = node.value
        module = scope.module
        if isinstance(base, ast.Name) and module is not None:
            owner = scope.class_name if base.id in ("self", "cls") else base.id
            if owner in module.classes:
                consts = module.classes[owner].constants
                if node.attr in consts and consts[node.attr] is not None:
                    return self._eval(consts[node.attr], module.class_scope(owner), depth)
                # inherited from a base class of the same module
                for parent in module.classes[owner].bases:
                    if parent in module.classes and node.attr in module.classes[parent].constants:
                        return self._eval(module.classes[parent].constants[node.attr], module.class_scope(parent), depth)
                prop = module.classes[owner].methods.get(node.attr)
                if prop is not None and any(isinstance(d, ast.Name) and d.id in ("property", "cached_property")
                                            for d in prop.decorator_list):
                    body = [st for st in prop.body if not (isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant))]
                    if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None:
                        return self._eval(body[0].value, module.class_scope(owner), depth)
                raise _Stop(f"'{base.id}.{node.attr}' is not a class constant")
            if base.id in module.imports:
                source, attr = module.imports[base.id]
                full = source if attr is None else f"{source}.{attr}"
                if full in ("re", "regex"):
                    flag = getattr(re, node.attr, None)
                    if isinstance(flag, int):
                        return int(flag)
                if node.attr in _STDLIB_CONSTANTS.get(full, {}):
                    return _STDLIB_CONSTANTS[full][node.attr]
                other = self.resolve(full)
                if other is not None:
                    if node.attr in other.constants and other.constants[node.attr] is not None:
                        return self._eval(other.constants[node.attr], other.scope(), depth)
                    raise _Stop(f"'{base.id}.{node.attr}' is not a constant of {full}")
            if base.id in module.re_aliases:
                from .regex_syntax import REGEX_ONLY

                if module.re_aliases[base.id] == "regex" and node.attr in REGEX_ONLY:
                    return REGEX_ONLY[node.attr]
                flag = getattr(re, node.attr, None)
                if isinstance(flag, int) and not callable(flag):
                    return int(flag)
        raise _Stop(f"{_describe(node)} is computed at run time")

    # -- calls -------------------------------------------------------------------
    def _Call(self, node: ast.Call, scope: Scope, depth: int):
        func = node.func
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            raise _Stop("call with * or ** arguments is not folded")
        module = scope.module
        if isinstance(func, ast.Attribute):
            # re.escape(...), regex.escape(...)
            if isinstance(func.value, ast.Name) and module is not None and func.value.id in module.re_aliases:
                if func.attr == "escape" and len(node.args) == 1:
                    return self._apply(re.escape, self._eval(node.args[0], scope, depth))
                raise _Stop(f"{_describe(node)} is computed at run time")
            if func.attr in ("format", "join") or func.attr in _STR_METHODS:
                receiver = self._eval(func.value, scope, depth)
                if isinstance(receiver, (str, bytes)):
                    args = [self._eval(a, scope, depth) for a in node.args]
                    kwargs = {k.arg: self._eval(k.value, scope, depth) for k in node.keywords}
                    if func.attr == "format":
                        _check_widths(receiver)
                    if any(isinstance(a, int) and a > MAX_VALUE for a in args):
                        raise _Stop("folded value is too large")
                    if func.attr == "join" and args and isinstance(args[0], dict):
                        args[0] = list(args[0])
                    if func.attr == "join" and args and isinstance(args[0], (set, frozenset)):
                        args[0] = sorted(args[0], key=repr)  # any order gives the same class; keep it stable
                    return self._apply(getattr(receiver, func.attr), *args, **kwargs)
            if func.attr in ("keys", "values", "items") and not node.args:
                receiver = self._eval(func.value, scope, depth)
                if isinstance(receiver, dict):
                    return list(getattr(receiver, func.attr)())
            raise _Stop(f"{_describe(node)} is computed at run time")
        if isinstance(func, ast.Name):
            if module is not None and func.id in module.re_functions and module.re_functions[func.id][1] == "escape":
                return self._apply(re.escape, self._eval(node.args[0], scope, depth))
            if func.id in ("str", "bytes", "tuple", "list", "sorted", "frozenset", "set", "len", "int", "chr", "ord"):
                shadowed = any(func.id in layer for layer in scope.layers) or (module and func.id in module.functions)
                if not shadowed:
                    args = [self._eval(a, scope, depth) for a in node.args]
                    kwargs = {k.arg: self._eval(k.value, scope, depth) for k in node.keywords}
                    return self._apply(__builtins__[func.id] if isinstance(__builtins__, dict) else getattr(__builtins__, func.id),
                                       *args, **kwargs)
            if func.id == "map" and len(node.args) == 2 and not (module and "map" in module.functions):
                mapper = self._mapper(node.args[0], scope)
                items = self._eval(node.args[1], scope, depth)
                return [self._apply(mapper, item) for item in self._apply(list, items)]
            helper = module.functions.get(func.id) if module is not None else None
            if helper is not None:
                return self._helper(helper, node, scope, depth, module)
            if module is not None and func.id in module.imports and not any(func.id in layer for layer in scope.layers):
                # a one-line helper imported from another module of the tree (waitress: compat.tobytes)
                source, attr = module.imports[func.id]
                other = self.resolve(source) if attr is not None else None
                helper = other.functions.get(attr) if other is not None else None
                if helper is not None:
                    return self._helper(helper, node, scope, depth, other)
        raise _Stop(f"{_describe(node)} is computed at run time")

    def _mapper(self, node: ast.AST, scope: Scope):
        """The function of ``map(f, ...)``: ``re.escape`` or ``str``."""
        module = scope.module
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and module is not None \
                and node.value.id in module.re_aliases and node.attr == "escape":
            return re.escape
        if isinstance(node, ast.Name) and module is not None and module.re_functions.get(node.id, ("", ""))[1] == "escape":
            return re.escape
        if isinstance(node, ast.Name) and node.id == "str":
            return str
        raise _Stop(f"map({_describe(node, False)}, ...) is not folded")

    def _helper(self, helper: ast.FunctionDef, call: ast.Call, scope: Scope, depth: int, module):
        """A helper whose body is one ``return <expr>`` (docstring allowed): fold it with its arguments."""
        body = [s for s in helper.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        if len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None:
            raise _Stop(f"'{helper.name}(...)' is computed at run time")
        params = [a.arg for a in helper.args.posonlyargs + helper.args.args]
        defaults = helper.args.defaults
        bound: Dict[str, object] = {}
        for i, name in enumerate(params):
            if i < len(call.args):
                bound[name] = self._eval(call.args[i], scope, depth)
            else:
                kw = next((k for k in call.keywords if k.arg == name), None)
                if kw is not None:
                    bound[name] = self._eval(kw.value, scope, depth)
                else:
                    offset = i - (len(params) - len(defaults))
                    if offset < 0:
                        raise _Stop(f"'{helper.name}(...)' is called without '{name}'")
                    bound[name] = self._eval(defaults[offset], module.scope(), depth)
        inner = Scope([module.constants], module, bound=bound)
        return self._eval(body[0].value, inner, depth)

    @staticmethod
    def _apply(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a folding error means "not a constant we can know"
            raise _Stop(f"cannot fold: {type(exc).__name__}") from None


def _check_widths(template) -> None:
    """Refuse a format template whose field width would build a huge string (``'{:>999999999}'``)."""
    text = template.decode("latin-1") if isinstance(template, bytes) else template
    if isinstance(text, str) and re.search(r"\d{7,}", text):
        raise _Stop("folded value is too large")


def _describe(node: ast.AST, quote: bool = True) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # noqa: BLE001 - only for the message
        text = type(node).__name__
    text = " ".join(text.split())
    text = text[:60] + "..." if len(text) > 60 else text
    return f"'{text}'" if quote else text


def describe(node: ast.AST) -> str:
    """A short source rendering of ``node`` for messages (unquoted)."""
    return _describe(node, quote=False)


def origin(node: ast.AST, scope: Scope, limit: int = 20) -> Tuple[ast.AST, Optional[str]]:
    """The node that holds the literal: ``node`` itself or the definition a name or constant refers to.

    Returns ``(node, path)``: ``path`` is None for the current file, or the
    module name when the definition is in an imported module (the location
    then stays at the use).
    """
    module = scope.module
    for _ in range(limit):
        if isinstance(node, ast.Name):
            found = next((layer[node.id] for layer in scope.layers if node.id in layer and layer[node.id] is not None), None)
            if found is None:
                return node, None
            node = found
            continue
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and module is not None:
            owner = scope.class_name if node.value.id in ("self", "cls") else node.value.id
            cls = module.classes.get(owner)
            if cls is not None and cls.constants.get(node.attr) is not None:
                node = cls.constants[node.attr]
                continue
        return node, None
    return node, None
