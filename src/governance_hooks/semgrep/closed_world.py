"""Which strings can reach an ``eval``/``exec``, read from the repository's own code.

A string passed to ``eval`` is fixed by the repository when every value that can
reach it is a string literal written in a tracked file: a literal, a name bound
only to such values in its function, or a parameter of a module-level function
(or of a module-level class's ``__init__``) whose default and whose arguments at
every call in the repository are such values. ``values`` answers the set of
strings, or None when any value is not known (then the caller keeps the finding).

The repository is taken as a closed world: its tracked ``.py`` files are all the
code that calls these functions. A function or class escapes the analysis (None)
when it could be reached without its name appearing at a call:

- its name used other than as a callee (passed as a value, a base class, a
  registry entry, a decorator's argument, an import under another name), or as a
  string (``"Block"``, ``"pkg.Block"``) outside its own module, or inside it where
  it is not an ``eval`` of resolved strings whose result is only called;
- it is decorated, has a metaclass, or its class calls ``cls(...)``/
  ``type(self)(...)``/``self.__class__(...)`` (calls without the name);
- its module or a file importing from it looks names up at run time (``globals``,
  ``vars``, ``locals``, ``__dict__``, ``sys.modules``, ``import_module``,
  ``__import__``, frames' ``f_globals``; in an importer also ``getattr`` with a
  computed name), star-imports it, runs an ``eval``/``exec`` that is not resolved
  (in an importer: any), or a call passes ``*args``/``**kwargs`` to it;
- a notebook or extension source tracked beside the code names it, or a string
  in any file names its module (a dynamic import).

Bindings are read flow-insensitively (every binding of a name in its function
counts), a name bound any other way (loop, ``with``, tuple unpacking, augmented
assignment, ``global``) is unknown, and so is a free variable. A file that does
not parse makes every name it could mention unknown. Work is bounded
(``_MAX_DEPTH`` nested resolutions, ``_MAX_VALUES`` strings); beyond, None.
"""

from __future__ import annotations

import ast
import functools
import posixpath
import re
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

from .. import pysource

_MAX_DEPTH = 16
_MAX_VALUES = 64
_BUDGET = 50_000  # expressions looked at in one resolution
_ROUNDS = 4
#: identifiers that reach a module's names at run time without writing them
_DYNAMIC = {"globals", "locals", "vars", "__import__", "__dict__", "import_module", "f_globals", "f_locals",
            "__globals__", "__builtins__", "getmembers", "reload", "run_path", "run_module"}
#: tracked sources that can call Python code and are not scanned as ``.py`` files
_OTHER_CODE = (".ipynb", ".pyx", ".pxd", ".pyw")
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.Module)

Values = Optional[FrozenSet[str]]


