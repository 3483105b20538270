"""Helpers for the metrics tests: scan bytes with a chosen backend and options."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Tuple

from governance_hooks.metrics.backends import make_backend
from governance_hooks.metrics.scan import FileScanner, ScanOptions
from governance_hooks.metrics.schema_loader import load_default, load_schema

Row = Tuple[Optional[int], Optional[int], str, Optional[str]]


def scan_file(path: Path, backend: str = "jsonschema-rs", schema: Optional[Path] = None, **options):
    """ScanResult of ``path`` with the builtin schema (or ``schema``)."""
    bundle = load_schema(schema) if schema is not None else load_default()
    scanner = FileScanner(make_backend(bundle, backend), ScanOptions(**options))
    return scanner.scan(path, path.name)


def rows(result) -> List[Row]:
    """``(line, column, rule_id, json_path)`` of each finding, in report order."""
    return [
        (f.location.line, f.location.column, f.rule_id, (f.evidence or {}).get("json_path"))
        for f in result.findings
    ]


def scan_bytes(tmp_path: Path, data: bytes, name: str = "m.ndjson", **kwargs):
    path = tmp_path / name
    path.write_bytes(data)
    return scan_file(path, **kwargs)
