"""Find literal regular expressions in Python source with ``ast`` (never imports or runs it).

Recognised (for ``re`` and the third-party ``regex`` module, under any alias):

* ``re.compile/match/fullmatch/search/sub/subn/split/findall/finditer(<literal>, ...)``
  and ``from re import search`` style calls;
* methods on compiled patterns: ``PAT = re.compile(...)`` at module level, as a
  class attribute, ``self.x = re.compile(...)`` or a local, then ``PAT.search(...)``,
  ``self.x.match(...)``, ``Cls.PAT.sub(...)``, or ``re.compile(...).findall(...)``;
* patterns and flags held in module or class constants (``WORD = r"\\w+"``);
* str and bytes literals, implicit concatenation, ``+`` of literals, and flags
  given positionally, by keyword or as ``|`` combinations (inline flags are
  read by the regex parser itself);
* ``.match(text, pos)`` inside a loop is a tokenizer that re-applies the
  pattern at advancing positions: it is analysed like ``search``;
* Pygments-style lexers: ``tokens = {"state": [(r"regex", Token), ...]}``
  class attributes (applied with ``match`` at a position, flags from the
  class's ``flags`` attribute, default ``re.MULTILINE``).

Non-literal patterns (f-strings, variables built at run time) are skipped.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple, Union

from .. import pysource
from .constfold import Evaluator, Scope, Unresolved, describe, origin
from .modinfo import FLAGS_POSITION, ModuleInfo, Modules, resolve_re_call
from .regex_syntax import REGEX_ONLY
from .sites import RegexSite, SourceProblem

METHODS = ("match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer", "scanner")
KIND_OF = {"match": "match", "fullmatch": "fullmatch"}  # everything else tries every position

FLAG_NAMES = {
    "I": re.I, "IGNORECASE": re.I, "M": re.M, "MULTILINE": re.M, "S": re.S, "DOTALL": re.S,
    "X": re.X, "VERBOSE": re.X, "A": re.A, "ASCII": re.A, "U": re.U, "UNICODE": re.U,
    "L": re.L, "LOCALE": re.L, "T": 0, "TEMPLATE": 0, "DEBUG": 0, "NOFLAG": 0,
}

#: Third-party APIs that take regex tables: callable name -> (argument index, shape, call kind).
#: ``pairs`` is a list of ``(regex, tag)``; ``pattern`` one regex.  Source: nltk.tag.RegexpTagger
#: (``re.match`` per token), nltk.tokenize.RegexpTokenizer / regexp_tokenize (``findall``/``split``).
TABLE_SINKS = {
    "RegexpTagger": (0, "pairs", "match"),
    "RegexpTokenizer": (0, "pattern", "search"),
    "regexp_tokenize": (1, "pattern", "search"),
    # re.Scanner(lexicon): [(pattern, action), ...] joined into one pattern, matched at every position
    "re.Scanner": (0, "pairs", "search"),
}

Literal = Union[str, bytes]


@dataclass
class _Call:
    """A call that applies a pattern: ``re.search`` or a wrapper around it."""

    module: str
    function: str
    display: str
    pattern: Optional[ast.AST]
    flags: Optional[ast.AST]
    flags_scope: Optional[Scope] = None  # where a wrapper's default flags are evaluated
    fixed_flags: int = 0


class _Extractor(ast.NodeVisitor):
    def __init__(self, path: str, lines: List[str], info: ModuleInfo, modules: Optional[Modules]) -> None:
        self.path = path
        self.lines = lines
        self.info = info
        self.modules = modules
        self.evaluator = Evaluator(modules.resolve if modules is not None else (lambda name: None))
        self.sites: Dict[Tuple[int, int, str], RegexSite] = {}
        self.problems: List[SourceProblem] = []
        self.compiled: Dict[str, RegexSite] = {}   # "NAME" / "Cls.x" / "func::NAME" -> site
        self.pending: List[Tuple[List[str], str, ast.AST, bool, bool]] = []  # keys, method, call, in_loop, stops
        self.escaped: set = set()                  # compiled keys passed on or returned
        self.class_stack: List[str] = []
        self.func_stack: List[str] = []
        self.locals_stack: List[Dict[str, Optional[ast.AST]]] = []
        self.params_stack: List[frozenset] = []
        self.wrapper_params: List[ast.AST] = []  # the enclosing functions (maybe wrappers)
        self.loop_bindings: List[Dict[str, Tuple[ast.AST, ast.AST]]] = [{}]  # name -> (target, iter)
        self.loops: List[ast.AST] = []
        self._in_class_body = False

    # -- helpers -------------------------------------------------------------
    def column(self, node: ast.AST) -> int:
        """1-based character column (ast gives UTF-8 byte offsets)."""
        line = self.lines[node.lineno - 1] if 0 < node.lineno <= len(self.lines) else ""
        prefix = line.encode("utf-8", "surrogateescape")[: node.col_offset]
        return len(prefix.decode("utf-8", "replace")) + 1

    def scope(self) -> Scope:
        layers: List[Dict[str, Optional[ast.AST]]] = list(reversed(self.locals_stack))
        if self.class_stack and self._in_class_body:
            layers.append(self.info.classes[self.class_stack[-1]].constants
                          if self.class_stack[-1] in self.info.classes else {})
        layers.append(self.info.constants)
        params = frozenset().union(*self.params_stack) if self.params_stack else frozenset()
        return Scope(layers, self.info, params, self.class_stack[-1] if self.class_stack else None)

    def flags_of(self, node: Optional[ast.AST], scope: Optional[Scope] = None) -> int:
        if node is None:
            return 0
        value = self.evaluator.value(node, scope or self.scope())
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return self._flags_by_name(node)

    def _flags_by_name(self, node: ast.AST, depth: int = 0) -> int:
        """Flags spelled with names the folder does not know (``from re import I``)."""
        if depth > 20:
            return 0
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitOr, ast.Add)):
            return self._flags_by_name(node.left, depth + 1) | self._flags_by_name(node.right, depth + 1)
        if isinstance(node, ast.Name) and node.id in FLAG_NAMES and node.id in self.info.re_functions:
            return int(FLAG_NAMES[node.id])
        if isinstance(node, ast.Attribute) and node.attr in FLAG_NAMES:
            return int(FLAG_NAMES[node.attr])
        if isinstance(node, ast.Attribute) and node.attr in REGEX_ONLY:
            return REGEX_ONLY[node.attr]
        return 0

    def add_site(self, pattern_node: ast.AST, flags: int, kind: Optional[str], call: str, module: str,
                 call_node: Optional[ast.AST] = None) -> Optional[RegexSite]:
        scope = self.scope()
        table = self.table_elements(pattern_node)
        if table is not None:
            site = None
            for element in table:
                site = self.add_site(element, flags, kind, f"{call} (table)", module, call_node) or site
            return site
        value = self.evaluator.value(pattern_node, scope)
        if isinstance(value, Unresolved):
            self.unresolved(pattern_node, value.reason, call, call_node)
            return None
        if not isinstance(value, (str, bytes)):
            if isinstance(value, (list, tuple)) or not hasattr(value, "pattern"):
                self.unresolved(pattern_node, f"the pattern is a {type(value).__name__}, not a string", call, call_node)
            return None
        where, _ = origin(pattern_node, scope)
        if not hasattr(where, "lineno"):
            where = pattern_node
        key = (where.lineno, where.col_offset, repr((value, flags)))
        site = self.sites.get(key)
        if site is None:
            site = RegexSite(self.path, where.lineno, self.column(where), value, flags, set(), [], module,
                             getattr(where, "end_lineno", None) or where.lineno, "")
            self.sites[key] = site
        if call_node is not None and call_node.lineno not in site.call_lines:
            site.call_lines.append(call_node.lineno)
        if kind is not None:
            site.kinds.add(kind)
            if call not in site.calls:
                site.calls.append(call)
        return site

    def unresolved(self, node: ast.AST, reason: str, call: str, call_node: Optional[ast.AST]) -> None:
        function = self.wrapper_params[-1] if self.wrapper_params else None
        wrapper = self.info.wrapper(function) if function is not None else None
        if wrapper is not None and (isinstance(node, ast.Name) and node.id == wrapper.pattern_name
                                    or wrapper.pattern_attr is not None and isinstance(node, ast.Attribute)
                                    and isinstance(node.value, ast.Name) and node.value.id == "self"
                                    and node.attr == wrapper.pattern_attr):
            return  # a wrapper's own parameter: its callers are analysed instead
        at = call_node or node
        self.problems.append(SourceProblem(
            self.path, getattr(at, "lineno", None), self.column(at) if hasattr(at, "col_offset") else None,
            f"pattern of {call} is built from values that cannot be resolved statically ({reason}): "
            f"{describe(node)} not analysed"))

    def table_elements(self, node: ast.AST) -> Optional[List[ast.AST]]:
        """The pattern nodes of a regex table a loop variable walks over, else None."""
        if not isinstance(node, ast.Name):
            return None
        binding = next((b[node.id] for b in reversed(self.loop_bindings) if node.id in b), None)
        if binding is None:
            return None
        target, iterable = binding
        items_of = None
        if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute) and not iterable.args \
                and iterable.func.attr in ("items", "values", "keys"):
            items_of = iterable.func.attr
            iterable = iterable.func.value
        container, _ = origin(iterable, self.scope())
        if isinstance(container, ast.Subscript) and isinstance(container.slice, ast.Constant):
            # TABLE["root"]: one entry of a dict of tables (a lexer's states)
            outer, _ = origin(container.value, self.scope())
            if isinstance(outer, ast.Name) and outer.id in self.info.history:
                # reassigned later (``TABLE = [compiled ...]``): the value before this use
                before = [v for line, v in self.info.history[outer.id] if line < node.lineno]
                outer = before[-1] if before else outer
            if isinstance(outer, ast.Dict):
                container = next((v for k, v in zip(outer.keys, outer.values)
                                  if isinstance(k, ast.Constant) and k.value == container.slice.value), container)
        if isinstance(container, ast.Dict):
            keys = [k for k in container.keys if k is not None]
            if items_of == "values":
                elements = list(container.values)
            elif items_of == "items":
                elements = [ast.Tuple(elts=[k, v], ctx=ast.Load()) for k, v in zip(container.keys, container.values)]
            else:
                elements = keys
        elif isinstance(container, (ast.List, ast.Tuple, ast.Set)) and items_of is None:
            elements = list(container.elts)
        else:
            return None
        return [e for e in (_destructure(target, node.id, element) for element in elements) if e is not None]

    def resolve_call(self, func: ast.AST) -> Optional[_Call]:
        """``re.search``-like calls and wrappers around them (module functions, imports, methods)."""
        got = resolve_re_call(func, self.info)
        if got is not None:
            module, function = got
            return _Call(module, function, f"{module}.{function}", None, None)
        wrapper, owner, display = None, self.info, None
        if isinstance(func, ast.Name):
            if func.id in self.info.functions:
                wrapper = self.info.wrapper(self.info.functions[func.id])
            elif func.id in self.info.classes:
                wrapper = self.info.constructor(func.id)
            elif func.id in self.info.imports and self.modules is not None:
                source, attr = self.info.imports[func.id]
                other = self.modules.resolve(source) if attr else None
                if other is not None and attr in other.functions:
                    wrapper, owner = other.wrapper(other.functions[attr]), other
                elif other is not None and attr in other.classes:
                    wrapper, owner = other.constructor(attr), other
            display = func.id
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            base = func.value.id
            if base in ("self", "cls") and self.class_stack:
                cls = self.info.classes.get(self.class_stack[-1])
                if cls is not None and func.attr in cls.methods:
                    wrapper = self.info.wrapper(cls.methods[func.attr])
                display = f"{base}.{func.attr}"
            elif base in self.info.imports and self.modules is not None:
                source, attr = self.info.imports[base]
                other = self.modules.resolve(source if attr is None else f"{source}.{attr}")
                if other is not None and func.attr in other.functions:
                    wrapper, owner = other.wrapper(other.functions[func.attr]), other
                display = f"{base}.{func.attr}"
        if wrapper is None:
            return None
        fixed = self.flags_of(wrapper.fixed_flags, owner.scope()) if wrapper.fixed_flags is not None else 0
        return _Call(wrapper.module, wrapper.function, f"{display} -> {wrapper.module}.{wrapper.function}",
                     None, wrapper.flags_default, owner.scope(), fixed), wrapper  # type: ignore[return-value]

    def call_arguments(self, node: ast.Call, resolved) -> Tuple[Optional[ast.AST], int]:
        """The pattern node and the flags of a resolved call."""
        if isinstance(resolved, tuple):
            info, wrapper = resolved
            pattern = self.argument(node, wrapper.pattern_index, wrapper.pattern_name)
            flags = info.fixed_flags
            if wrapper.flags_index is not None:
                given = self.argument(node, wrapper.flags_index, wrapper.flags_name)
                if given is not None:
                    flags |= self.flags_of(given)
                elif info.flags is not None:
                    flags |= self.flags_of(info.flags, info.flags_scope)
            return pattern, flags
        pattern = self.argument(node, 0, "pattern")
        flags = self.flags_of(self.argument(node, FLAGS_POSITION[resolved.function], "flags"))
        return pattern, flags

    @staticmethod
    def call_info(resolved) -> _Call:
        return resolved[0] if isinstance(resolved, tuple) else resolved

    @staticmethod
    def argument(call: ast.Call, position: int, keyword: Optional[str]) -> Optional[ast.AST]:
        if len(call.args) > position and not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
            return call.args[position]
        for kw in call.keywords:
            if kw.arg == keyword:
                return kw.value
        return None

    def target_key(self, node: ast.AST) -> Optional[str]:
        if isinstance(node, ast.Name):
            if self.class_stack and self._in_class_body:
                return f"{self.class_stack[-1]}.{node.id}"
            if self.func_stack:
                return f"{self.func_stack[-1]}::{node.id}"  # a local: not visible in other functions
            return node.id
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in ("self", "cls") and self.class_stack:
                return f"{self.class_stack[-1]}.{node.attr}"
            return f"{node.value.id}.{node.attr}"
        return None

    def receiver_keys(self, receiver: ast.AST) -> List[str]:
        key = self.target_key(receiver)
        if key is None:
            return []
        keys = [key]
        if isinstance(receiver, ast.Name) and key != receiver.id:
            keys.append(receiver.id)  # a module-level name seen from a function
            if receiver.id in self.info.classes:
                pass
        return keys

    # -- visitors ---------------------------------------------------------------
    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        consts = self.info.classes.get(node.name).constants if node.name in self.info.classes else {}
        self.class_stack.append(node.name)
        outer = self._in_class_body
        self._in_class_body = True
        self.lexer_tokens(node, consts)
        for stmt in node.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._in_class_body = False
                self.visit(stmt)
                self._in_class_body = True
            else:
                self.visit(stmt)
        self._in_class_body = outer
        self.class_stack.pop()

    def visit_FunctionDef(self, node) -> None:
        outer = self._in_class_body
        self._in_class_body = False
        parent = self.func_stack[-1] + "." if self.func_stack else (self.class_stack[-1] + "." if self.class_stack else "")
        self.func_stack.append(f"{parent}{node.name}@{node.lineno}")
        self.locals_stack.append(_LazyLocals(node))
        params = [a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs]
        params += [a.arg for a in (node.args.vararg, node.args.kwarg) if a is not None]
        self.params_stack.append(frozenset(params))
        self.wrapper_params.append(node)
        self.loop_bindings.append({})
        self.generic_visit(node)
        self.loop_bindings.pop()
        self.wrapper_params.pop()
        self.params_stack.pop()
        self.locals_stack.pop()
        self.func_stack.pop()
        self._in_class_body = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.params_stack.append(frozenset(a.arg for a in node.args.args))
        self.generic_visit(node)
        self.params_stack.pop()

    def visit_Assign(self, node: ast.Assign) -> None:
        value = node.value
        if isinstance(value, ast.Call):
            resolved = self.resolve_call(value.func)
            if resolved is not None and self.call_info(resolved).function == "compile":
                info = self.call_info(resolved)
                pattern, flags = self.call_arguments(value, resolved)
                if pattern is not None:
                    site = self.add_site(pattern, flags, None, info.display, info.module, value)
                    for target in node.targets:
                        key = self.target_key(target)
                        if key and site is not None:
                            self.compiled.setdefault(key, site)
                        elif site is not None and isinstance(target, ast.Subscript):
                            site.use_unknown = True  # stored in a container: used elsewhere
                self.visit_call_arguments(value)
                return
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit_Assign(ast.Assign(targets=[node.target], value=node.value, lineno=node.lineno,
                                         col_offset=node.col_offset))

    def visit_For(self, node) -> None:
        self.bind_loop(node.target, node.iter)
        self.visit(node.iter)
        self.loops.append(node)
        for stmt in node.body + node.orelse:
            self.visit(stmt)
        self.loops.pop()

    visit_AsyncFor = visit_For

    def visit_While(self, node: ast.While) -> None:
        self.loops.append(node)
        self.generic_visit(node)
        self.loops.pop()

    def bind_loop(self, target: ast.AST, iterable: ast.AST) -> None:
        for name in ast.walk(target):
            if isinstance(name, ast.Name):
                self.loop_bindings[-1][name.id] = (target, iterable)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self.bind_loop(node.target, node.iter)
        self.generic_visit(node)

    def _visit_comp(self, node) -> None:
        # generators first: their targets bind the names the element uses
        for gen in node.generators:
            self.visit(gen)
        for field_name in ("elt", "key", "value"):
            child = getattr(node, field_name, None)
            if child is not None:
                self.visit(child)

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _visit_comp

    def visit_Return(self, node: ast.Return) -> None:
        self.note_escape(node.value)
        self.generic_visit(node)

    def note_escape(self, node: Optional[ast.AST]) -> None:
        if node is None:
            return
        for key in self.receiver_keys(node):
            self.escaped.add(key)

    def visit_call_arguments(self, node: ast.Call) -> None:
        for arg in node.args:
            self.visit(arg)
        for kw in node.keywords:
            self.visit(kw.value)

    def visit_Call(self, node: ast.Call) -> None:
        resolved = self.resolve_call(node.func)
        if resolved is not None:
            info = self.call_info(resolved)
            pattern, flags = self.call_arguments(node, resolved)
            if pattern is not None:
                kind = None if info.function == "compile" else KIND_OF.get(info.function, "search")
                site = self.add_site(pattern, flags, kind, info.display, info.module, node)
                if info.function == "compile" and site is not None:
                    self.anonymous_compiled.append(site)
        elif isinstance(node.func, ast.Attribute) and node.func.attr in METHODS:
            receiver = node.func.value
            in_loop = bool(self.loops)
            if isinstance(receiver, ast.Call):
                inner = self.resolve_call(receiver.func)
                if inner is not None and self.call_info(inner).function == "compile":
                    info = self.call_info(inner)
                    pattern, flags = self.call_arguments(receiver, inner)
                    if pattern is not None:
                        kind = self.method_kind(node.func.attr, node, in_loop,
                                                self.stops_on_failure(node) if node.func.attr == "match" else False)
                        self.add_site(pattern, flags, kind, f"{info.display}(...).{node.func.attr}", info.module, node)
                    self.visit_call_arguments(receiver)
                    self.visit_call_arguments(node)
                    return
            keys = self.receiver_keys(receiver) if not isinstance(receiver, ast.Call) else []
            if keys:
                stops = self.stops_on_failure(node) if node.func.attr == "match" and in_loop and \
                    (len(node.args) >= 2 or any(kw.arg == "pos" for kw in node.keywords)) else False
                self.pending.append((keys, node.func.attr, node, in_loop, stops))
        else:
            self.table_sink(node)
        # a compiled pattern handed to other code: its use there is not seen
        for arg in list(node.args) + [k.value for k in node.keywords]:
            if isinstance(arg, (ast.Name, ast.Attribute)):
                self.note_escape(arg)
        self.generic_visit(node)

    def table_sink(self, node: ast.Call) -> None:
        name = node.func.id if isinstance(node.func, ast.Name) else \
            node.func.attr if isinstance(node.func, ast.Attribute) else None
        if self.is_re_scanner(node.func):
            name = "re.Scanner"
        if name not in TABLE_SINKS:
            return
        position, shape, kind = TABLE_SINKS[name]
        arg = self.argument(node, position, "regexps" if shape == "pairs" else "pattern")
        if arg is None:
            return
        if shape == "pattern":
            self.add_site(arg, 0, kind, name, "re", node)
            return
        container, _ = origin(arg, self.scope())
        if isinstance(container, (ast.List, ast.Tuple)):
            for element in container.elts:
                if isinstance(element, (ast.Tuple, ast.List)) and element.elts:
                    self.add_site(element.elts[0], 0, kind, f"{name} (table)", "re", node)
        else:
            self.add_site(arg, 0, kind, name, "re", node)

    def is_re_scanner(self, func: ast.AST) -> bool:
        """``re.Scanner``, a class of this module deriving from it, or a class attribute bound to one."""
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if func.value.id in self.info.re_aliases:
                return func.attr == "Scanner"
            if func.value.id in ("self", "cls") and self.class_stack and self.class_stack[-1] in self.info.classes:
                bound = self.info.classes[self.class_stack[-1]].constants.get(func.attr)
                return isinstance(bound, ast.Name) and self.is_re_scanner(bound)
        if isinstance(func, ast.Name) and func.id in self.info.classes:
            return self.info.classes[func.id].re_scanner
        return False

    def stops_on_failure(self, call: ast.Call) -> bool:
        """True when the enclosing loop ends (break/return/raise) as soon as this match fails."""
        if not self.loops:
            return False
        loop = self.loops[-1]
        if isinstance(loop, ast.While) and _tests_call(loop.test, call):
            return True  # ``while (m := pat.match(s, pos)):``
        name = None
        for stmt in ast.walk(loop):
            if isinstance(stmt, ast.Assign) and stmt.value is call and len(stmt.targets) == 1 \
                    and isinstance(stmt.targets[0], ast.Name):
                name = stmt.targets[0].id
            if isinstance(stmt, ast.NamedExpr) and stmt.value is call:
                name = stmt.target.id
        for stmt in ast.walk(loop):
            if not isinstance(stmt, ast.If):
                continue
            negative, positive = _failure_branch(stmt.test, call, name)
            if negative and _exits(stmt.body):
                return True
            if positive and stmt.orelse and _exits(stmt.orelse):
                return True
        return False

    @staticmethod
    def method_kind(method: str, call: ast.Call, in_loop: bool, stops: bool = False) -> str:
        if method in ("match", "fullmatch"):
            has_pos = len(call.args) >= 2 or any(kw.arg == "pos" for kw in call.keywords)
            if method == "match" and has_pos and in_loop and not stops:
                return "search"  # a tokenizer loop re-applies it at advancing positions
            return method
        return "search"

    def lexer_tokens(self, node: ast.ClassDef, consts: Dict[str, Optional[ast.AST]]) -> None:
        """Pygments ``tokens = {state: [(regex, token, ...), ...]}`` class attributes."""
        tokens = consts.get("tokens")
        if not isinstance(tokens, ast.Dict):
            return
        flags = self.flags_of(consts["flags"]) if consts.get("flags") is not None else re.M
        for rules in tokens.values:
            if not isinstance(rules, (ast.List, ast.Tuple)):
                continue
            for rule in rules.elts:
                if isinstance(rule, ast.Tuple) and rule.elts:
                    pattern = rule.elts[0]
                    if isinstance(pattern, ast.Call):
                        # words((...), suffix=...) and the like build patterns at run time
                        self.add_site_quiet(pattern, flags, node.name)
                        continue
                    self.add_site(pattern, flags, "match", f"lexer {node.name}.tokens", "re")

    def add_site_quiet(self, pattern: ast.AST, flags: int, lexer: str) -> None:
        value = self.evaluator.value(pattern, self.scope())
        if isinstance(value, (str, bytes)):
            self.add_site(pattern, flags, "match", f"lexer {lexer}.tokens", "re")

    anonymous_compiled: List[RegexSite]

    def finish(self) -> Tuple[List[RegexSite], List[SourceProblem]]:
        used = set()
        for keys, method, call, in_loop, stops in self.pending:
            key = next((k for k in keys if k in self.compiled), None)
            if key is None:
                continue
            used.add(key)
            site = self.compiled[key]
            kind = self.method_kind(method, call, in_loop, stops)
            site.kinds.add(kind)
            display = f"{key.split('::')[-1]}.{method} (line {call.lineno})"
            if display not in site.calls:
                site.calls.append(display)
            if call.lineno not in site.call_lines:
                site.call_lines.append(call.lineno)
        for key, site in self.compiled.items():
            if key in self.escaped or (key not in used and "::" not in key):
                site.use_unknown = True  # module/class level or handed on: used where we cannot see
        for site in list(self.sites.values()):
            if not site.kinds:
                site.kinds.add("search")
                site.calls.append(f"{site.module}.compile")
                site.use_unknown = True
            if site.use_unknown:
                site.note = ("no use of the compiled pattern is visible in this module; analysed as search, "
                             "one severity lower" if site.calls == [f"{site.module}.compile"] or not
                             any("(line" in c for c in site.calls) else
                             "the compiled pattern is also used outside this module; analysed for the worst call seen")
        return sorted(self.sites.values(), key=lambda s: (s.line, s.column)), self.problems


def _destructure(target: ast.AST, name: str, element: ast.AST) -> Optional[ast.AST]:
    if isinstance(target, ast.Name):
        return element if target.id == name else None
    if isinstance(target, (ast.Tuple, ast.List)) and isinstance(element, (ast.Tuple, ast.List)) \
            and len(target.elts) == len(element.elts):
        for t, e in zip(target.elts, element.elts):
            found = _destructure(t, name, e)
            if found is not None:
                return found
    return None


class _LazyLocals:
    """A function's locals, computed on the first lookup (most functions never need them)."""

    def __init__(self, node) -> None:
        self.node = node
        self.table: Optional[Dict[str, Optional[ast.AST]]] = None

    def _get(self) -> Dict[str, Optional[ast.AST]]:
        if self.table is None:
            self.table = _function_locals(self.node)
        return self.table

    def __contains__(self, name: str) -> bool:
        return name in self._get()

    def __getitem__(self, name: str) -> Optional[ast.AST]:
        return self._get()[name]