class _File:
    def __init__(self, path: str, tree: ast.Module) -> None:
        self.path = path
        self.tree = tree
        self.stem = posixpath.splitext(posixpath.basename(path))[0]
        if self.stem == "__init__":  # a package's names are imported under the folder's name
            self.stem = posixpath.basename(posixpath.dirname(path))
        self.parent: Dict[ast.AST, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parent[child] = node
        self.nodes = list(self.parent) + [tree]
        self._members: Dict[ast.AST, List[ast.AST]] = {}
        self._by_name: Dict[ast.AST, Dict[str, List[ast.AST]]] = {}
        self.dynamic = any(
            (isinstance(n, ast.Name) and n.id in _DYNAMIC) or (isinstance(n, ast.Attribute) and (
                n.attr in _DYNAMIC or (n.attr == "modules" and isinstance(n.value, ast.Name) and n.value.id == "sys")))
            for n in self.nodes)
        self.codes = sorted((n for n in self.nodes if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                             and n.func.id in ("eval", "exec")), key=lambda n: (n.lineno, n.col_offset))
        #: getattr(x, <not a literal>): on a module object it reaches any of the module's names
        self.lookups = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "getattr"
                           and (len(n.args) < 2 or not isinstance(n.args[1], ast.Constant)) for n in self.nodes)
        #: identifier -> the nodes that name it (names, attributes, import aliases, global declarations,
        #: parameters) and the string constants equal to it or ending in ".identifier"
        self.named: Dict[str, List[ast.AST]] = {}
        self.imported: Set[str] = set()  # last parts of the modules this file imports from or imports
        for n in self.nodes:
            if isinstance(n, ast.Name):
                keys = [n.id]
            elif isinstance(n, ast.Attribute):
                keys = [n.attr]
            elif isinstance(n, ast.alias):
                keys = [n.name.split(".")[-1]] + ([n.asname] if n.asname else [])
            elif isinstance(n, (ast.Global, ast.Nonlocal)):
                keys = list(n.names)
            elif isinstance(n, ast.arg):
                keys = [n.arg]
            elif isinstance(n, ast.Constant) and isinstance(n.value, str) and len(n.value) < 200:
                keys = [n.value.rsplit(".", 1)[-1]] if re.fullmatch(r"[\w.]+", n.value) else []
            else:
                keys = []
            for key in keys:
                self.named.setdefault(key, []).append(n)
            if isinstance(n, ast.ImportFrom):
                if n.module:
                    self.imported.add(n.module.split(".")[-1])
                self.imported.update(alias.name for alias in n.names)
            elif isinstance(n, ast.Import):
                self.imported.update(alias.name.split(".")[-1] for alias in n.names)

    def scope(self, node: ast.AST) -> ast.AST:
        current = self.parent.get(node)
        while current is not None and not isinstance(current, _SCOPES):
            current = self.parent.get(current)
        return current if current is not None else self.tree

    def members(self, scope: ast.AST) -> List[ast.AST]:
        """Nodes whose scope is ``scope`` (nested scopes' nodes excluded, their definitions included)."""
        if scope in self._members:
            return self._members[scope]
        found: List[ast.AST] = []
        stack = list(ast.iter_child_nodes(scope))
        while stack:
            node = stack.pop()
            found.append(node)
            if not isinstance(node, _SCOPES):
                stack.extend(ast.iter_child_nodes(node))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                # decorators and defaults are evaluated in the enclosing scope
                stack.extend(node.decorator_list + node.args.defaults + [d for d in node.args.kw_defaults if d])
        self._members[scope] = found
        return found

    def members_naming(self, scope: ast.AST, name: str) -> List[ast.AST]:
        """The :meth:`members` of ``scope`` that can bind or declare ``name``, in order: ``global``/
        ``nonlocal`` statements, names, definitions, import aliases and ``except ... as`` handlers."""
        index = self._by_name.get(scope)
        if index is None:
            index = self._by_name[scope] = {}
            for member in self.members(scope):
                if isinstance(member, (ast.Global, ast.Nonlocal)):
                    keys = member.names
                elif isinstance(member, ast.Name):
                    keys = (member.id,)
                elif isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    keys = (member.name,)
                elif isinstance(member, ast.alias):
                    keys = (member.asname or member.name.split(".")[0],)
                elif isinstance(member, ast.ExceptHandler) and member.name:
                    keys = (member.name,)
                else:
                    continue
                for key in dict.fromkeys(keys):
                    index.setdefault(key, []).append(member)
        return index.get(name, [])


class World:
    """The tracked Python files of a repository, parsed on demand.

    Args:
        tracked: repo-relative POSIX paths git tracks.
        text_of: repo-relative path -> text, or None when it cannot be read.
    """

    def __init__(self, tracked: Iterable[str], text_of: Callable[[str], Optional[str]]) -> None:
        self.paths = sorted(p for p in tracked if p.endswith(".py"))
        self.others = sorted(p for p in tracked if p.endswith(_OTHER_CODE))
        self.text_of = text_of
        self._texts: Dict[str, Optional[str]] = {}
        self._files: Dict[str, Optional[_File]] = {}
        self._words: Dict[str, Optional[List[str]]] = {}
        self.resolver = _Resolver(self)

    def text(self, path: str) -> Optional[str]:
        if path not in self._texts:
            self._texts[path] = self.text_of(path)
        return self._texts[path]

    def file(self, path: str) -> Optional[_File]:
        if path not in self._files:
            text = self.text(path)
            try:
                self._files[path] = _File(path, pysource.parse(text, path)) if text is not None else None
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                self._files[path] = None
        return self._files[path]

    def mentioning(self, word: str) -> Optional[List[str]]:
        """Tracked ``.py`` files whose text holds ``word`` as a word; None when a file is unreadable or a
        notebook or extension source holds it."""
        if word not in self._words:
            # The substring test first: a pattern that starts with a lookbehind gets no literal-prefix
            # search from ``re`` and costs about 0.4 ms per file (2.5 s over diffusers' 2,089 files).
            regex = re.compile(rf"(?<![\w]){re.escape(word)}(?![\w])")
            pattern = _Mention(word, regex)
            found: Optional[List[str]] = []
            for path in self.paths:
                text = self.text(path)
                if text is None:
                    found = None
                    break
                if pattern.search(text):
                    found.append(path)
            if found is not None:
                for path in self.others:
                    text = self.text(path)
                    if text is None or pattern.search(text):
                        found = None
                        break
            self._words[word] = found
        return self._words[word]


    def quoted(self, path: str, word: str) -> bool:
        """``word`` in ``path`` as a string or the end of a dotted string (``"word"``, ``'pkg.word'``)."""
        return re.search(rf"[\"'.]{re.escape(word)}[\"']", self.text(path) or "") is not None


