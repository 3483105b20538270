"""JSONTestSuite (nst/JSONTestSuite) through every JSON reader of the project.

``y_`` documents must be accepted, ``n_`` documents rejected, and ``i_``
documents (implementation-defined) must get a defined answer: accepted or
rejected, never an exception. The readers:

* ``jsonpos``: :func:`governance_hooks.jsonpos.parse`, the one reader with positions;
* ``metrics-fast`` / ``metrics-slow``: a metrics NDJSON file holding the document,
  through the orjson fast path and with orjson disabled (every line through
  :mod:`governance_hooks.metrics.lineparse`); a ``y_`` document with a newline
  inside is two NDJSON lines, not one record, and is left out of these two;
* ``manifest``: a dataset ``manifest.json`` (:func:`parse_manifest_json`);
* ``checkpoint``: a checkpoint ``metadata.json`` / ``index.json`` (:func:`integrity.load_json`);
* ``redos``: a JSON Schema read for ``pattern`` keywords (:func:`extract_json`);
* ``safetensors``: a safetensors header (objects only: the format requires one).

``python -m tests.foundation.test_json_readers`` prints the table.
"""

from __future__ import annotations

import struct
import sys
import tempfile
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import pytest

SUITE = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "JSONTestSuite" / "test_parsing"
READING_RULES = {"metrics/invalid-json", "metrics/invalid-utf8", "metrics/non-standard-number",
                 "metrics/blank-line", "metrics/analysis-incomplete", "metrics/unreadable-file"}


def _jsonpos(data: bytes, tmp: Path) -> Optional[bool]:
    from governance_hooks.jsonpos import JsonPositionError, parse

    try:
        parse(data)
    except JsonPositionError:
        return False
    return True


def _metrics(fast: bool) -> Callable[[bytes, Path], Optional[bool]]:
    def read(data: bytes, tmp: Path) -> Optional[bool]:
        from governance_hooks.metrics import scan
        from governance_hooks.metrics.backends import make_backend
        from governance_hooks.metrics.schema_loader import load_default

        if b"\n" in data.rstrip(b"\n") or not data:
            return None  # not one NDJSON line (an empty file is an empty log: zero records, not a text)
        path = tmp / "m.ndjson"
        path.write_bytes(data)
        saved = scan._orjson
        if not fast:
            scan._orjson = None
        try:
            result = scan.FileScanner(make_backend(load_default(), "jsonschema"), scan.ScanOptions(max_errors=0)) \
                .scan(path, "m.ndjson")
        finally:
            scan._orjson = saved
        return not any(f.rule_id in READING_RULES for f in result.findings)
    return read


def _manifest(data: bytes, tmp: Path) -> Optional[bool]:
    from governance_hooks.manifest.parse_json import parse_manifest_json

    manifest = parse_manifest_json(data, tmp / "manifest.json")
    return not any(p.message.startswith(("invalid JSON", "not valid UTF-8", "the file is")) for p in manifest.problems)


def _checkpoint(data: bytes, tmp: Path) -> Optional[bool]:
    from governance_hooks.checkpoint.integrity import load_json

    path = tmp / "metadata.json"
    path.write_bytes(data)
    problems: list = []
    return load_json(path, problems) is not None


def _redos(data: bytes, tmp: Path) -> Optional[bool]:
    from governance_hooks.redos.extract_data import extract_json

    _, problems = extract_json("schema.json", data, schema=True)
    return not problems


def _safetensors(data: bytes, tmp: Path) -> Optional[bool]:
    from governance_hooks.checkpoint.safetensors_check import validate
    from governance_hooks.jsonpos import JsonPositionError, parse

    try:
        if not isinstance(parse(data).value, dict) or not data.startswith(b"{"):
            return None  # the format requires an object header starting with '{'
    except JsonPositionError:
        if not data.startswith(b"{"):
            return None
    buf = struct.pack("<Q", len(data)) + data
    issues, _ = validate(buf, len(buf))
    # A repeated key is a header finding of its own (which tensor counts is ambiguous), not a JSON error.
    return not any("JSON" in i.message or "UTF-8" in i.message for i in issues)


READERS: Dict[str, Callable[[bytes, Path], Optional[bool]]] = {
    "jsonpos": _jsonpos, "metrics-fast": _metrics(True), "metrics-slow": _metrics(False),
    "manifest": _manifest, "checkpoint": _checkpoint, "redos": _redos, "safetensors": _safetensors,
}


def documents(prefix: str) -> List[Path]:
    return sorted(SUITE.glob(f"{prefix}_*.json"))


def verdicts(reader: str, prefix: str) -> List[Tuple[str, Optional[bool]]]:
    """``(document name, accepted)`` for every document of the kind; ``None`` when it does not apply."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in documents(prefix):
            out.append((path.name, READERS[reader](path.read_bytes(), Path(tmp))))
    return out


@pytest.fixture(autouse=True)
def _suite():
    if not SUITE.exists():
        pytest.skip(f"{SUITE} is absent (the shared corpora live beside the checkout, not in it)")


@pytest.mark.parametrize("reader", list(READERS))
def test_y_documents_are_accepted(reader):
    results = verdicts(reader, "y")
    assert [name for name, ok in results if ok is False] == []
    assert sum(ok is True for _, ok in results) >= (12 if reader == "safetensors" else 90)


@pytest.mark.parametrize("reader", list(READERS))
def test_n_documents_are_rejected(reader):
    results = verdicts(reader, "n")
    assert [name for name, ok in results if ok is True] == []
    assert sum(ok is False for _, ok in results) >= (40 if reader == "safetensors" else 180)


@pytest.mark.parametrize("reader", list(READERS))
def test_i_documents_get_a_defined_answer(reader):
    # verdicts() raises on any exception; the answers agree with the one reader where it applies.
    results = dict(verdicts(reader, "i"))
    reference = dict(verdicts("jsonpos", "i"))
    differ = sorted(name for name, ok in results.items() if ok is not None and ok != reference[name])
    assert differ == EXPECTED_I_DIFFERENCES.get(reader, [])


#: Where a reader answers an ``i_`` document differently from jsonpos, and why that is right for it.
EXPECTED_I_DIFFERENCES: Dict[str, List[str]] = {
    # 500 levels: json.loads (the manifest's C-speed path) reads it and the manifest check then
    # reports "must be a JSON object, not an array"; jsonpos stops at its 256-level limit.
    "manifest": ["i_structure_500_nested_arrays.json"],
}


def test_non_finite_literals_are_not_json_for_the_safetensors_header():
    from governance_hooks.checkpoint.safetensors_check import validate

    header = b'{"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, NaN]}}'
    buf = struct.pack("<Q", len(header)) + header + b"\0" * 4
    issues, count = validate(buf, len(buf))
    assert count is None
    assert [i.message for i in issues] == [
        "the header is not valid JSON: NaN is not JSON (RFC 8259 has no NaN or Infinity) at line 1 column 58"]


def table() -> str:
    rows = ["| reader | y_ accepted | n_ rejected | i_ accepted / rejected | not applicable |", "|---|---|---|---|---|"]
    for reader in READERS:
        y, n, i = verdicts(reader, "y"), verdicts(reader, "n"), verdicts(reader, "i")
        skipped = sum(ok is None for _, ok in y + n + i)
        rows.append(f"| {reader} | {sum(ok is True for _, ok in y)}/{sum(ok is not None for _, ok in y)} "
                    f"| {sum(ok is False for _, ok in n)}/{sum(ok is not None for _, ok in n)} "
                    f"| {sum(ok is True for _, ok in i)} / {sum(ok is False for _, ok in i)} | {skipped} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
    sys.exit(0)
