"""What one Python module defines at import time: constants, helpers, classes, imports, ``re`` wrappers.

Built from the ``ast`` only.  :class:`Modules` finds the modules a file
imports inside the scanned tree (absolute and relative imports) and keeps one
summary per module, so constants and wrapper functions defined in one file
are known where another file uses them (Django's ``_lazy_re_compile`` lives
in ``django/utils/regex_helper.py`` and is called from dozens of modules).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable, Dict, List, Optional, Tuple

from .. import pysource
from .constfold import Scope

MODULES = ("re", "regex")
FUNCTIONS = ("compile", "match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer")
#: Position of the ``flags`` argument of each module-level function.
FLAGS_POSITION = {"compile": 1, "match": 2, "fullmatch": 2, "search": 2, "findall": 2, "finditer": 2,
                  "split": 3, "sub": 4, "subn": 4}
#: Imported-module summaries kept at once (each holds its module's function and class trees).
MAX_CACHED_MODULES = 256
#: Largest module summarised for imports (bytes).
MAX_MODULE_BYTES = 2_000_000


@dataclass
class Wrapper:
    """A function that hands one of its parameters to ``re`` as the pattern.

    Attributes:
        name: the function's name.
        pattern_index: position of the pattern parameter among the caller's arguments
            (``self``/``cls`` already removed for methods).
        pattern_name: its name (for keyword calls).
        flags_index, flags_name: the parameter passed on as flags, if any.
        flags_default: the AST of that parameter's default value, or None.
        function: the ``re`` function applied (``compile`` returns the pattern to the caller).
        module: ``re`` or ``regex``.
    """

    name: str
    pattern_index: int
    pattern_name: str
    flags_index: Optional[int]
    flags_name: Optional[str]
    flags_default: Optional[ast.AST]
    function: str
    module: str
    fixed_flags: Optional[ast.AST] = None
    #: a constructor that stores the parameter first (``self.pattern = pattern``) compiles this attribute
    pattern_attr: Optional[str] = None


@dataclass
class ClassInfo:
    constants: Dict[str, Optional[ast.AST]] = field(default_factory=dict)
    methods: Dict[str, ast.FunctionDef] = field(default_factory=dict)
    bases: List[str] = field(default_factory=list)
    #: the class derives from ``re.Scanner`` (its lexicon's patterns are compiled and searched)
    re_scanner: bool = False


class ModuleInfo:
    """Import-time facts of one module.

    Attributes:
        name: dotted module name (best guess from the path) or "".
        constants: module-level ``NAME = expr`` (None when assigned more than once differently).
        functions: module-level functions by name.
        classes: classes by name.
        imports: local name -> (absolute module, attribute or None for ``import x``).
        re_aliases: local names bound to the ``re``/``regex`` modules -> which one.
        re_functions: local names bound to their functions -> (module, function).
    """

    def __init__(self, tree: ast.Module, name: str = "", is_package: bool = False) -> None:
        self.name = name
        self.is_package = is_package
        self.constants: Dict[str, Optional[ast.AST]] = {}
        self.functions: Dict[str, ast.FunctionDef] = {}
        self.classes: Dict[str, ClassInfo] = {}
        self.imports: Dict[str, Tuple[str, Optional[str]]] = {}
        self.re_aliases: Dict[str, str] = {}
        self.re_functions: Dict[str, Tuple[str, str]] = {}
        #: every module-level assignment of a name, in source order: (line, value)
        self.history: Dict[str, List[Tuple[int, ast.AST]]] = {}
        self._wrappers: Dict[int, Optional[Wrapper]] = {}
        self._collect(tree.body, top=True)
        self.method_ids = {id(m) for cls in self.classes.values() for m in cls.methods.values()}
        # imports in any statement (functions import re locally too); expressions hold none
        stack = list(tree.body)
        while stack:
            node = stack.pop()
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                self._import(node)
                continue
            for name in ("body", "orelse", "finalbody", "handlers", "cases"):
                part = getattr(node, name, None)
                if isinstance(part, list):
                    stack.extend(part)

    # -- collection ------------------------------------------------------------
    def _collect(self, body, top: bool) -> None:
        for stmt in body:
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        _assign(self.constants, target.id, stmt.value)
                        self.history.setdefault(target.id, []).append((stmt.lineno, stmt.value))
                    elif isinstance(target, (ast.Tuple, ast.List)) and isinstance(stmt.value, (ast.Tuple, ast.List)) \
                            and len(target.elts) == len(stmt.value.elts):
                        for t, v in zip(target.elts, stmt.value.elts):
                            if isinstance(t, ast.Name):
                                _assign(self.constants, t.id, v)
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
                _assign(self.constants, stmt.target.id, stmt.value)
            elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
                self.constants[stmt.target.id] = None
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions.setdefault(stmt.name, stmt)
            elif isinstance(stmt, ast.ClassDef):
                self.classes.setdefault(stmt.name, _class_info(stmt))
            elif isinstance(stmt, (ast.If, ast.Try)) or type(stmt).__name__ == "TryStar":
                # constants defined in both branches of a version switch: the first wins
                for part in (getattr(stmt, "body", []), getattr(stmt, "orelse", []), getattr(stmt, "finalbody", [])):
                    self._collect(part, top)
                for handler in getattr(stmt, "handlers", []):
                    self._collect(handler.body, top)

    def _import(self, node) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    self.re_aliases[alias.asname or alias.name] = alias.name
                if alias.asname:
                    self.imports[alias.asname] = (alias.name, None)
                else:
                    top = alias.name.split(".")[0]
                    self.imports.setdefault(top, (top, None))
            return
        source = self.absolute(node.module, node.level)
        if source is None:
            return
        for alias in node.names:
            local = alias.asname or alias.name
            if source in MODULES and node.level == 0:
                self.re_functions[local] = (source, alias.name)
                continue
            self.imports.setdefault(local, (source, alias.name))

    def absolute(self, module: Optional[str], level: int) -> Optional[str]:
        if level == 0:
            return module
        parts = self.name.split(".") if self.name else []
        if not self.is_package:
            parts = parts[:-1]
        if level - 1 > len(parts):
            return None
        base = parts[: len(parts) - (level - 1)]
        if module:
            base = base + module.split(".")
        return ".".join(base) if base else None

    # -- scopes ----------------------------------------------------------------
    def scope(self) -> Scope:
        return Scope([self.constants], self)

    def class_scope(self, name: str) -> Scope:
        cls = self.classes.get(name)
        layers = ([cls.constants] if cls else []) + [self.constants]
        return Scope(layers, self, class_name=name)

    # -- wrappers --------------------------------------------------------------
    def wrapper(self, func: ast.FunctionDef) -> Optional[Wrapper]:
        """The :class:`Wrapper` description of ``func``, or None when it is not one (cached)."""
        key = id(func)
        if key not in self._wrappers:
            method = id(func) in self.method_ids
            self._wrappers[key] = _wrapper(func, method, self)
        return self._wrappers[key]


    def constructor(self, class_name: str) -> Optional[Wrapper]:
        """The class's ``__init__`` as a :class:`Wrapper` when it compiles a parameter (``Parser(pattern)``)."""
        init = self.classes[class_name].methods.get("__init__")
        return self.wrapper(init) if init is not None else None


