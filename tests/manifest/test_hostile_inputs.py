"""Hostile manifest input: parsers that accept any bytes, and hostile files on disk.

FIFOs, devices, escaping symlinks, corrupt bytes, huge strings, repeated keys: each case gives an
exact finding (or an exact skip), never a hang, a traceback or memory out of proportion to the file;
every byte string given to the parsers yields entries and problems.
"""

from __future__ import annotations

import io
import json
import os
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from governance_hooks.check import Context
from governance_hooks.config import Config
from governance_hooks.jsonpos import LineIndex, Locator, value_offsets
from governance_hooks.manifest.command import Progress
from governance_hooks.manifest.parse_json import parse_manifest_json
from governance_hooks.manifest.parse_sums import parse_sha256sums
from governance_hooks.manifest.reading import TooLarge, Unreadable, read_manifest

from .conftest import shard, write_files, write_manifest


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


# ---------------------------------------------------------------------- files on disk

FILES = {"a.bin": b"hello\n"}
MANIFEST_TEXT = json.dumps({"schema_version": "1.0", "created_at": 1, "dataset_id": None,
                            "shards": [shard("a.bin", b"hello\n")]})


@pytest.fixture
def dataset(tmp_path):
    """A folder (not a git work tree, so manifests are discovered by a walk) with ``data/a.bin``."""
    write_files(tmp_path / "data", FILES)
    return tmp_path


def verify(run_cli, root: Path, *extra):
    return run_cli("manifest", "verify", *extra, "--repo", root, "--format", "json", cwd=root)


# ------------------------------------------------------------------------------ non-regular files


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_named_manifest_json_is_unreadable_without_opening_it(dataset, run_cli):
    os.mkfifo(dataset / "data" / "manifest.json")  # open() for reading would wait for a writer forever
    expected = [("manifest/unreadable-file", "data/manifest.json", None,
                 "manifest is a FIFO (named pipe), not a regular file; not read")]
    result = verify(run_cli, dataset)
    assert (result.code, result.brief()) == (1, expected)
    explicit = verify(run_cli, dataset, dataset / "data" / "manifest.json")
    assert (explicit.code, explicit.brief()) == (1, expected)


def test_symlink_to_dev_zero_is_refused_before_any_read(dataset, run_cli):
    (dataset / "data" / "manifest.json").symlink_to("/dev/zero")
    result = verify(run_cli, dataset)
    assert (result.code, result.brief()) == (1, [(
        "manifest/unreadable-file", "data/manifest.json", None,
        "manifest is a symlink to /dev/zero, outside the repository; not read")])
    # Outside a repository check, the device itself is refused: st_size 0 would pass a size check.
    with pytest.raises(Unreadable, match=r"^manifest is a character device, not a regular file; not read$"):
        read_manifest(Path("/dev/zero"), 10)


def test_symlink_to_etc_passwd_is_refused(dataset, run_cli):
    (dataset / "data" / "manifest.json").symlink_to("/etc/passwd")
    result = verify(run_cli, dataset)
    assert (result.code, result.brief()) == (1, [(
        "manifest/unreadable-file", "data/manifest.json", None,
        "manifest is a symlink to /etc/passwd, outside the repository; not read")])


def test_symlink_to_a_manifest_inside_the_repository_is_read(dataset, run_cli):
    (dataset / "meta").mkdir()
    (dataset / "meta" / "real.json").write_text(MANIFEST_TEXT)
    (dataset / "data" / "manifest.json").symlink_to("../meta/real.json")
    result = verify(run_cli, dataset)
    assert (result.code, result.findings, result.stats["ok"]) == (0, [], 1)


