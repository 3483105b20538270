"""Hostile manifests never crash the parsers: every byte string yields entries and problems."""

from __future__ import annotations

import io
import json
from pathlib import Path

from hypothesis import given, settings, strategies as st

from governance_hooks.check import Context
from governance_hooks.config import Config
from governance_hooks.jsonpos import Locator
from governance_hooks.manifest.command import Progress
from governance_hooks.manifest.parse_json import parse_manifest_json
from governance_hooks.manifest.parse_sums import parse_sha256sums

P = Path("m")


@settings(max_examples=120, deadline=None)
@given(st.binary(max_size=400))
def test_sha256sums_parser_accepts_any_bytes(data):
    manifest = parse_sha256sums(data, P)
    for entry in manifest.entries:
        assert len(entry.sha256) == 64 and entry.sha256 == entry.sha256.lower()
    assert all(p.line is not None for p in manifest.problems)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=120, deadline=None)
@given(st.dictionaries(st.sampled_from(["schema_version", "created_at", "dataset_id", "shards", "x"]), json_values)
       | st.lists(json_values))
def test_json_parser_reports_structure_errors_with_locatable_pointers(document):
    text = json.dumps(document, indent=1)
    manifest = parse_manifest_json(text.encode(), P)
    for problem in manifest.problems:
        line, column = manifest.position(pointer=problem.pointer)
        assert line is not None and 1 <= line <= text.count("\n") + 1
    for entry in manifest.entries:
        assert isinstance(entry.path, str) and entry.size >= 0 and len(entry.sha256) == 64


@settings(max_examples=120, deadline=None)
@given(st.binary(max_size=300))
def test_json_parser_accepts_any_bytes(data):
    manifest = parse_manifest_json(data, P)  # never raises
    # Whatever came in, what comes out is well-formed: entries carry valid digests, problems valid pointers.
    for entry in manifest.entries:
        assert isinstance(entry.path, str) and len(entry.sha256) == 64 and entry.pointer.startswith("/shards/")
    for problem in manifest.problems:
        assert problem.message and (problem.pointer is None or problem.pointer == "" or problem.pointer.startswith("/"))


def test_locator_points_at_each_value_of_pretty_and_minified_json():
    document = {"a": [1, {"b": "x/y~z"}], "shards": [{"path": "p", "size": 3}]}
    for text in (json.dumps(document), json.dumps(document, indent=4)):
        locate = Locator(text)
        for pointer, expected in (("/shards/0/size", "3"), ("/a/1", "{"), ("/shards/0/path", '"p"')):
            line, column = locate(pointer)
            assert text.splitlines()[line - 1][column - 1:].startswith(expected)


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_on_a_terminal():
    quiet = Progress(Context(root=P, config=Config(), check="manifest", stderr=io.StringIO()), "x")
    assert quiet(1 << 30) is None and quiet.bar is None
    tty = _Tty()
    loud = Progress(Context(root=P, config=Config(), check="manifest", stderr=tty), "data/x")
    advance = loud(1000)
    assert advance is not None and loud.bar is not None and loud.bar.total == 1000
    advance(400)
    assert loud.bar.n == 400
    loud.close()
    assert loud.bar is None