def _assign(table: Dict[str, Optional[ast.AST]], name: str, value: ast.AST) -> None:
    if name in table and table[name] is not None and ast.dump(table[name]) != ast.dump(value):
        # a version switch (try/except, if) often defines the same constant twice: keep the first
        # only when both are plain literals of the same type, else it is not a constant
        old = table[name]
        if not (isinstance(old, ast.Constant) and isinstance(value, ast.Constant) and type(old.value) is type(value.value)):
            table[name] = None
        return
    table.setdefault(name, value)


def _class_info(node: ast.ClassDef) -> ClassInfo:
    info = ClassInfo(bases=[b.id for b in node.bases if isinstance(b, ast.Name)],
                     re_scanner=any(isinstance(b, ast.Attribute) and b.attr == "Scanner" for b in node.bases))
    for stmt in node.body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    _assign(info.constants, target.id, stmt.value)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            _assign(info.constants, stmt.target.id, stmt.value)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            info.methods.setdefault(stmt.name, stmt)
    return info


def _wrapper(func: ast.FunctionDef, method: bool, module: ModuleInfo) -> Optional[Wrapper]:
    params = [a.arg for a in func.args.posonlyargs + func.args.args]
    defaults = func.args.defaults
    if method and params:
        decorators = {d.id for d in func.decorator_list if isinstance(d, ast.Name)}
        if "staticmethod" not in decorators:
            params = params[1:]
            defaults_offset = 1
        else:
            defaults_offset = 0
    else:
        defaults_offset = 0
    if not params:
        return None
    all_params = [a.arg for a in func.args.posonlyargs + func.args.args]
    calls, reassigned = [], set()
    for node in ast.walk(func):
        if isinstance(node, ast.Call):
            calls.append(node)
        elif isinstance(node, ast.Assign):
            reassigned.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            reassigned.add(node.target.id)

    def default_of(name: str) -> Optional[ast.AST]:
        i = all_params.index(name)
        offset = i - (len(all_params) - len(defaults))
        return defaults[offset] if offset >= 0 else None

    stored = _stored_params(func, params, reassigned) if method else {}
    for node in calls:
        resolved = resolve_re_call(node.func, module)
        if resolved is None:
            continue
        re_module, function = resolved
        pattern = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "pattern"), None)
        attr = None
        if _is_self_attr(pattern) and pattern.attr in stored:
            attr, pattern = pattern.attr, ast.Name(id=stored[pattern.attr])
        if not isinstance(pattern, ast.Name) or pattern.id not in params or pattern.id in reassigned:
            continue
        flags_node = node.args[FLAGS_POSITION[function]] if len(node.args) > FLAGS_POSITION[function] else \
            next((k.value for k in node.keywords if k.arg == "flags"), None)
        flags_name = flags_node.id if isinstance(flags_node, ast.Name) and flags_node.id in params else None
        fixed = flags_node if flags_node is not None and flags_name is None else None
        _ = defaults_offset
        if function == "compile":
            function = _compiled_use(func, node, module) or function
        return Wrapper(func.name, params.index(pattern.id), pattern.id,
                       params.index(flags_name) if flags_name else None, flags_name,
                       default_of(flags_name) if flags_name else None, function, re_module, fixed, attr)
    return None


