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
import warnings
from typing import Dict, List, Optional, Tuple, Union

from .sites import RegexSite, SourceProblem

MODULES = ("re", "regex")
FUNCTIONS = ("compile", "match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer")
METHODS = ("match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer", "scanner")
#: Position of the ``flags`` argument of each module-level function.
FLAGS_POSITION = {"compile": 1, "match": 2, "fullmatch": 2, "search": 2, "findall": 2, "finditer": 2,
                  "split": 3, "sub": 4, "subn": 4}
KIND_OF = {"match": "match", "fullmatch": "fullmatch"}  # everything else tries every position

FLAG_NAMES = {
    "I": re.I, "IGNORECASE": re.I, "M": re.M, "MULTILINE": re.M, "S": re.S, "DOTALL": re.S,
    "X": re.X, "VERBOSE": re.X, "A": re.A, "ASCII": re.A, "U": re.U, "UNICODE": re.U,
    "L": re.L, "LOCALE": re.L, "T": 0, "TEMPLATE": 0, "DEBUG": 0, "NOFLAG": 0,
}

Literal = Union[str, bytes]


def literal_value(node: ast.AST, constants: Dict[str, ast.AST], depth: int = 0) -> Optional[Literal]:
    """The str/bytes value of a literal expression (constants and ``+`` folded), else None."""
    if depth > 50:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = literal_value(node.left, constants, depth + 1)
        right = literal_value(node.right, constants, depth + 1)
        if left is not None and right is not None and type(left) is type(right):
            return left + right
        return None
    if isinstance(node, ast.Name) and node.id in constants:
        return literal_value(constants[node.id], constants, depth + 1)
    return None


