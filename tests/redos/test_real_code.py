"""Real code: a slice of the running stdlib and of pygments scans without crash or internal error.

The whole of both is scanned by ``bench/redos_bench.py --real`` (with counts and time).
"""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest

from governance_hooks.redos.scan import Options, scan

PROJECT = Path(__file__).resolve().parents[2]
STDLIB = Path(sysconfig.get_paths()["stdlib"])
STDLIB_SLICE = ["textwrap.py", "tokenize.py", "configparser.py", "difflib.py", "string.py", "fnmatch.py",
                "http/cookiejar.py", "email/_header_value_parser.py", "email/utils.py", "urllib/parse.py",
                "json/decoder.py", "csv.py", "doctest.py", "argparse.py", "re/_parser.py", "sre_parse.py",
                "test/test_re.py"]


def test_stdlib_slice():
    files = [f for f in STDLIB_SLICE if (STDLIB / f).is_file()]
    result = scan(STDLIB, files, Options(confirm=False))
    stats = result.stats
    assert stats["internal_errors"] == 0
    assert stats["files"] == len(files) and stats["patterns"] >= 300
    assert not any(f.rule_id.endswith("internal-error") for f in result.findings)
    # test_re.py deliberately holds patterns that do not compile: reported, not fatal
    assert stats["invalid"] >= 1


def test_pygments_lexer_slice():
    pygments = pytest.importorskip("pygments")
    root = Path(pygments.__file__).parent
    files = sorted(p.relative_to(root).as_posix() for p in (root / "lexers").glob("[a-d]*.py"))
    result = scan(root, files, Options(confirm=False))
    assert result.stats["internal_errors"] == 0
    assert result.stats["patterns"] >= 1500


def test_shipped_json_schemas_are_scanned_and_safe():
    data = PROJECT / "src" / "governance_hooks" / "data"
    files = [p.relative_to(PROJECT).as_posix() for p in sorted(data.rglob("*.schema.json"))]
    result = scan(PROJECT, files, Options(confirm=False))
    assert result.findings == []
    assert result.stats["patterns"] >= 1