def _is_self_attr(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"


def _stored_params(func: ast.FunctionDef, params: List[str], reassigned) -> Dict[str, str]:
    """``self.X = param`` statements of a method, each attribute assigned once: attribute -> parameter."""
    stored: Dict[str, Optional[str]] = {}
    for node in ast.walk(func):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if _is_self_attr(target):
                    value = node.value
                    ok = isinstance(value, ast.Name) and value.id in params and value.id not in reassigned
                    stored[target.attr] = value.id if ok and target.attr not in stored else None
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and _is_self_attr(node.target):
            stored[node.target.attr] = None
    return {attr: param for attr, param in stored.items() if param is not None}


_APPLY = {"match": "match", "fullmatch": "fullmatch", "search": "search", "sub": "search", "subn": "search",
          "findall": "search", "finditer": "search", "split": "search"}


def _compiled_use(func: ast.FunctionDef, compile_call: ast.Call, module: ModuleInfo, depth: int = 0) -> Optional[str]:
    """How a wrapper applies the pattern it compiles: ``reg = re.compile(p); reg.match(...)``, or
    ``self.match_reg(reg)`` whose parameter is matched (one call deep).  None when not seen."""
    name = None
    for node in ast.walk(func):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and any(sub is compile_call for sub in ast.walk(node.value)):
            target = node.targets[0]
            if isinstance(target, ast.Name):
                name = target.id
            elif _is_self_attr(target):
                # self.reg = re.compile(p) in a constructor: the class's methods apply self.reg
                owner = next((c for c in module.classes.values() if func in c.methods.values()), None)
                for method in (owner.methods.values() if owner is not None else ()):
                    for call in ast.walk(method):
                        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) \
                                and call.func.attr in _APPLY and _is_self_attr(call.func.value) \
                                and call.func.value.attr == target.attr:
                            return _APPLY[call.func.attr]
    if name is None:
        return None
    return _param_use(func, name, module, depth)


def _param_use(func: ast.FunctionDef, name: str, module: ModuleInfo, depth: int) -> Optional[str]:
    for node in ast.walk(func):
        if not isinstance(node, ast.Call):
            continue
        callee = node.func
        if isinstance(callee, ast.Attribute) and isinstance(callee.value, ast.Name) and callee.value.id == name \
                and callee.attr in _APPLY:
            return _APPLY[callee.attr]
        if depth < 1:
            for index, arg in enumerate(node.args):
                if isinstance(arg, ast.Name) and arg.id == name:
                    target = _local_callee(callee, module)
                    if target is not None:
                        params = [a.arg for a in target.args.posonlyargs + target.args.args]
                        offset = 1 if id(target) in module.method_ids and isinstance(callee, ast.Attribute) else 0
                        if index + offset < len(params):
                            found = _param_use(target, params[index + offset], module, depth + 1)
                            if found:
                                return found
    return None


