"""Fixtures for the manifest check: small datasets, manifests, and a CLI runner with JSON output."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Dict, List, Optional, Union

import pytest

from governance_hooks import cli

OLD = time.time() - 3600  # an mtime well outside the racy window


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def shard(path: str, data: bytes) -> dict:
    return {"path": path, "size": len(data), "sha256": sha(data)}


def write_files(root: Path, files: Dict[str, bytes], old: bool = True) -> None:
    """Create ``files`` under ``root``; ``old`` backdates their mtime by an hour (no racy entries)."""
    for rel, data in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        if old:
            os.utime(target, (OLD, OLD))


def write_manifest(path: Path, shards: List[dict], dataset_id: Optional[str] = "demo", created_at: int = 1700000000,
                   **extra) -> Path:
    document = {"schema_version": "1.0", "created_at": created_at, "dataset_id": dataset_id, "shards": shards, **extra}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    @property
    def report(self) -> dict:
        return json.loads(self.out)

    @property
    def findings(self) -> List[dict]:
        return self.report["findings"]

    def brief(self) -> List[tuple]:
        """(rule_id, path, line, message) of every finding, in report order."""
        return [(f["rule_id"], f["path"], f["line"], f["message"]) for f in self.findings]

    @property
    def stats(self) -> dict:
        return self.report["summary"]["manifest"]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Keep the stat cache of every test in its own folder (never the user's cache)."""
    folder = tmp_path / "stat-cache"
    monkeypatch.setenv("GOVERNANCE_HOOKS_CACHE_DIR", str(folder))
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    return folder


@pytest.fixture
def run_cli(monkeypatch, capsys):
    """``run_cli(*argv, cwd=None)`` -> :class:`Result` of ``governance-hooks`` with captured streams."""

    def _run(*argv: Union[str, Path], cwd: Optional[Path] = None) -> Result:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = cli.main([str(a) for a in argv])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return _run
