"""Post-analysis of Semgrep's matches on the Python AST, with what the repository knows.

Semgrep matches syntax; some facts a match depends on are outside one
expression, and some only the repository knows. Each Semgrep result of a rule
named here is looked at again on the file's AST (its enclosing function, or
the module) and either kept, kept with a sharper message, or accepted (dropped
with a reason that the stats count):

Deserialising sinks (torch.load and friends, pickle and friends, joblib, numpy):

- a literal path: accepted when it names a file ``git ls-files`` lists
  (relative to the root or to the file's folder): tracked files are reviewed.
  Untracked, absolute, ``~``, ``..`` or URL paths stay, saying why;
- self-produced data: ``pickle.loads(pickle.dumps(x))``; a source written by
  ``torch.save``/``pickle.dump``/``joblib.dump``/``numpy.save`` (or assigned from
  ``*.dumps``) earlier in the same function; ``loads`` inside a function that runs
  a ``torch.distributed`` collective in a module that pickles with ``dumps``
  (data exchanged between the processes of one job);
- torch.load only: ``weights_only`` passed as a parameter whose default is True,
  a local set to True, or ``**kw`` built from dict literals with
  ``"weights_only": True`` (an empty dict in the other branch, for torch < 1.13).

``yaml.unsafe_load``/``Loader=yaml.Loader``: accepted for a string that
``yaml.dump``/``OmegaConf.to_yaml`` produced earlier in the same function.

``eval``/``exec``: accepted under a guard ``s.isnumeric()`` / ``isdigit()`` /
``isdecimal()`` / ``isidentifier()`` of the same expression (conditional
expression or ``if`` body), ``exec(open("lit").read())`` of a tracked file, and
code every value of which is a string literal in the repository's tracked code
(constructor defaults and literal arguments flowing to ``eval``; the rules and the
closed-world assumption are in ``closed_world.py``).

Non-atomic checkpoint writes: accepted when the destination is a temporary
file or folder held in a variable (``NamedTemporaryFile``'s ``.name``,
``mkstemp``, ``mkdtemp``, ``TemporaryDirectory``, ``io.BytesIO`` and paths
built from them), a handle of ``open(<temporary name>)``, or the written path
is renamed later in the same function (``os.replace``/``os.rename``/
``shutil.move``/``Path.replace``/``Path.rename``), or the write is inside
``with fs.transaction:`` (fsspec commits a temporary file). This replaces Semgrep
``pattern-not-inside`` clauses with ``...`` that cost 50x any other rule.

A file Python cannot parse keeps all its results (fail closed).
"""

from __future__ import annotations

import ast
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from .. import pysource

DESERIALISING = {
    "torch-load-without-weights-only", "pickle-load-untrusted", "joblib-load-untrusted", "numpy-load-allow-pickle",
}
EVAL = "eval-exec-non-literal"
YAML = "yaml-unsafe-load"
NON_ATOMIC = "non-atomic-checkpoint-write"

#: Keyword names under which the sinks take their source.
_SOURCE_KEYWORDS = ("f", "file", "fp", "filename", "filepath_or_buffer", "path", "url", "s", "data", "value")
#: Attribute names of calls that write serialised data; value: index of the destination argument.
_WRITERS = {"save": 1, "dump": 1, "save_file": 1, "savez": 0, "savez_compressed": 0}
_NUMPY_WRITERS = {"save", "savez", "savez_compressed"}
_COLLECTIVES = {
    "all_gather", "all_gather_object", "gather", "gather_object", "broadcast", "broadcast_object_list",
    "scatter", "scatter_object_list", "all_to_all", "recv", "irecv", "all_reduce",
}
_YAML_DUMPS = {"dump", "safe_dump", "dump_all", "to_yaml"}
_GUARDS = {"isnumeric", "isdigit", "isdecimal", "isidentifier"}
_TEMP_NAME = re.compile(r"(?i)tmp|temp|partial|\.part\b|incomplete|staging")
_TEMP_FACTORIES = {"NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile", "mkstemp", "mkdtemp",
                   "TemporaryDirectory", "gettempdir", "BytesIO"}