def _function_locals(node) -> Dict[str, Optional[ast.AST]]:
    """Names assigned in a function's own body (not nested functions): one value each, or None."""
    table: Dict[str, Optional[ast.AST]] = {}
    loop_targets = set()
    stack = list(node.body)
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    _assign_local(table, target.id, stmt.value)
                elif isinstance(target, (ast.Tuple, ast.List)):
                    for t in ast.walk(target):
                        if isinstance(t, ast.Name):
                            table[t.id] = None
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            _assign_local(table, stmt.target.id, stmt.value)
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            table[stmt.target.id] = None
        elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.comprehension, ast.withitem, ast.NamedExpr)):
            target = getattr(stmt, "target", None) or getattr(stmt, "optional_vars", None)
            for t in ast.walk(target) if target is not None else ():
                if isinstance(t, ast.Name):
                    loop_targets.add(t.id)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                table[(alias.asname or alias.name).split(".")[0]] = None
        stack.extend(ast.iter_child_nodes(stmt))
    for name in loop_targets:
        table[name] = None
    return table


def _assign_local(table: Dict[str, Optional[ast.AST]], name: str, value: ast.AST) -> None:
    if name in table and (table[name] is None or ast.dump(table[name]) != ast.dump(value)):
        table[name] = None
    else:
        table[name] = value


