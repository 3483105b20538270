"""The strings that can reach an eval, read from the repository's own code: exact value sets, and None
for every way a value can come from elsewhere."""

from __future__ import annotations

import ast

import pytest

from governance_hooks.semgrep.closed_world import World, values
from governance_hooks.semgrep.refine import refine

LAYERS = '''\
import torch.nn as nn


class Block:
    def __init__(self, dim, norm="nn.LayerNorm", act="nn.GELU"):
        self.norm = eval(norm)(dim)
        self.act = eval(act)


class Net:
    def __init__(self, dim, unit="Block", norm="nn.LayerNorm"):
        Unit = eval(unit)
        self.blocks = [Unit(dim, norm=norm) for _ in range(2)]
        self.head = Block(dim, act="nn." + "ReLU")


def build(dim):
    return Net(dim)
'''

HEADS = '''\
from .layers import Block


def head(dim):
    return Block(dim, norm="nn.BatchNorm1d")
'''

#: line of each eval in LAYERS -> its values
EVALS = {6: frozenset({"nn.LayerNorm", "nn.BatchNorm1d"}), 7: frozenset({"nn.GELU", "nn.ReLU"}),
         12: frozenset({"Block"})}


def resolve(files, path="models/layers.py"):
    world = World(files, files.get)
    tree = world.file(path)
    return {call.lineno: values(world, path, call.args[0]) for call in tree.codes}


def test_defaults_literal_arguments_and_eval_aliases_give_the_exact_strings():
    assert resolve({"models/layers.py": LAYERS, "models/heads.py": HEADS}) == EVALS


@pytest.mark.parametrize("heads", [
    HEADS.replace('norm="nn.BatchNorm1d"', 'norm=config["norm"]').replace("(dim)", "(dim, config)"),  # data
    HEADS + "\nREGISTRY = {'block': Block}\n",                                  # the class passed as a value
    HEADS + "\ndef f(dim, kw):\n    return Block(dim, **kw)\n",                # arguments unseen
    HEADS + "\nimport models.layers as layers\nX = getattr(layers, 'Block')\n",  # named by a string
    HEADS.replace("import Block", "import Block as B"),                          # imported under another name
    HEADS + "\ndef g(s):\n    return eval(s)\n",                              # an importer evaluates data
    HEADS + "\nimport importlib\nm = importlib.import_module('x')\n",           # run-time lookups in an importer
    HEADS.replace("from .layers import Block", "from .layers import *"),
    HEADS + "\nimport models.layers\nX = getattr(models.layers, input())\n",  # a computed name on the module
])
def test_every_way_a_value_can_come_from_elsewhere_makes_it_unknown(heads):
    # Block's parameters become unknown, so its evals are unresolved, and an unresolved eval in a module
    # could name anything there: Net's eval is unknown too
    got = resolve({"models/layers.py": LAYERS, "models/heads.py": heads})
    assert got == {6: None, 7: None, 12: None}


def test_a_reexport_is_followed_to_its_callers():
    files = {"models/layers.py": LAYERS, "models/__init__.py": "from .layers import Block\n",
             "app.py": "from models import Block\n\nBlock(3, act='nn.Tanh')\n"}
    assert resolve(files) == {6: frozenset({"nn.LayerNorm"}), 7: frozenset({"nn.GELU", "nn.ReLU", "nn.Tanh"}),
                              12: frozenset({"Block"})}
    files["app.py"] = files["app.py"].replace("'nn.Tanh'", "input()")
    assert resolve(files) == {6: None, 7: None, 12: None}


def test_a_call_through_the_package_as_an_attribute_counts():
    files = {"models/layers.py": LAYERS, "models/heads.py": HEADS,
             "app.py": "import models\n\nmodels.layers.Block(3, norm='nn.Identity')\n"}
    assert resolve(files)[6] == frozenset({"nn.LayerNorm", "nn.BatchNorm1d", "nn.Identity"})
    files["app.py"] = files["app.py"].replace("'nn.Identity'", "input()")
    assert resolve(files) == {6: None, 7: None, 12: None}


def test_a_function_never_called_in_the_repository_is_an_entry_point():
    files = {"m.py": "def run(code):\n    exec(code)\n\n\ndef opt(code='1'):\n    exec(code)\n"}
    assert resolve(files, "m.py") == {2: None, 6: None}
    files["m.py"] += "\n\nrun('2')\nopt()\n"
    assert resolve(files, "m.py") == {2: frozenset({"2"}), 6: frozenset({"1"})}


@pytest.mark.parametrize("change", [
    lambda text: text + "\n\ndef run(code):\n    exec(code)\n",               # an unresolved exec in the module
    lambda text: text.replace("class Block:", "@register\nclass Block:"),     # a decorator sees the class
    lambda text: text + "\n\ndef load(name):\n    return globals()[name]\n",  # names looked up at run time
])
def test_the_module_itself_must_be_closed(change):
    got = resolve({"models/layers.py": change(LAYERS), "models/heads.py": HEADS})
    assert set(got.values()) == {None}


def test_an_unreadable_or_unparsable_file_or_a_notebook_naming_it_makes_it_unknown():
    for extra in ({"models/other.py": None}, {"models/broken.py": "from .layers import Block\nBlock(\n"},
                  {"demo.ipynb": '"Block(3)"'}):
        got = resolve({"models/layers.py": LAYERS, "models/heads.py": HEADS, **extra})
        assert set(got.values()) == {None}, extra


def test_flow_insensitive_bindings_and_unknown_kinds_of_binding():
    source = '''\
def f(flag, items):
    code = "a"
    if flag:
        code = "b" + "c"
    eval(code)
    for other in items:
        eval(other)
    x = "a"
    x += "b"
    eval(x)
    eval(f"{code}!")
'''
    world = World({"m.py": source}, {"m.py": source}.get)
    calls = world.file("m.py").codes
    assert [values(world, "m.py", call.args[0]) for call in calls] == [
        frozenset({"a", "bc"}), None, None, frozenset({"a!", "bc!"})]


def result(line, col):
    return {"check_id": "pack.eval-exec-non-literal", "path": "models/layers.py", "start": {"line": line, "col": col},
            "end": {"line": line, "col": col + 5}, "extra": {"message": "Base message.", "severity": "ERROR"}}


def test_refine_accepts_resolved_evals_only_in_a_git_repository_with_the_files_readable():
    files = {"models/layers.py": LAYERS, "models/heads.py": HEADS}
    results = [result(6, 21), result(7, 20), result(12, 16)]
    accepted = refine(results, files.get, lambda p: p, set(files), files.get)
    assert (accepted.kept, accepted.accepted) == (
        [], {"evaluates only string literals of the repository's tracked code": 3})
    for tracked, text_of in ((None, files.get), (set(files), None)):
        kept = refine(results, files.get, lambda p: p, tracked, text_of)
        assert [r["start"]["line"] for r in kept.kept] == [6, 7, 12]


def test_the_eval_lines_of_the_fixture():
    assert sorted(c.lineno for c in ast.walk(ast.parse(LAYERS)) if isinstance(c, ast.Call)
                  and isinstance(c.func, ast.Name) and c.func.id == "eval") == sorted(EVALS)