_RENAMES = {"replace", "rename", "move"}
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.Module)


@dataclass
class Outcome:
    """The post-analysis of one scan.

    Attributes:
        kept: Semgrep results to report (messages may carry a note).
        accepted: reason -> how many results it accepted.
    """

    kept: List[Dict[str, Any]] = field(default_factory=list)
    accepted: Dict[str, int] = field(default_factory=dict)


def refine(
    results: Iterable[Mapping[str, Any]],
    source_of: Callable[[str], Optional[str]],
    display_of: Callable[[str], str],
    tracked: Optional[Set[str]],
    text_of: Optional[Callable[[str], Optional[str]]] = None,
) -> Outcome:
    """Keep, annotate or accept each Semgrep result (see the module docstring).

    Args:
        results: Semgrep JSON ``results`` entries.
        source_of: Semgrep path -> the file's text, or None when unreadable.
        display_of: Semgrep path -> repo-relative POSIX path (literal paths resolve against its folder).
        tracked: repo-relative POSIX paths of tracked files; None outside git (no literal path is reviewed).
        text_of: repo-relative path -> text (None when unreadable), for the tracked files the ``eval``
            analysis reads; without it no ``eval`` is accepted for its values.
    """
    from .closed_world import World

    outcome = Outcome()
    world = World(tracked, text_of) if tracked is not None and text_of is not None else None
    modules: Dict[str, Optional[_Module]] = {}
    for result in results:
        rule = str(result.get("check_id", "")).rsplit(".", 1)[-1]
        if rule not in DESERIALISING and rule not in (EVAL, NON_ATOMIC, YAML):
            outcome.kept.append(dict(result))
            continue
        path = str(result.get("path", ""))
        if path not in modules:
            modules[path] = _Module.parse(source_of(path))
        module = modules[path]
        call = module.call_at(result) if module else None
        if module is None or call is None:
            outcome.kept.append(dict(result))
            continue
        judge = _Judge(module, call, display_of(path), tracked, world)
        if rule in DESERIALISING:
            reason, note = judge.deserialising(rule)
        elif rule == EVAL:
            reason, note = judge.evaluation()
        elif rule == YAML:
            reason, note = judge.self_produced_yaml(), None
        else:
            reason, note = judge.checkpoint_write(), None
        if reason:
            outcome.accepted[reason] = outcome.accepted.get(reason, 0) + 1
            continue
        kept = dict(result)
        if note:
            extra = dict(kept.get("extra") or {})
            extra["message"] = f"{str(extra.get('message') or '').rstrip()} {note}"
            kept["extra"] = extra
        outcome.kept.append(kept)
    return outcome