class _Extractor(ast.NodeVisitor):
    def __init__(self, path: str, lines: List[str]) -> None:
        self.path = path
        self.lines = lines
        self.module_aliases = set()          # names bound to re / regex
        self.module_of: Dict[str, str] = {}  # alias -> "re" | "regex"
        self.function_aliases: Dict[str, Tuple[str, str]] = {}  # local name -> (module, function)
        self.constants: Dict[str, ast.AST] = {}
        self.class_constants: Dict[str, Dict[str, ast.AST]] = {}
        self.sites: Dict[Tuple[int, int, str], RegexSite] = {}
        self.compiled: Dict[str, RegexSite] = {}   # "NAME" / "self.x" / "Cls.NAME" -> site
        self.pending: List[Tuple[List[str], str, ast.AST, bool]] = []  # (keys, method, call, in_loop)
        self.class_stack: List[str] = []
        self.func_stack: List[str] = []
        self.loop_depth = 0

    # -- helpers -------------------------------------------------------------
    def column(self, node: ast.AST) -> int:
        """1-based character column (ast gives UTF-8 byte offsets)."""
        line = self.lines[node.lineno - 1] if 0 < node.lineno <= len(self.lines) else ""
        prefix = line.encode("utf-8", "surrogateescape")[: node.col_offset]
        return len(prefix.decode("utf-8", "replace")) + 1

    def scoped_constants(self) -> Dict[str, ast.AST]:
        merged = dict(self.constants)
        for name in self.class_stack:
            merged.update(self.class_constants.get(name, {}))
        return merged

    def literal_node(self, node: ast.AST) -> Optional[ast.AST]:
        """The node whose position locates the literal (follows constant names)."""
        seen = 0
        consts = self.scoped_constants()
        while isinstance(node, ast.Name) and node.id in consts and seen < 20:
            node = consts[node.id]
            seen += 1
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            target = self.class_constants.get(node.value.id, {}) if node.value.id != "self" else \
                (self.class_constants.get(self.class_stack[-1], {}) if self.class_stack else {})
            if node.attr in target:
                return self.literal_node(target[node.attr])
        return node

    def flags_value(self, node: Optional[ast.AST], depth: int = 0) -> int:
        if node is None or depth > 20:
            return 0
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitOr, ast.Add)):
            return self.flags_value(node.left, depth + 1) | self.flags_value(node.right, depth + 1)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in self.module_aliases or node.value.id == "RegexFlag":
                return int(FLAG_NAMES.get(node.attr, 0))
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and node.value.attr == "RegexFlag":
            return int(FLAG_NAMES.get(node.attr, 0))
        if isinstance(node, ast.Name):
            consts = self.scoped_constants()
            if node.id in consts:
                return self.flags_value(consts[node.id], depth + 1)
            if node.id in FLAG_NAMES and node.id in self.function_aliases:
                return int(FLAG_NAMES[node.id])
        return 0

    def add_site(self, pattern_node: ast.AST, flags: int, kind: Optional[str], call: str, module: str,
                 note: str = "") -> Optional[RegexSite]:
        where = self.literal_node(pattern_node) or pattern_node
        value = literal_value(where, self.scoped_constants())
        if value is None:
            return None
        key = (where.lineno, where.col_offset, repr((value, flags)))
        site = self.sites.get(key)
        if site is None:
            site = RegexSite(self.path, where.lineno, self.column(where), value, flags, set(), [], module,
                             getattr(where, "end_lineno", None) or where.lineno, note)
            self.sites[key] = site
        if kind is not None:
            site.kinds.add(kind)
            if call not in site.calls:
                site.calls.append(call)
        return site

    def resolve_call(self, func: ast.AST) -> Optional[Tuple[str, str, str]]:
        """(module, function, display) for ``re.search`` / aliased imports, else None."""
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if func.value.id in self.module_aliases and func.attr in FUNCTIONS:
                module = self.module_of[func.value.id]
                return module, func.attr, f"{module}.{func.attr}"
        if isinstance(func, ast.Name) and func.id in self.function_aliases:
            module, name = self.function_aliases[func.id]
            if name in FUNCTIONS:
                return module, name, f"{module}.{name}"
        return None

    @staticmethod
    def argument(call: ast.Call, position: int, keyword: str) -> Optional[ast.AST]:
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

    _in_class_body = False

    # -- visitors ---------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name in MODULES:
                name = alias.asname or alias.name
                self.module_aliases.add(name)
                self.module_of[name] = alias.name

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module in MODULES and node.level == 0:
            for alias in node.names:
                self.function_aliases[alias.asname or alias.name] = (node.module, alias.name)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        consts: Dict[str, ast.AST] = {}
        for stmt in node.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                consts[stmt.targets[0].id] = stmt.value
        self.class_constants[node.name] = consts
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
        self.generic_visit(node)
        self.func_stack.pop()
        self._in_class_body = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node: ast.Assign) -> None:
        if not self.class_stack and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            self.constants.setdefault(node.targets[0].id, node.value)
        value = node.value
        if isinstance(value, ast.Call):
            resolved = self.resolve_call(value.func)
            if resolved and resolved[1] == "compile":
                for target in node.targets:
                    key = self.target_key(target)
                    pattern = self.argument(value, 0, "pattern")
                    if key and pattern is not None:
                        flags = self.flags_value(self.argument(value, 1, "flags"))
                        site = self.add_site(pattern, flags, None, f"{resolved[0]}.compile", resolved[0])
                        if site is not None:
                            self.compiled.setdefault(key, site)
                self.visit_call_arguments(value)
                return
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit_Assign(ast.Assign(targets=[node.target], value=node.value, lineno=node.lineno,
                                         col_offset=node.col_offset))

    def visit_For(self, node) -> None:
        self.loop_depth += 1
        self.generic_visit(node)
        self.loop_depth -= 1

    visit_While = visit_For
    visit_AsyncFor = visit_For

    def visit_call_arguments(self, node: ast.Call) -> None:
        for arg in node.args:
            self.visit(arg)
        for kw in node.keywords:
            self.visit(kw.value)

    def visit_Call(self, node: ast.Call) -> None:
        resolved = self.resolve_call(node.func)
        if resolved is not None:
            module, function, display = resolved
            pattern = self.argument(node, 0, "pattern")
            if pattern is not None:
                flags = self.flags_value(self.argument(node, FLAGS_POSITION[function], "flags"))
                kind = None if function == "compile" else KIND_OF.get(function, "search")
                site = self.add_site(pattern, flags, kind, display, module)
                if function == "compile" and site is not None:
                    self.anonymous_compiled.append(site)
        elif isinstance(node.func, ast.Attribute) and node.func.attr in METHODS:
            receiver = node.func.value
            in_loop = self.loop_depth > 0
            if isinstance(receiver, ast.Call):
                inner = self.resolve_call(receiver.func)
                if inner and inner[1] == "compile":
                    pattern = self.argument(receiver, 0, "pattern")
                    if pattern is not None:
                        flags = self.flags_value(self.argument(receiver, 1, "flags"))
                        kind = self.method_kind(node.func.attr, node, in_loop)
                        self.add_site(pattern, flags, kind, f"{inner[0]}.compile(...).{node.func.attr}", inner[0])
                    self.visit_call_arguments(receiver)
                    self.visit_call_arguments(node)
                    return
            key = self.target_key(receiver) if not isinstance(receiver, ast.Call) else None
            if key is not None:
                keys = [key]
                if isinstance(receiver, ast.Name) and key != receiver.id:
                    keys.append(receiver.id)  # a module-level name seen from a function
                self.pending.append((keys, node.func.attr, node, in_loop))
        self.generic_visit(node)

    @staticmethod
    def method_kind(method: str, call: ast.Call, in_loop: bool) -> str:
        if method in ("match", "fullmatch"):
            has_pos = len(call.args) >= 2 or any(kw.arg == "pos" for kw in call.keywords)
            if method == "match" and has_pos and in_loop:
                return "search"  # a tokenizer loop re-applies it at advancing positions
            return method
        return "search"

    def lexer_tokens(self, node: ast.ClassDef, consts: Dict[str, ast.AST]) -> None:
        """Pygments ``tokens = {state: [(regex, token, ...), ...]}`` class attributes."""
        tokens = consts.get("tokens")
        if not isinstance(tokens, ast.Dict):
            return
        flags = self.flags_value(consts["flags"]) if "flags" in consts else re.M
        for rules in tokens.values:
            if not isinstance(rules, (ast.List, ast.Tuple)):
                continue
            for rule in rules.elts:
                if isinstance(rule, ast.Tuple) and rule.elts:
                    self.add_site(rule.elts[0], flags, "match", f"lexer {node.name}.tokens", "re")

    anonymous_compiled: List[RegexSite]

    def finish(self) -> List[RegexSite]:
        for keys, method, call, in_loop in self.pending:
            key = next((k for k in keys if k in self.compiled), None)
            if key is None:
                continue
            site = self.compiled[key]
            kind = self.method_kind(method, call, in_loop)
            site.kinds.add(kind)
            display = f"{key.split('::')[-1]}.{method} (line {call.lineno})"
            if display not in site.calls:
                site.calls.append(display)
        for site in list(self.sites.values()):
            if not site.kinds:
                site.kinds.add("search")
                site.calls.append(f"{site.module}.compile")
                site.note = "the compiled pattern's use was not seen; assuming search"
        return sorted(self.sites.values(), key=lambda s: (s.line, s.column))


