"""Run the official JSON-Schema-Test-Suite through the metrics check, per draft and backend.

Each test group becomes one NDJSON file checked by :class:`FileScanner` (the
code path of ``governance-hooks metrics``): an object instance is a line
validated against the group's schema; any other instance is wrapped as
``{"v": instance}`` and validated against a wrapper schema whose ``v``
``$ref``s the group's schema (a metrics line must be an object). Remote
``$ref``s (``http://localhost:1234/...``) are served from the suite's
``remotes/`` folder through the bundle, never fetched.

A test passes when its line has no finding exactly when the suite says the
instance is valid. ``python -m tests.metrics.schema_suite`` prints the table.
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from governance_hooks.errors import ToolError
from governance_hooks.metrics.backends import DIALECT_URI, make_backend
from governance_hooks.metrics.scan import FileScanner, ScanOptions
from governance_hooks.metrics.schema_loader import SchemaBundle

SUITE = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "JSON-Schema-Test-Suite"
DRAFTS = {"draft7": "draft-07", "draft2019-09": "2019-09", "draft2020-12": "2020-12"}
REMOTE_BASE = "http://localhost:1234/"
BACKENDS = ("jsonschema", "jsonschema-rs")


@dataclass
class GroupResult:
    """Outcome of one test group (one schema) with one backend."""

    file: str
    description: str
    passed: List[str] = field(default_factory=list)
    failed: List[str] = field(default_factory=list)
    findings: List[List[Tuple[Any, ...]]] = field(default_factory=list)  # per test, comparable across backends
    error: Optional[str] = None  # the schema was refused (counts every test as failed)


def remotes(draft: str) -> Dict[str, Any]:
    """``http://localhost:1234/<path>`` -> document, for the files of ``remotes/`` that ``draft`` uses.

    Those are the shared ones (not in a ``draft*``/``v1`` folder) and the draft's own folder.
    """
    out: Dict[str, Any] = {}
    root = SUITE / "remotes"
    for path in sorted(root.rglob("*.json")):
        rel = path.relative_to(root).as_posix()
        top = rel.split("/", 1)[0]
        if (top.startswith("draft") or top == "v1") and top != draft:
            continue
        out[REMOTE_BASE + rel] = json.loads(path.read_text(encoding="utf-8"))
    return out


def test_files(draft: str, optional: bool) -> List[Path]:
    """The suite's files of ``draft``: the required ones, or the optional (and format) ones."""
    folder = SUITE / "tests" / draft
    if optional:
        return sorted((folder / "optional").rglob("*.json"))
    return sorted(folder.glob("*.json"))


def _bundle(schema: Any, dialect: str, uri: str, wrapped: bool, remote_docs: Dict[str, Any]) -> SchemaBundle:
    uses_remote = REMOTE_BASE in json.dumps(schema)
    documents: Dict[str, Any] = {}
    names: Dict[str, str] = {}
    target = schema
    if isinstance(schema, dict):
        declared = schema.get("$id", schema.get("id"))
        if isinstance(declared, str) and "://" in declared or isinstance(declared, str) and declared.startswith("urn:"):
            uri = declared.split("#", 1)[0]
        else:
            target = {**schema, "$id": uri}
    if wrapped:
        root_uri = "https://suite.invalid/wrapper.json"
        documents[root_uri] = {"$schema": DIALECT_URI[dialect], "$id": root_uri, "type": "object",
                               "required": ["v"], "properties": {"v": {"$ref": uri}}}
        names[root_uri] = ""
        documents[uri] = target
        names[uri] = "schema.json"
    else:
        root_uri = uri
        documents[uri] = target
        names[uri] = ""
    if uses_remote:
        for remote_uri, doc in remote_docs.items():
            if remote_uri not in documents:
                documents[remote_uri] = doc
                names[remote_uri] = remote_uri[len(REMOTE_BASE):]
    return SchemaBundle(label="suite", root_uri=root_uri, dialect=dialect, documents=documents, names=names)