def test_reads_stop_at_the_budget(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_bytes(b"x" * 100)
    with pytest.raises(TooLarge) as info:
        read_manifest(path, 99)
    assert info.value.size == 100
    assert read_manifest(path, 100) == b"x" * 100
    with pytest.raises(Unreadable, match=r"^manifest is a folder, not a regular file; not read$"):
        read_manifest(tmp_path, 100)
    with pytest.raises(Unreadable, match=r"^manifest cannot be read: No such file or directory$"):
        read_manifest(tmp_path / "absent.json", 100)


# ------------------------------------------------------------------------------ corrupt manifest.json


@pytest.mark.parametrize("content, line, message", [
    (b"", 1, "the file is empty; expected a JSON object"),
    (b"\x00\xff\x01", 1, "not valid UTF-8 (byte 0xff at offset 1)"),
    (b"\xff\xfe" + MANIFEST_TEXT.encode("utf-16-le"), 1, "the file is UTF-16 (little-endian); manifests are UTF-8"),
    (MANIFEST_TEXT.encode("utf-16-be"), 1, "the file is UTF-16 (big-endian); manifests are UTF-8"),
    (MANIFEST_TEXT.encode("utf-16-le"), 1, "the file is UTF-16 (little-endian); manifests are UTF-8"),
    (MANIFEST_TEXT.encode("utf-32"), 1, "the file is UTF-32; manifests are UTF-8"),
    (b"[" * 100_000 + b"]" * 100_000, 1, "invalid JSON: nested deeper than 256 levels"),
    (b"[]", 1, "the manifest must be a JSON object, not an array"),
    (MANIFEST_TEXT[:40].encode(), 1, "invalid JSON: unexpected end of the document"),  # truncated after "created_at":
    (b"root:x:0:0:root:/root:/bin/bash\n", 1, "invalid JSON: unexpected character 'r'"),
    (b'{"schema_version": "1.0",\r\n "created_at": NaN}', 2, "invalid JSON: NaN is not JSON (RFC 8259 has no NaN or Infinity)"),
    (b'{"schema_version": "1.0", "created_at": -Infinity}', 1,
     "invalid JSON: -Infinity is not JSON (RFC 8259 has no NaN or Infinity)"),
])
def test_corrupt_manifest_json_is_malformed_not_skipped(dataset, run_cli, content, line, message):
    (dataset / "data" / "manifest.json").write_bytes(content)
    result = verify(run_cli, dataset)
    assert result.code == 1
    assert result.brief() == [("manifest/malformed-manifest", "data/manifest.json", line, message)]
    assert result.stats["manifests"] == 1


@pytest.mark.parametrize("content", [
    b'{"name": "My PWA", "start_url": "/", "icons": []}',  # W3C Web App Manifest
    b'{"manifest_version": 3, "name": "ext"',  # a truncated WebExtensions manifest: still someone else's
    b'{}',
])
def test_foreign_manifest_json_is_still_skipped(dataset, run_cli, content):
    (dataset / "data" / "manifest.json").write_bytes(content)
    result = verify(run_cli, dataset)
    assert (result.code, result.findings, result.stats["manifests"]) == (0, [], 0)
    assert "no dataset manifest found" in result.err


def test_corrupt_manifest_listed_in_datasets_is_malformed(make_repo, run_cli):
    repo = make_repo({
        "store/x.bin": b"x",
        "meta/train.json": b"\xfe\xff\x00{",
        "pyproject.toml": '[tool.governance-hooks.manifest]\n'
                          'datasets = [{manifest = "meta/train.json", root = "store"}]\n',
    })
    result = run_cli("manifest", "--format", "json", cwd=repo)
    assert (result.code, result.brief()) == (1, [(
        "manifest/malformed-manifest", "meta/train.json", 1, "the file is UTF-16 (big-endian); manifests are UTF-8")])


# ------------------------------------------------------------------------------ repeated keys, long integers


def test_duplicate_key_is_reported_at_the_repeated_key(dataset, run_cli):
    (dataset / "data" / "manifest.json").write_text(
        '{"schema_version":"1.0","created_at":1,"created_at":2,"dataset_id":null,"shards":[]}')
    result = verify(run_cli, dataset)
    assert result.code == 1
    malformed = [(f["line"], f["column"], f["message"]) for f in result.findings
                 if f["rule_id"] == "manifest/malformed-manifest"]
    assert malformed == [(1, 40, '/created_at: duplicate key "created_at" (first at line 1 column 25; '
                                 'only the last value would count)')]


def test_key_repeated_three_times_gives_two_findings():
    text = '{\n "schema_version": "1.0",\n "shards": [],\n "shards": [],\n "shards": [],\n' \
           ' "created_at": 1, "dataset_id": null}'
    manifest = parse_manifest_json(text.encode(), P)
    assert [(p.line, p.column, p.message) for p in manifest.problems] == [
        (4, 2, 'duplicate key "shards" (first at line 3 column 2; only the last value would count)'),
        (5, 2, 'duplicate key "shards" (first at line 3 column 2; only the last value would count)'),
    ]


def test_100000_digit_integers_are_clear_problems_with_positions(dataset, run_cli):
    (dataset / "data" / "manifest.json").write_text(
        '{"schema_version":"1.0","created_at":' + "9" * 100_000 + ',"dataset_id":null,"shards":[]}')
    result = verify(run_cli, dataset)
    malformed = [(f["line"], f["column"], f["message"]) for f in result.findings
                 if f["rule_id"] == "manifest/malformed-manifest"]
    assert malformed == [(1, 38, "/created_at: created_at: integer of 100000 digits is too long")]
    text = ('{"schema_version": "1.0", "created_at": 1, "dataset_id": null,\n "shards": [{"path": "a", '
            '"sha256": "' + "0" * 64 + '", "size": -' + "1" * 5000 + '}]}')
    manifest = parse_manifest_json(text.encode(), P)
    assert [(p.pointer, manifest.position(pointer=p.pointer), p.message) for p in manifest.problems] == [
        ("/shards/0/size", (2, 113), "size: integer of 5000 digits is too long")]
    assert manifest.listed == {"a"} and manifest.entries == []


# ------------------------------------------------------------------------------ memory in proportion


def _peak(function, *args) -> int:
    tracemalloc.start()
    try:
        function(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_long_strings_cost_no_memory_per_character_when_locating():
    long_string = '{"x": "' + "a" * 5_000_000 + '", "y": "' + "\\n" * 1_000_000 + '", "z": 1}'
    assert value_offsets(long_string) == {"": 0, "/x": 6, "/y": 5_000_015, "/z": 7_000_024}
    assert _peak(Locator(long_string), "/z") < 300_000  # was ~100 bytes per character (a regex repeat): 500 MB
    newlines = "[" + "\n" * 5_000_000 + "1]"
    assert Locator(newlines)("/0") == (5_000_001, 1)
    assert _peak(LineIndex, newlines) < 200_000  # 16 bytes per 1 KiB; a list of line starts took ~36 bytes per line


def test_manifest_with_a_5_mb_string_parses_in_proportional_memory():
    text = json.dumps({"schema_version": "1.0", "created_at": 1, "dataset_id": None,
                       "shards": [shard("a.bin", b"hello\n")], "x": "a" * 5_000_000})
    data = text.encode()

    def parse_and_locate():
        manifest = parse_manifest_json(data, P)
        assert [(p.pointer, manifest.position(pointer=p.pointer), p.message) for p in manifest.problems] == [
            ("/x", (1, 189), "unknown key 'x' (v1.0 allows created_at, dataset_id, schema_version, shards)")]

    # The text and the decoded value are two copies of the string; the position pass adds nothing per character.
    assert _peak(parse_and_locate) < 3 * len(data)


def test_default_budget_is_documented(dataset, run_cli, tmp_path):
    from governance_hooks.manifest.command import DEFAULT_MAX_MANIFEST_BYTES

    assert DEFAULT_MAX_MANIFEST_BYTES == 256 * 1024 * 1024
    docs = Path(__file__).resolve().parents[2] / "docs" / "manifest.md"
    assert "max-manifest-bytes = 268435456" in docs.read_text(encoding="utf-8")
    write_manifest(dataset / "data" / "manifest.json", [shard("a.bin", b"hello\n")], x="a" * 2000)
    (dataset / "pyproject.toml").write_text("[tool.governance-hooks.manifest]\nmax-manifest-bytes = 1000\n")
    result = verify(run_cli, dataset)
    size = (dataset / "data" / "manifest.json").stat().st_size
    assert result.brief() == [("manifest/analysis-incomplete", "data/manifest.json", None,
                               f"manifest not verified: {size} bytes exceeds max-manifest-bytes (1000)")]
