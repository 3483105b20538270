"""The layers of docs/architecture.md, enforced on the import graph of ``src/governance_hooks``.

Read from the source with ``ast`` (imports inside functions count too), so an
arrow pointing up a floor fails here before it makes the next change harder to place.
"""

from __future__ import annotations

from pathlib import Path

from governance_hooks.rules import CHECKS

from .import_graph import SRC, graph, importers_of, python_files

FRONT_DOOR = {"__main__", "front", "cli", "rules_doc"}
RUNNERS = {"commands", "pipeline"}
COMMAND_SUPPORT = {"options", "emit"}
REPORTERS = {"report"}


def layer_of(unit: str) -> str:
    """Any unit not named here (a new shared helper such as ``safe_open``) is a shared mechanism."""
    if unit in FRONT_DOOR:
        return "front door"
    if unit in RUNNERS:
        return "runners"
    if unit in CHECKS:
        return "checks"
    if unit in COMMAND_SUPPORT:
        return "command support"
    if unit in REPORTERS:
        return "reporters"
    return "shared"


#: What each layer may import (besides itself).
ALLOWED = {
    "front door": {"runners", "checks", "command support", "reporters", "shared"},
    "runners": {"command support", "reporters", "shared"},
    "checks": {"command support", "shared"},
    "command support": {"reporters", "shared"},
    "reporters": {"shared"},
    "shared": set(),
}


def test_only_the_entry_imports_the_cli():
    assert set(importers_of("governance_hooks.cli")) == {"governance_hooks.front"}
    assert set(importers_of("governance_hooks.front")) == {"governance_hooks.__main__"}


def test_the_import_finder_sees_relative_and_lazy_imports(tmp_path: Path):
    pkg = tmp_path / "governance_hooks"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "cli.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "a.py").write_text("def f():\n    from ..cli import main\n")
    (pkg / "sub" / "b.py").write_text("from .. import cli\n")
    (pkg / "c.py").write_text("import governance_hooks.cli as front\n")
    assert importers_of("governance_hooks.cli", tmp_path) == {
        "governance_hooks.c": 1, "governance_hooks.sub.a": 2, "governance_hooks.sub.b": 1,
    }


def test_every_import_points_down_or_sideways_within_its_layer():
    wrong = []
    for source, targets in graph().items():
        for target in targets:
            a, b = layer_of(source), layer_of(target)
            if a != b and b not in ALLOWED[a]:
                wrong.append(f"{source} ({a}) imports {target} ({b})")
    assert wrong == []


def test_checks_do_not_import_each_other():
    edges = graph()
    crossing = sorted(f"{c} -> {t}" for c in CHECKS for t in edges.get(c, ()) if t in CHECKS)
    assert crossing == []


def test_the_pipeline_reaches_checks_only_through_the_command_registry():
    assert not graph()["pipeline"] & set(CHECKS)


def test_the_graph_covers_every_module():
    units = set(graph())
    assert {"cli", "commands", "options", "emit", "report", "pipeline", *CHECKS} <= units
    assert all(p.suffix == ".py" for p in python_files(SRC))


def test_one_hostile_input_module_per_test_package_named_the_same():
    tests = Path(__file__).resolve().parents[1]
    odd = sorted(p.relative_to(tests).as_posix() for p in tests.glob("*/test_hostile*.py") if p.name != "test_hostile_inputs.py")
    assert odd == []
