"""What ``governance-hooks codeowners --who PATH`` imports, so its start-up cannot grow unnoticed.

On a small repository the command's time is mostly its start-up (issue 15 §3 (b):
``--who`` over every file at least 3x the ``codeowners`` package as a command), so the
modules it loads are fixed here: exactly these project modules, and none of the
standard-library or third-party modules that other commands need (TOML, JSON, hashing,
processes, compression, networking, progress bars, schemas, solvers).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

#: Runs the command in a fresh interpreter and prints the modules it added, as JSON.
PROBE = """
import io, sys
before = set(sys.modules)
from governance_hooks.front import main
out, sys.stdout = sys.stdout, io.StringIO()
code = main(sys.argv[1:])
answer, sys.stdout = sys.stdout.getvalue(), out
added = sorted(set(sys.modules) - before)
import json
print(json.dumps({"code": code, "answer": answer, "added": added}))
"""

#: Every project module the command loads: the entry and what answering needs, not the framework
#: (argparse, configuration, checks, findings, reports), which :func:`governance_hooks.codeowners.who.quick`
#: leaves to the full command.
PROJECT_MODULES = {
    "governance_hooks", "governance_hooks.front", "governance_hooks.errors", "governance_hooks.escape",
    "governance_hooks.safe_open", "governance_hooks.codeowners", "governance_hooks.codeowners.who",
    "governance_hooks.codeowners.locate", "governance_hooks.codeowners.matcher", "governance_hooks.codeowners.model",
    "governance_hooks.codeowners.ownership", "governance_hooks.codeowners.parser",
    "governance_hooks.codeowners.patterns",
}

#: Imported by other commands or other output formats; each costs start-up time `--who` does not need.
NOT_NEEDED = {
    "json", "tomllib", "tomli", "hashlib", "_hashlib", "subprocess", "shutil", "bz2", "lzma", "zlib", "traceback",
    "urllib.request", "http", "http.client", "ssl", "socket", "difflib", "datetime", "string", "threading",
    "tqdm", "yaml", "jsonschema", "referencing", "z3", "orjson", "jsonschema_rs",
    "argparse", "gettext", "locale", "typing", "dataclasses", "inspect", "ast", "dis", "pathlib", "fnmatch",
    "urllib.parse", "importlib.util", "contextlib",
}

#: The standard-library modules the command adds today: ``re`` and what it imports (enum, functools,
#: collections, ...), 21 on CPython 3.11; a few more are allowed for interpreter differences.
MAX_OTHER_MODULES = 26


def _run(repo: Path, *argv: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(SRC))
    proc = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=repo, env=env, capture_output=True, text=True,
                          check=True, timeout=60)
    return json.loads(proc.stdout)


def test_who_imports_only_what_it_needs(tmp_path: Path):
    (tmp_path / "CODEOWNERS").write_text("* @org/team\n/docs/ @docs\n", encoding="utf-8")
    result = _run(tmp_path, "codeowners", "--repo", str(tmp_path), "--who", "docs/a.md")
    assert result["code"] == 0
    assert result["answer"].splitlines()[0] == "docs/a.md: @docs (line 2)"
    added = set(result["added"])
    assert {m for m in added if m.startswith("governance_hooks")} == PROJECT_MODULES
    assert sorted(added & NOT_NEEDED) == []
    others = sorted(m for m in added if not m.startswith("governance_hooks"))
    assert len(others) <= MAX_OTHER_MODULES, others


def test_json_answers_still_import_json(tmp_path: Path):
    """The probe can see a lazy import happen: JSON answers load ``json`` when they are asked for."""
    (tmp_path / "CODEOWNERS").write_text("* @org/team\n", encoding="utf-8")
    result = _run(tmp_path, "codeowners", "--repo", str(tmp_path), "--format", "json", "--who", "a.py")
    assert json.loads(result["answer"]) == [{"path": "a.py", "owners": ["@org/team"], "line": 1}]
    assert "json" in result["added"]