def run_group(file: Path, index: int, group: Dict[str, Any], dialect: str, backend: str,
              remote_docs: Dict[str, Any], workdir: Path) -> GroupResult:
    """Check every test of one group with ``backend``; object and wrapped instances in two files."""
    result = GroupResult(file.relative_to(SUITE / "tests").as_posix().split("/", 1)[1], group["description"])
    tests = group["tests"]
    uri = f"https://suite.invalid/{file.stem}/{index}.json"
    per_test: List[Optional[List[Tuple[Any, ...]]]] = [None] * len(tests)
    for wrapped in (False, True):
        chosen = [i for i, t in enumerate(tests) if isinstance(t["data"], dict) != wrapped]
        if not chosen:
            continue
        try:
            bundle = _bundle(group["schema"], dialect, uri, wrapped, remote_docs)
            scanner = FileScanner(make_backend(bundle, backend), ScanOptions(max_errors=0))
        except (ToolError, Exception) as exc:  # noqa: BLE001 - a refused schema fails its tests
            result.error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            for i in chosen:
                result.failed.append(tests[i]["description"])
                per_test[i] = [("schema refused",)]
            continue
        lines = [json.dumps({"v": tests[i]["data"]} if wrapped else tests[i]["data"], ensure_ascii=False)
                 for i in chosen]
        path = workdir / "suite.ndjson"
        path.write_bytes(("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"))
        try:
            scanned = scanner.scan(path, "suite.ndjson")
        except Exception as exc:  # noqa: BLE001 - a crash fails every test of the group
            result.error = f"crash: {type(exc).__name__}: {exc}"
            for i in chosen:
                result.failed.append(tests[i]["description"])
                per_test[i] = [("crash",)]
            continue
        by_line: Dict[int, List[Tuple[Any, ...]]] = {}
        for f in scanned.findings:
            by_line.setdefault(f.location.line or 0, []).append(
                (f.rule_id, f.location.column, (f.evidence or {}).get("json_path"),
                 (f.evidence or {}).get("schema_path"), f.message))
        for line_no, i in enumerate(chosen, start=1):
            found = by_line.get(line_no, [])
            per_test[i] = found
            valid = not found
            (result.passed if valid == tests[i]["valid"] else result.failed).append(tests[i]["description"])
    result.findings = [p or [] for p in per_test]
    return result


def run_draft(draft: str, backend: str, optional: bool) -> Iterator[GroupResult]:
    """Every group of the draft's required (or optional) files with ``backend``."""
    remote_docs = remotes(draft)
    with tempfile.TemporaryDirectory() as tmp:
        for file in test_files(draft, optional):
            for index, group in enumerate(json.loads(file.read_text(encoding="utf-8"))):
                yield run_group(file, index, group, DRAFTS[draft], backend, remote_docs, Path(tmp))


def table(optional: bool = False) -> str:
    """A text table: per draft and backend, tests passed / total and findings identical across backends."""
    rows = ["| draft | backend | passed | failed | findings identical to the other backend |", "|---|---|---|---|---|"]
    for draft in DRAFTS:
        results = {b: list(run_draft(draft, b, optional)) for b in BACKENDS}
        same = sum(1 for a, b in zip(results[BACKENDS[0]], results[BACKENDS[1]])
                   for x, y in zip(a.findings, b.findings) if x == y)
        total_tests = sum(len(r.findings) for r in results[BACKENDS[0]])
        for backend in BACKENDS:
            passed = sum(len(r.passed) for r in results[backend])
            failed = sum(len(r.failed) for r in results[backend])
            rows.append(f"| {draft} | {backend} | {passed}/{passed + failed} | {failed} | {same}/{total_tests} |")
    return "\n".join(rows)


def main(argv: List[str]) -> int:
    optional = "--optional" in argv
    verbose = "-v" in argv
    if verbose:
        for draft in DRAFTS:
            results = {b: list(run_draft(draft, b, optional)) for b in BACKENDS}
            for backend in BACKENDS:
                for r in results[backend]:
                    for t in r.failed:
                        print(f"FAIL {draft} {backend} {r.file} | {r.description} | {t} {r.error or ''}")
            for a, b in zip(results[BACKENDS[0]], results[BACKENDS[1]]):
                for x, y in zip(a.findings, b.findings):
                    if x != y:
                        print(f"DIFF {draft} {a.file} | {a.description}\n   py: {x}\n   rs: {y}")
    print(table(optional))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