def values(world: World, path: str, node: ast.AST) -> Values:
    """The strings ``node`` (an expression in the tracked file ``path``) can evaluate to, or None."""
    file = world.file(path)
    if file is None:
        return None
    world.resolver.budget = _BUDGET
    return world.resolver.expr(file, node, 0, frozenset())


class _Resolver:
    """One resolution. The calls of a function are a least fixpoint: while they are being found, a
    nested question about the same function is answered with the calls found so far (none at first),
    and the search is repeated until that answer no longer changes (at most ``_ROUNDS`` times)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.budget = _BUDGET
        self.approx: Dict[Tuple[str, str], List[Tuple[_File, ast.Call]]] = {}
        self.final: Dict[Tuple[str, str], Optional[List[Tuple[_File, ast.Call]]]] = {}
        self.touched: Set[Tuple[str, str]] = set()

    def expr(self, file: _File, node: ast.AST, depth: int, seen: FrozenSet) -> Values:
        self.budget -= 1
        if depth > _MAX_DEPTH or self.budget < 0:
            return None
        if isinstance(node, ast.Constant):
            return frozenset([node.value]) if isinstance(node.value, str) else None
        if isinstance(node, ast.JoinedStr):
            parts: Values = frozenset([""])
            for part in node.values:
                if isinstance(part, ast.FormattedValue):
                    if part.format_spec is not None or part.conversion not in (-1, ord("s")):
                        return None
                    piece = self.expr(file, part.value, depth + 1, seen)
                else:
                    piece = self.expr(file, part, depth + 1, seen)
                parts = _concat(parts, piece)
            return parts
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return _concat(self.expr(file, node.left, depth + 1, seen), self.expr(file, node.right, depth + 1, seen))
        if isinstance(node, ast.IfExp):
            return _union(self.expr(file, node.body, depth + 1, seen), self.expr(file, node.orelse, depth + 1, seen))
        if isinstance(node, ast.Name):
            return self.name(file, node, depth, seen)
        return None

    def name(self, file: _File, node: ast.Name, depth: int, seen: FrozenSet) -> Values:
        scope = file.scope(node)
        if isinstance(scope, (ast.Module, ast.Lambda)):
            return None  # module globals can be set from anywhere; lambdas' parameters from any caller
        key = (file.path, id(scope), node.id)
        if key in seen:
            return None
        seen = seen | {key}
        found: Values = frozenset()
        bound = False
        for member in file.members_naming(scope, node.id):
            if isinstance(member, (ast.Global, ast.Nonlocal)) and node.id in member.names:
                return None
            if isinstance(member, ast.Name) and member.id == node.id and not isinstance(member.ctx, ast.Load):
                bound = True
                owner = file.parent.get(member)
                if isinstance(owner, ast.Assign) and member in owner.targets:
                    found = _union(found, self.expr(file, owner.value, depth + 1, seen))
                elif isinstance(owner, ast.AnnAssign) and owner.target is member and owner.value is not None:
                    found = _union(found, self.expr(file, owner.value, depth + 1, seen))
                else:
                    return None
            elif isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and member.name == node.id:
                return None
            elif isinstance(member, ast.alias) and (member.asname or member.name.split(".")[0]) == node.id:
                return None
            elif isinstance(member, ast.ExceptHandler) and member.name == node.id:
                return None
            if found is None:
                return None
        arguments = scope.args
        names = [a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs]
        if node.id in names:
            bound = True
            found = _union(found, self.parameter(file, scope, node.id, depth + 1, seen))
        elif node.id in [a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None]:
            return None
        return found if bound else None

    def parameter(self, file: _File, function: ast.AST, name: str, depth: int, seen: FrozenSet) -> Values:
        """Values of ``function``'s parameter ``name``: its default and the arguments of every call."""
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or function.decorator_list:
            return None
        owner = file.parent.get(function)
        if isinstance(owner, ast.Module):
            callee, cls = function.name, None
        elif isinstance(owner, ast.ClassDef) and function.name == "__init__" and isinstance(
                file.parent.get(owner), ast.Module) and not owner.decorator_list and not owner.keywords:
            callee, cls = owner.name, owner
            if _calls_itself_unnamed(owner):
                return None
        else:
            return None
        arguments = function.args
        positional = [a.arg for a in arguments.posonlyargs + arguments.args]
        if cls is not None:
            positional = positional[1:]
        index = positional.index(name) if name in positional else None
        by_keyword = name not in [a.arg for a in arguments.posonlyargs]
        default = _default(arguments, name)
        found: Values = frozenset()
        if default is not None:
            found = self.expr(file, default, depth + 1, seen)
        calls = self.calls(file, callee, depth, seen)
        if calls is None:
            return None
        for call_file, call in calls:
            if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
                return None
            keyword = next((k.value for k in call.keywords if k.arg == name), None) if by_keyword else None
            if keyword is not None:
                value = self.expr(call_file, keyword, depth + 1, seen)
            elif index is not None and index < len(call.args):
                value = self.expr(call_file, call.args[index], depth + 1, seen)
            elif default is not None:
                continue  # the default, counted above
            else:
                return None
            found = _union(found, value)
            if found is None:
                return None
        return found

    def calls(self, home: _File, callee: str, depth: int, seen: FrozenSet) -> Optional[List[Tuple[_File, ast.Call]]]:
        """Every call of ``callee`` (defined at the top of ``home``) in the repository, or None when it escapes."""
        key = (home.path, callee)
        if key in self.final:
            return self.final[key]
        if key in self.approx:
            self.touched.add(key)
            return self.approx[key]
        outer, self.touched = self.touched, set()
        self.approx[key] = []
        found: Optional[List[Tuple[_File, ast.Call]]] = None
        try:
            for _ in range(_ROUNDS):
                self.touched.discard(key)
                found = self._calls(home, callee, depth)
                if found is None or key not in self.touched or _same(found, self.approx[key]):
                    break
                self.approx[key] = found
            else:
                found = None
        finally:
            del self.approx[key]
            depends = self.touched - {key}
            self.touched = outer | depends
        if not depends and self.budget >= 0:  # nothing it read is still being computed: final
            self.final[key] = found
        return found

    def _calls(self, home: _File, callee: str, depth: int) -> Optional[List[Tuple[_File, ast.Call]]]:
        seen: FrozenSet = frozenset()  # a call's arguments are read afresh; cycles through calls meet above
        if home.dynamic:
            return None
        paths = self.world.mentioning(callee)
        if paths is None or home.path not in paths:
            return None
        if any(path != home.path and self.world.quoted(path, callee) for path in paths):
            return None  # a string naming it elsewhere: getattr, a registry, an import by name
        # the modules through which the name can be imported: its own, and those importing it from one of them
        stems, files = {home.stem}, {}
        changed = True
        while changed:
            changed = False
            for path in paths:
                if path in files:
                    continue
                text = self.world.text(path) or ""
                if path != home.path and not any(stem in text for stem in stems):
                    continue
                file = self.world.file(path)
                if file is None:
                    return None
                if file is not home and not (file.imported & stems) and not any(stem in file.named for stem in stems):
                    continue  # neither imports from those modules nor reaches them as attributes (pkg.mod.Name)
                files[path] = file
                if file is not home and file.stem not in stems and any(
                        isinstance(n, ast.alias) for n in file.named.get(callee, ())):
                    stems.add(file.stem)
                    changed = True
        for stem in stems:  # a string naming one of those modules: an import by name
            where = self.world.mentioning(stem)
            if where is None or any(self.world.quoted(path, stem) for path in where):
                return None
        found: List[Tuple[_File, ast.Call]] = []
        for path, file in sorted(files.items()):
            here = file is home
            if not here and (file.dynamic or file.codes or file.lookups):
                return None
            if not here and file.named.get("*"):
                return None
            for node in file.named.get(callee, ()):
                if isinstance(node, ast.alias):
                    if node.asname not in (None, callee) or node.name.split(".")[-1] != callee:
                        return None
                elif isinstance(node, ast.Constant):
                    if not here:
                        return None  # inside its module, it can name it only through eval (below)
                elif isinstance(node, (ast.Name, ast.Attribute)):
                    owner = file.parent.get(node)
                    if isinstance(owner, ast.Call) and owner.func is node:
                        found.append((file, owner))
                    else:
                        return None
                else:  # global declaration, parameter
                    return None
        aliases = self.eval_aliases(home, callee, depth, seen)
        if aliases is None or not (found or aliases):
            return None  # never called here: an entry point others call, so its values are not known
        return found + [(home, call) for call in aliases]

    def eval_aliases(self, file: _File, callee: str, depth: int, seen: FrozenSet) -> Optional[List[ast.Call]]:
        """Calls of ``callee`` made through ``eval`` in its own module: ``X = eval(s)`` with ``s`` resolved to
        ``callee``'s name, then ``X(...)`` (or ``eval(s)(...)``). None when such a result is used otherwise, or
        when an ``eval``/``exec`` there is not resolved."""
        calls: List[ast.Call] = []
        for code in file.codes:
            if not code.args:
                return None
            strings = self.expr(file, code.args[0], depth + 1, seen)
            if strings is None:
                return None
            if not any(_mentions(s, callee) for s in strings):
                continue
            if code.func.id == "exec" or not all(re.fullmatch(r"[\w.]+", s) for s in strings if _mentions(s, callee)):
                return None
            owner = file.parent.get(code)
            if isinstance(owner, ast.Call) and owner.func is code:
                calls.append(owner)
            elif isinstance(owner, ast.Assign) and len(owner.targets) == 1 and isinstance(owner.targets[0], ast.Name):
                alias = owner.targets[0].id
                scope = file.scope(owner)
                for member in file.members(scope):
                    if isinstance(member, ast.Name) and member.id == alias and member is not owner.targets[0]:
                        parent = file.parent.get(member)
                        if isinstance(member.ctx, ast.Load) and isinstance(parent, ast.Call) and parent.func is member:
                            calls.append(parent)
                        else:
                            return None
            else:
                return None
        return calls