def _tests_call(test: ast.AST, call: ast.Call) -> bool:
    if test is call:
        return True
    if isinstance(test, ast.NamedExpr) and test.value is call:
        return True
    return False


def _failure_branch(test: ast.AST, call: ast.Call, name: Optional[str]) -> Tuple[bool, bool]:
    """(``test`` is true when the match failed, ``test`` is true when it succeeded)."""
    def is_result(node: ast.AST) -> bool:
        return node is call or (isinstance(node, ast.NamedExpr) and node.value is call) or \
            (name is not None and isinstance(node, ast.Name) and node.id == name)

    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and is_result(test.operand):
        return True, False
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and is_result(test.left) \
            and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None:
        if isinstance(test.ops[0], ast.Is):
            return True, False
        if isinstance(test.ops[0], ast.IsNot):
            return False, True
    if is_result(test):
        return False, True
    return False, False


def _exits(body: List[ast.stmt]) -> bool:
    return any(isinstance(s, (ast.Break, ast.Return, ast.Raise)) for s in body)


def extract(path: str, data: bytes, modules: Optional[Modules] = None) -> Tuple[List[RegexSite], List[SourceProblem]]:
    """Regex sites of one Python file.

    Args:
        path: repository-relative POSIX path (copied into the sites).
        data: the file's bytes (encoding per PEP 263, BOM allowed).
        modules: the scanned tree's modules, so that constants and ``re`` wrappers
            imported from sibling modules are followed (None: this file only).

    Returns:
        ``(sites, problems)``: a file that does not decode or parse yields one
        problem and no sites; patterns built from values that cannot be folded
        are problems too; never raises for any input.
    """
    ready = modules.take_parsed(path) if modules is not None else None
    try:
        tree = ready[0] if ready is not None else pysource.parse(data, path)
    except SyntaxError as exc:
        reason = exc.msg or "syntax error"
        if "codec" in reason or "unicode" in reason.lower() or "encoding" in reason.lower():
            reason = f"cannot decode the file: {reason}"
        return [], [SourceProblem(path, exc.lineno, exc.offset, f"cannot parse Python source: {reason}")]
    except (ValueError, MemoryError, RecursionError) as exc:
        return [], [SourceProblem(path, None, None, f"cannot parse Python source: {type(exc).__name__}: {exc}")]
    text = _decode(data)
    try:
        if ready is not None:
            info = ready[1]
            modules.add_base(path)
        else:
            info = modules.info_for(path, tree) if modules is not None else ModuleInfo(tree)
        extractor = _Extractor(path, text.splitlines(), info, modules)
        extractor.anonymous_compiled = []
        extractor.visit(tree)
        return extractor.finish()
    except RecursionError:
        return [], [SourceProblem(path, None, None, "source nesting is too deep to scan")]


def _decode(data: bytes) -> str:
    import io
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        encoding = "utf-8"
    return data.decode(encoding, "replace").lstrip("\ufeff")


def source_lines(data: bytes) -> List[str]:
    """The file's lines as text (for inline suppression comments)."""
    return _decode(data).splitlines()