def _local_callee(callee: ast.AST, module: ModuleInfo) -> Optional[ast.FunctionDef]:
    if isinstance(callee, ast.Name):
        return module.functions.get(callee.id)
    if isinstance(callee, ast.Attribute) and isinstance(callee.value, ast.Name) and callee.value.id in ("self", "cls"):
        for cls in module.classes.values():
            if callee.attr in cls.methods:
                return cls.methods[callee.attr]
    return None


def resolve_re_call(func: ast.AST, module: ModuleInfo) -> Optional[Tuple[str, str]]:
    """``(module, function)`` when ``func`` names ``re.search`` and friends (any alias)."""
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        if func.value.id in module.re_aliases and func.attr in FUNCTIONS:
            return module.re_aliases[func.value.id], func.attr
    if isinstance(func, ast.Name) and func.id in module.re_functions:
        source, name = module.re_functions[func.id]
        if name in FUNCTIONS:
            return source, name
    return None


def module_name(rel: str) -> Tuple[str, bool]:
    """Dotted module name guessed from a repository-relative path, and whether it is a package."""
    parts = list(PurePosixPath(rel).with_suffix("").parts)
    is_package = bool(parts) and parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


class Modules:
    """Summaries of the modules of the scanned tree, found by dotted name and parsed on demand.

    Args:
        root: the repository root.
        read: ``read(rel_path) -> bytes | None`` (the check's one file-reading helper).
        exists: ``exists(rel_path) -> bool``.
    """

    def __init__(self, root: Path, read: Callable[[str], Optional[bytes]], exists: Callable[[str], bool]) -> None:
        self.root = root
        self.read = read
        self.exists = exists
        self.cache: Dict[str, Optional[ModuleInfo]] = {}
        self.bases: List[str] = [""]
        #: files the scan will extract: a tree parsed here for an import is kept for it (parsed once)
        self.wanted: set = set()
        self.parsed: Dict[str, Tuple[ast.Module, ModuleInfo]] = {}

    def add_base(self, rel_file: str) -> str:
        """Register the package root of ``rel_file`` (the folder above its top package); returns its module name."""
        parts = list(PurePosixPath(rel_file).parts)
        index = len(parts) - 1
        while index > 0 and self.exists("/".join(parts[:index] + ["__init__.py"])):
            index -= 1
        base = "/".join(parts[:index])
        if base not in self.bases:
            self.bases.append(base)
        name, is_package = module_name("/".join(parts[index:]))
        return name

    def take_parsed(self, rel: str) -> Optional[Tuple[ast.Module, ModuleInfo]]:
        """The tree and summary of ``rel`` if an import already parsed it (handed over once)."""
        return self.parsed.pop(rel, None)

    def info_for(self, rel: str, tree: ast.Module) -> ModuleInfo:
        name = self.add_base(rel)
        # not cached: keeping every scanned tree alive costs memory and makes the garbage
        # collector walk them all; a module imported later is parsed again (once)
        return ModuleInfo(tree, name, rel.endswith("__init__.py"))

    def resolve(self, dotted: str) -> Optional[ModuleInfo]:
        if dotted in self.cache:
            return self.cache[dotted]
        if len(self.cache) >= MAX_CACHED_MODULES:
            for key in list(self.cache)[: MAX_CACHED_MODULES // 4]:  # oldest first (insertion order)
                del self.cache[key]
        self.cache[dotted] = None  # also guards against import cycles
        rel_path = dotted.replace(".", "/")
        for base in self.bases:
            for candidate, is_package in ((f"{rel_path}.py", False), (f"{rel_path}/__init__.py", True)):
                rel = f"{base}/{candidate}" if base else candidate
                if not self.exists(rel):
                    continue
                data = self.read(rel)
                if data is None or len(data) > MAX_MODULE_BYTES:
                    continue
                try:
                    tree = pysource.parse(data, rel)
                except (SyntaxError, ValueError, MemoryError, RecursionError):
                    continue
                info = ModuleInfo(tree, dotted, is_package)
                self.cache[dotted] = info
                if rel in self.wanted:
                    self.parsed[rel] = (tree, info)
                return info
        return None