def _same(left: List[Tuple[_File, ast.Call]], right: List[Tuple[_File, ast.Call]]) -> bool:
    return {id(call) for _, call in left} == {id(call) for _, call in right}


@functools.lru_cache(maxsize=None)  # asked once per parameter lookup through the class; nodes hash by identity
def _calls_itself_unnamed(cls: ast.ClassDef) -> bool:
    """``cls(...)``, ``type(x)(...)``, ``self.__class__(...)`` or a classmethod in the class body."""
    for node in ast.walk(cls):
        if isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Name) and func.id == "cls") or (
                    isinstance(func, ast.Attribute) and func.attr == "__class__") or (
                    isinstance(func, ast.Call) and isinstance(func.func, ast.Name) and func.func.id == "type"):
                return True
        if isinstance(node, ast.Name) and node.id in ("classmethod", "__class__"):
            return True
    return False


def _mentions(code: str, name: str) -> bool:
    return name in code and re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", code) is not None


def _default(arguments: ast.arguments, name: str) -> Optional[ast.AST]:
    positional = arguments.posonlyargs + arguments.args
    pairs = dict(zip([a.arg for a in positional[len(positional) - len(arguments.defaults):]], arguments.defaults))
    pairs.update({a.arg: d for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None})
    return pairs.get(name)


def _union(left: Values, right: Values) -> Values:
    if left is None or right is None:
        return None
    joined = left | right
    return joined if len(joined) <= _MAX_VALUES else None


def _concat(left: Values, right: Values) -> Values:
    if left is None or right is None or len(left) * len(right) > _MAX_VALUES:
        return None
    return frozenset(a + b for a in left for b in right)


class _Mention:
    """``search(text)``: ``regex.search(text)`` after a substring test for ``word`` (same answers)."""

    __slots__ = ("word", "regex")

    def __init__(self, word: str, regex: "re.Pattern[str]") -> None:
        self.word, self.regex = word, regex

    def search(self, text: str):
        return self.regex.search(text) if self.word in text else None