class _Module:
    """A parsed file with parent links and its calls indexed by line."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.parent: Dict[ast.AST, ast.AST] = {}
        self.calls: Dict[int, List[ast.Call]] = {}
        self.dumps = False
        self.members: Dict[ast.AST, List[ast.AST]] = {tree: [tree]}  # scope -> its nodes, scopes included
        stack: List[Tuple[ast.AST, ast.AST]] = [(tree, tree)]
        while stack:
            node, scope = stack.pop()
            inner = node if isinstance(node, _SCOPES) else scope
            if inner is not scope:
                self.members.setdefault(inner, [inner])
            for child in ast.iter_child_nodes(node):
                self.parent[child] = node
                self.members[inner].append(child)
                stack.append((child, inner))
        for node in self.parent:
            if isinstance(node, ast.Call):
                self.calls.setdefault(node.lineno, []).append(node)
                if _attr(node.func) in ("dumps", "dump"):  # the module serialises what it exchanges
                    self.dumps = True

    @classmethod
    def parse(cls, text: Optional[str]) -> Optional["_Module"]:
        if text is None:
            return None
        try:
            return cls(pysource.parse(text))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None

    def call_at(self, result: Mapping[str, Any]) -> Optional[ast.Call]:
        start = result.get("start") or {}
        line, col = start.get("line"), start.get("col")
        candidates = self.calls.get(line) if isinstance(line, int) else None
        if not candidates:
            return None
        for call in candidates:
            if isinstance(col, int) and call.col_offset == col - 1:
                return call
        return min(candidates, key=lambda c: c.col_offset)

    def scope(self, node: ast.AST) -> ast.AST:
        current = self.parent.get(node)
        while current is not None and not isinstance(current, _SCOPES):
            current = self.parent.get(current)
        return current or self.tree

    def ancestors(self, node: ast.AST) -> Iterable[Tuple[ast.AST, ast.AST]]:
        """(ancestor, the child on the way down) pairs up to the enclosing scope."""
        child = node
        current = self.parent.get(node)
        while current is not None:
            yield current, child
            if isinstance(current, _SCOPES):
                return
            child, current = current, self.parent.get(current)


class _Judge:
    def __init__(self, module: _Module, call: ast.Call, display: str, tracked: Optional[Set[str]],
                 world: Any = None) -> None:
        self.world = world
        self.module = module
        self.call = call
        self.display = display
        self.tracked = tracked
        self.scope = module.scope(call)
        self.nodes = module.members.get(self.scope, [])

    # -- deserialisation -------------------------------------------------------------------
    def deserialising(self, rule: str) -> Tuple[Optional[str], Optional[str]]:
        source = _source_arg(self.call)
        if rule == "torch-load-without-weights-only" and self._weights_only_true():
            return "weights_only=True through a parameter default or keyword dict", None
        if source is None:
            return None, None
        if isinstance(source, ast.Constant) and isinstance(source.value, bytes):
            return "bytes literal", None
        if isinstance(source, ast.Call) and _attr(source.func) == "dumps":
            return "serialised in the same expression", None
        literal = self._literal_path(source)
        if literal is not None:
            return self._reviewed(literal)
        if self._written_before(source):
            return "written earlier in the same function", None
        if (_attr(self.call.func) == "loads" and self.module.dumps
                and any(isinstance(n, ast.Call) and _attr(n.func) in _COLLECTIVES for n in self.nodes)):
            return "exchanged between the processes of one job", None
        return None, None

    def _reviewed(self, literal: str) -> Tuple[Optional[str], Optional[str]]:
        shown = literal if len(literal) <= 80 else literal[:77] + "..."
        if (literal.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:", literal)
                or re.match(r"^[A-Za-z][\w+.-]*://", literal) or ".." in re.split(r"[/\\]", literal)):
            return None, f"('{shown}' lies outside the repository.)"
        if self.tracked is None:
            return None, f"('{shown}' cannot be checked against tracked files outside a git repository.)"
        folder = posixpath.dirname(self.display)
        relative = literal.replace("\\", "/")
        candidates = {posixpath.normpath(relative), posixpath.normpath(posixpath.join(folder, relative))}
        if candidates & self.tracked:
            return "a literal path to a tracked (reviewed) file", None
        return None, f"('{shown}' is not a file this repository tracks, so nothing reviewed it.)"

    def _literal_path(self, node: ast.AST) -> Optional[str]:
        """The literal path ``node`` reads: "lit", open("lit"), Path("lit"), a handle of ``with open("lit")``,
        or a name assigned only such a literal in this scope; None when computed."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Call) and _attr(node.func) in ("open", "Path", "PurePath") and node.args:
            return self._literal_path(node.args[0])
        if isinstance(node, ast.Call) and _attr(node.func) == "read" and isinstance(node.func, ast.Attribute):
            return self._literal_path(node.func.value)
        if isinstance(node, ast.Name):
            values = self._latest(node.id)
            if values and all(self._literal_path(v) is not None for v in values):
                found = {self._literal_path(v) for v in values}
                return found.pop() if len(found) == 1 else None
        return None

    def _bindings(self, name: str) -> List[ast.AST]:
        """Values bound to ``name`` in this scope: assignments and ``with ... as name``."""
        values: List[ast.AST] = []
        for node in self.nodes:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                values.append(node.value)
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name) \
                    and node.target.id == name:
                values.append(node.value if node.value is not None and isinstance(node, ast.AnnAssign) else node)
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                    and _attr(node.value.func) == "mkstemp" \
                    and any(isinstance(t, ast.Tuple) and _binds(t, name) for t in node.targets):
                values.append(node.value)  # fd, path = mkstemp(): the path is a temporary file
            elif isinstance(node, ast.withitem) and isinstance(node.optional_vars, ast.Name) \
                    and node.optional_vars.id == name:
                values.append(node.context_expr)
            elif isinstance(node, (ast.For, ast.comprehension)) and _binds(node.target, name):
                values.append(node)
            elif isinstance(node, ast.arguments) and name in _parameter_names(node):
                values.append(node)
        return values

    def _latest(self, name: str, before: Optional[int] = None) -> List[ast.AST]:
        """The binding of ``name`` in force at the call: the last one on a line up to the call's
        (parameters count as line 0); all bindings when none precedes it."""
        line = self.call.lineno if before is None else before
        values = self._bindings(name)
        placed = [(_line_of(v), v) for v in values]
        earlier = [(n, v) for n, v in placed if n <= line]
        if not earlier:
            return values
        last = max(n for n, _ in earlier)
        return [v for n, v in earlier if n == last]

    def _keys(self, node: ast.AST) -> Set[str]:
        """Text keys of what ``node`` refers to: itself, and the path of a handle from ``with open(P) as h``."""
        keys = {_text(node)}
        if isinstance(node, ast.Name):
            for value in self._latest(node.id, before=getattr(node, "lineno", None)):
                if isinstance(value, ast.Call) and _attr(value.func) == "open" and value.args:
                    keys.add(_text(value.args[0]))
        if isinstance(node, ast.Call) and _attr(node.func) == "open" and node.args:
            keys.add(_text(node.args[0]))
        return keys

    def _written_before(self, source: ast.AST) -> bool:
        wanted = self._keys(source)
        for node in self.nodes:
            if getattr(node, "lineno", self.call.lineno + 1) >= self.call.lineno:
                continue
            if isinstance(node, ast.Call):
                dest = _writer_destination(node)
                if dest is not None and self._keys(dest) & wanted:
                    return True
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and _attr(node.value.func) == "dumps":
                if any(_text(t) in wanted for t in node.targets):
                    return True
        return False

    def _weights_only_true(self) -> bool:
        for keyword in self.call.keywords:
            if keyword.arg == "weights_only" and isinstance(keyword.value, ast.Name):
                values = self._bindings(keyword.value.id)
                if values and all(self._true_default(v, keyword.value.id) for v in values):
                    return True
            if keyword.arg is None and isinstance(keyword.value, ast.Name):
                name = keyword.value.id
                if self._sets_weights_only(name):
                    return True
                values = [v for v in self._bindings(name) if getattr(v, "lineno", 0) < self.call.lineno
                          or isinstance(v, ast.arguments)]
                if values and all(_dict_with_weights_only(v) for v in values):
                    return True
        return False

    def _true_default(self, value: ast.AST, name: str) -> bool:
        if isinstance(value, ast.Constant):
            return value.value is True
        if isinstance(value, ast.arguments):
            return _parameter_default(value, name) is True
        return False

    def _sets_weights_only(self, name: str) -> bool:
        """``kw["weights_only"] = True`` or ``kw.setdefault("weights_only", True)`` before the call."""
        for node in self.nodes:
            if getattr(node, "lineno", self.call.lineno) >= self.call.lineno:
                continue
            if isinstance(node, ast.Assign) and _is_true(node.value):
                for target in node.targets:
                    if (isinstance(target, ast.Subscript) and _text(target.value) == name
                            and isinstance(target.slice, ast.Constant) and target.slice.value == "weights_only"):
                        return True
        return False

    def self_produced_yaml(self) -> Optional[str]:
        """yaml.unsafe_load of a string ``yaml.dump``/``OmegaConf.to_yaml`` made earlier in the same function."""
        source = _source_arg(self.call)
        if isinstance(source, ast.Name):
            values = self._latest(source.id)
            if values and all(isinstance(v, ast.Call) and _attr(v.func) in _YAML_DUMPS for v in values):
                return "a YAML string dumped in the same function"
        return None

    # -- eval / exec -----------------------------------------------------------------------
    def evaluation(self) -> Tuple[Optional[str], Optional[str]]:
        while isinstance(self.call.func, ast.Call):  # eval(s)(x) starts where eval(s) does
            self.call = self.call.func
        if not self.call.args:
            return None, None
        code = self.call.args[0]
        key = _text(code)
        for ancestor, child in self.module.ancestors(self.call):
            if isinstance(ancestor, (ast.IfExp, ast.If)) and child is not ancestor.test:
                in_body = child is ancestor.body or (isinstance(ancestor.body, list) and child in ancestor.body)
                if in_body and _guards(ancestor.test, key):
                    return "evaluated only under a numeric or identifier guard", None
        literal = self._literal_path(code) if isinstance(code, ast.Call) and _attr(code.func) == "read" else None
        if literal is not None:
            return self._reviewed(literal)
        if self._fixed_by_repository():
            return "evaluates only string literals of the repository's tracked code", None
        return None, None

    def _fixed_by_repository(self) -> bool:
        """Every value of the evaluated code is a literal in tracked code (``closed_world.values``)."""
        from .closed_world import values

        if self.world is None or self.display not in self.tracked:
            return False
        file = self.world.file(self.display)
        if file is None:
            return False
        # the same call in the world's own parse of the file (the scanned text is the tracked file's)
        same = [node for node in file.codes if (node.lineno, node.col_offset) == (self.call.lineno, self.call.col_offset)
                and node.args and _text(node.args[0]) == _text(self.call.args[0])]
        return len(same) == 1 and values(self.world, self.display, same[0].args[0]) is not None

    # -- checkpoint writes -----------------------------------------------------------------
    def checkpoint_write(self) -> Optional[str]:
        dest = _write_destination(self.call)
        if dest is None:
            return None
        if self._temporary(dest, depth=0):
            return "written to a temporary file or folder"
        if self._in_transaction():
            return "written inside an fsspec transaction (a temporary file moved on commit)"
        keys = self._keys(dest)
        for node in self.nodes:
            if not (isinstance(node, ast.Call) and node.lineno > self.call.lineno):
                continue
            name = _attr(node.func)
            if name not in _RENAMES:
                continue
            if isinstance(node.func, ast.Attribute) and _text(node.func.value) in ("os", "shutil"):
                moved = node.args[0] if node.args else None
            elif isinstance(node.func, ast.Attribute) and len(node.args) == 1 and name in ("replace", "rename"):
                moved = node.func.value  # Path.replace(target); str.replace takes two arguments
            else:
                moved = None
            if moved is not None and _text(moved) in keys:
                return "renamed onto its final path afterwards"
        return None

    def _in_transaction(self) -> bool:
        """Inside ``with fs.transaction:``: fsspec opens files with autocommit off, so each is
        written to a temporary file and moved onto its path when the block commits."""
        return any(isinstance(node, (ast.With, ast.AsyncWith))
                   and any(isinstance(item.context_expr, ast.Attribute) and item.context_expr.attr == "transaction"
                           for item in node.items)
                   for node, _ in self.module.ancestors(self.call))

    def _temporary(self, node: ast.AST, depth: int) -> bool:
        """``node`` names a temporary file or folder: by its text, or through the names it is built from."""
        if depth > 4:
            return False
        if _TEMP_NAME.search(_text(node)):
            return True
        if isinstance(node, ast.Call) and _attr(node.func) in _TEMP_FACTORIES:
            return True
        if isinstance(node, ast.Attribute) and node.attr == "name":
            return self._temporary(node.value, depth + 1)
        for name in {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}:
            for value in self._latest(name):
                if isinstance(value, ast.AST) and not isinstance(value, (ast.arguments, ast.For, ast.comprehension)) \
                        and self._temporary(value, depth + 1):
                    return True
        return False