def extract(path: str, data: bytes) -> Tuple[List[RegexSite], List[SourceProblem]]:
    """Regex sites of one Python file.

    Args:
        path: repository-relative POSIX path (copied into the sites).
        data: the file's bytes (encoding per PEP 263, BOM allowed).

    Returns:
        ``(sites, problems)``: a file that does not decode or parse yields one
        problem and no sites; never raises for any input.
    """
    try:
        with warnings.catch_warnings():  # invalid escapes in the scanned file are its business
            warnings.simplefilter("ignore")
            tree = ast.parse(data, filename=path)
    except SyntaxError as exc:
        reason = exc.msg or "syntax error"
        if "codec" in reason or "unicode" in reason.lower() or "encoding" in reason.lower():
            reason = f"cannot decode the file: {reason}"
        return [], [SourceProblem(path, exc.lineno, exc.offset, f"cannot parse Python source: {reason}")]
    except (ValueError, MemoryError, RecursionError) as exc:
        return [], [SourceProblem(path, None, None, f"cannot parse Python source: {type(exc).__name__}: {exc}")]
    text = _decode(data)
    extractor = _Extractor(path, text.splitlines())
    extractor.anonymous_compiled = []
    try:
        extractor.visit(tree)
    except RecursionError:
        return [], [SourceProblem(path, None, None, "source nesting is too deep to scan")]
    return extractor.finish(), []


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
