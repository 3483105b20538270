"""The package's import graph, read from the source with ``ast`` (every import, also those inside functions).

``python tests/foundation/import_graph.py [SRC]`` prints it as text, one unit
per line (a top-level module or a subpackage of ``governance_hooks``) with
the units it imports; ``docs/architecture.md`` shows that output.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import Dict, Iterator, Set, Tuple

PACKAGE = "governance_hooks"
SRC = Path(__file__).resolve().parents[2] / "src"


def python_files(src: Path = SRC):
    """Every module of the package, sorted; ``data/`` holds Semgrep test targets, not package code."""
    return sorted(p for p in (src / PACKAGE).rglob("*.py") if "data" not in p.relative_to(src / PACKAGE).parts[:1])


def module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, src: Path) -> Iterator[Tuple[str, int]]:
    """Absolute names of the ``governance_hooks`` modules ``path`` imports, with line numbers.

    ``from . import x`` yields ``<package>.x`` (x may be a module or a name; both count).
    """
    name = module_name(path, src)
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    tree = ast.parse(path.read_bytes(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                if node.level > 1:
                    base_parts = base_parts[: -(node.level - 1)]
                base = ".".join(base_parts)
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            if target.split(".")[0] != PACKAGE:
                continue
            yield target, node.lineno
            for alias in node.names:
                yield f"{target}.{alias.name}", node.lineno


def unit(module: str) -> str:
    """``governance_hooks.pipeline.engine`` -> ``pipeline``; ``governance_hooks.cli`` -> ``cli``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def graph(src: Path = SRC) -> Dict[str, Set[str]]:
    """``{unit: {units it imports}}`` over every module under ``src/governance_hooks``."""
    modules = {module_name(p, src) for p in python_files(src)}
    units = {unit(m) for m in modules}
    edges: Dict[str, Set[str]] = {}
    for path in python_files(src):
        source = unit(module_name(path, src))
        edges.setdefault(source, set())
        for target, _ in imports_of(path, src):
            # ``from . import x``: keep the name only when it is a module of the package.
            if target not in modules and target.rpartition(".")[0] in modules and unit(target) not in units:
                continue
            t = unit(target)
            if t != source and t in units and t != "__init__":
                edges[source].add(t)
    return edges


def importers_of(target: str, src: Path = SRC) -> Dict[str, int]:
    """``{module: line}`` of every module that imports ``target`` (an absolute module name)."""
    found: Dict[str, int] = {}
    for path in python_files(src):
        for name, line in imports_of(path, src):
            if name == target:
                found.setdefault(module_name(path, src), line)
    return found


def render(edges: Dict[str, Set[str]]) -> str:
    width = max(len(u) for u in edges)
    return "\n".join(f"{u:<{width}} -> {', '.join(sorted(t)) or '(nothing)'}" for u, t in sorted(edges.items())) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render(graph(Path(sys.argv[1]) if len(sys.argv) > 1 else SRC)))