def _line_of(value: ast.AST) -> int:
    if isinstance(value, ast.arguments):
        return 0
    if isinstance(value, ast.comprehension):
        return getattr(value.target, "lineno", 0)
    return getattr(value, "lineno", 0)


def _attr(func: ast.AST) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _text(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover - unparse of a valid tree
        return ""


def _binds(target: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(target))


def _parameter_names(arguments: ast.arguments) -> Set[str]:
    names = {a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs}
    for extra in (arguments.vararg, arguments.kwarg):
        if extra is not None:
            names.add(extra.arg)
    return names


def _parameter_default(arguments: ast.arguments, name: str) -> Any:
    positional = arguments.posonlyargs + arguments.args
    defaults: Dict[str, ast.AST] = dict(zip([a.arg for a in positional[len(positional) - len(arguments.defaults):]],
                                            arguments.defaults))
    defaults.update({a.arg: d for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None})
    value = defaults.get(name)
    return value.value if isinstance(value, ast.Constant) else None


def _is_true(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _dict_with_weights_only(node: ast.AST) -> bool:
    """A dict literal (or ``dict(...)``) with ``weights_only`` True, or a conditional whose branches are such
    dicts or empty ones (at least one True)."""
    def verdict(value: ast.AST) -> Optional[bool]:  # True: sets it; None: empty dict; False: anything else
        if isinstance(value, ast.IfExp):
            sides = [verdict(value.body), verdict(value.orelse)]
            return None if sides == [None, None] else (False if False in sides else True)
        if isinstance(value, ast.Dict):
            for k, v in zip(value.keys, value.values):
                if isinstance(k, ast.Constant) and k.value == "weights_only":
                    return _is_true(v)
            return None if not value.keys else False
        if isinstance(value, ast.Call) and _attr(value.func) == "dict" and not value.args:
            for keyword in value.keywords:
                if keyword.arg == "weights_only":
                    return _is_true(keyword.value)
            return None if not value.keywords else False
        return False
    return verdict(node) is True


def _guards(test: ast.AST, key: str) -> bool:
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_guards(v, key) for v in test.values)
    return (isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and test.func.attr in _GUARDS
            and _text(test.func.value) == key)


def _source_arg(call: ast.Call) -> Optional[ast.AST]:
    if call.args and not isinstance(call.args[0], ast.Starred):
        return call.args[0]
    for keyword in call.keywords:
        if keyword.arg in _SOURCE_KEYWORDS:
            return keyword.value
    return None


def _writer_destination(call: ast.Call) -> Optional[ast.AST]:
    """Where ``torch.save``/``pickle.dump``/``joblib.dump``/``numpy.save`` and kin write, else None."""
    name = _attr(call.func)
    if name not in _WRITERS:
        return None
    base = _text(call.func.value) if isinstance(call.func, ast.Attribute) else ""
    index = 0 if (name in _NUMPY_WRITERS and base in ("np", "numpy")) else _WRITERS[name]
    if len(call.args) > index and not isinstance(call.args[index], ast.Starred):
        return call.args[index]
    for keyword in call.keywords:
        if keyword.arg in ("f", "file", "filename", "fp", "filepath"):
            return keyword.value
    return None


def _write_destination(call: ast.Call) -> Optional[ast.AST]:
    """The destination of a matched checkpoint write: ``open(D, "wb")``, ``D.open("wb")``, ``save(obj, D)``."""
    name = _attr(call.func)
    if name == "open":
        if isinstance(call.func, ast.Attribute) and _text(call.func.value) not in ("io", "builtins", "os"):
            return call.func.value
        return call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "file"), None)
    return _writer_destination(call)


def summary(accepted: Mapping[str, int]) -> Sequence[Tuple[str, int]]:
    """``accepted`` sorted by reason, for stats."""
    return sorted(accepted.items())
