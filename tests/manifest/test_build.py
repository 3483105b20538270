"""``manifest build``: deterministic text, atomic writes, --update diffs, and what is never listed."""

from __future__ import annotations

import json
import os
import stat

import pytest

from governance_hooks.manifest.build import Change, diff, render

from .conftest import sha, shard, write_files


def schema():
    jsonschema = pytest.importorskip("jsonschema")
    from importlib.resources import files

    text = files("governance_hooks").joinpath("data/manifest/manifest-1.0.schema.json").read_text(encoding="utf-8")
    return jsonschema.Draft202012Validator(json.loads(text))


def test_build_is_deterministic_and_valid(tmp_path, run_cli, monkeypatch):
    ds = tmp_path / "ds"
    write_files(ds, {"b/z.bin": b"z", "a.bin": b"a", "caf\u00e9.bin": b"c", ".gitattributes": b"*.bin lfs"})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    result = run_cli("manifest", "build", ds, "--dataset-id", "demo", "--repo", tmp_path)
    assert (result.code, result.out.splitlines()[0]) == (0, f"wrote {ds / 'manifest.json'}: 3 shards, 3 bytes")
    text = (ds / "manifest.json").read_text(encoding="utf-8")
    assert text == (
        "{\n"
        '  "created_at": 1700000000,\n'
        '  "dataset_id": "demo",\n'
        '  "schema_version": "1.0",\n'
        '  "shards": [\n'
        f'    {{"path": "a.bin", "sha256": "{sha(b"a")}", "size": 1}},\n'
        f'    {{"path": "b/z.bin", "sha256": "{sha(b"z")}", "size": 1}},\n'
        f'    {{"path": "caf\u00e9.bin", "sha256": "{sha(b"c")}", "size": 1}}\n'
        "  ]\n"
        "}\n"
    )
    document = json.loads(text)
    assert list(document) == sorted(document)
    schema().validate(document)
    run_cli("manifest", "build", ds, "--dataset-id", "demo", "--repo", tmp_path)
    assert (ds / "manifest.json").read_text(encoding="utf-8") == text  # byte-identical rebuild
    verify = run_cli("manifest", "verify", ds / "manifest.json", "--repo", tmp_path, "--format", "json")
    assert (verify.code, verify.findings) == (0, [])


def test_empty_dataset_and_null_id():
    assert render(5, None, []) == '{\n  "created_at": 5,\n  "dataset_id": null,\n  "schema_version": "1.0",\n  "shards": []\n}\n'


def test_output_elsewhere_then_verify_with_root(tmp_path, run_cli):
    ds = tmp_path / "ds"
    write_files(ds, {"x.bin": b"x", "manifest.json": b"{}"})  # a stale root manifest.json is never listed
    out = tmp_path / "meta" / "x.json"
    out.parent.mkdir()
    assert run_cli("manifest", "build", ds, "-o", out, "--repo", tmp_path).code == 0
    assert [s["path"] for s in json.loads(out.read_text())["shards"]] == ["x.bin"]
    assert run_cli("manifest", "verify", out, "--root", ds, "--repo", tmp_path).code == 0


def test_manifest_itself_is_never_listed_even_under_another_name(tmp_path, run_cli):
    ds = tmp_path / "ds"
    write_files(ds, {"x.bin": b"x"})
    out = ds / "index" / "files.json"
    out.parent.mkdir()
    out.write_text("old")
    assert run_cli("manifest", "build", ds, "-o", out, "--repo", tmp_path).code == 0
    assert [s["path"] for s in json.loads(out.read_text())["shards"]] == ["x.bin"]
    result = run_cli("manifest", "verify", out, "--root", ds, "--repo", tmp_path, "--format", "json")
    assert (result.code, result.findings) == (0, [])


def test_update_rewrites_only_what_changed_and_prints_the_diff(tmp_path, run_cli, monkeypatch):
    ds = tmp_path / "ds"
    write_files(ds, {"keep.bin": b"k", "edit.bin": b"e1", "old-name.bin": b"moving", "drop.bin": b"d"})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1000")
    run_cli("manifest", "build", ds, "--dataset-id", "ds1", "--repo", tmp_path)
    before = (ds / "manifest.json").read_text().splitlines()
    (ds / "edit.bin").write_bytes(b"e22")
    os.rename(ds / "old-name.bin", ds / "new-name.bin")
    os.remove(ds / "drop.bin")
    (ds / "add.bin").write_bytes(b"added")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "2000")
    result = run_cli("manifest", "build", ds, "--update", "--repo", tmp_path)
    assert result.code == 0
    assert result.out.splitlines() == [
        f'+ "add.bin" (5 bytes, sha256 {sha(b"added")[:16]}...)',
        '- "drop.bin"',
        f'~ "edit.bin": size 2 -> 3, sha256 {sha(b"e1")[:16]}... -> {sha(b"e22")[:16]}...',
        'R "old-name.bin" -> "new-name.bin"',
        f"updated {ds / 'manifest.json'}: 1 changed, 1 moved, 1 added, 1 removed",
        "manifest: 0 errors, 0 warnings, 0 notes; shards: 4; files hashed: 4; bytes hashed: 15; cache hits: 0",
        "total: 1 check run, 0 errors, 0 warnings, 0 notes; exit 0 (nothing at or above error)",
    ]
    after = (ds / "manifest.json").read_text().splitlines()
    keep = [line for line in before if '"keep.bin"' in line]
    assert keep and keep[0] in after  # unchanged shard lines are byte-identical
    assert after[1:3] == ['  "created_at": 2000,', '  "dataset_id": "ds1",']  # dataset_id kept


def test_update_without_changes_does_not_touch_the_file(tmp_path, run_cli):
    ds = tmp_path / "ds"
    write_files(ds, {"a.bin": b"a"})
    run_cli("manifest", "build", ds, "--repo", tmp_path)
    path = ds / "manifest.json"
    os.utime(path, (1, 1))
    result = run_cli("manifest", "build", ds, "--update", "--repo", tmp_path)
    assert result.out.splitlines()[0] == f"{path}: up to date (1 shards)"
    assert path.stat().st_mtime == 1


def test_interrupted_build_leaves_the_old_manifest_intact(tmp_path, run_cli, monkeypatch):
    ds = tmp_path / "ds"
    write_files(ds, {"a.bin": b"a"})
    run_cli("manifest", "build", ds, "--repo", tmp_path)
    path = ds / "manifest.json"
    path.chmod(0o640)
    original = path.read_bytes()
    (ds / "b.bin").write_bytes(b"b")

    def crash(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    result = run_cli("manifest", "build", ds, "--update", "--repo", tmp_path)
    assert (result.code, result.err) == (2, f"governance-hooks: error: {path}: cannot write: No space left on device\n")
    assert path.read_bytes() == original
    assert sorted(p.name for p in ds.iterdir()) == ["a.bin", "b.bin", "manifest.json"]  # no temporary file left
    monkeypatch.undo()
    assert run_cli("manifest", "build", ds, "--update", "--repo", tmp_path).code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # the original mode is kept


def test_files_that_cannot_be_listed_block_the_write(tmp_path, run_cli):
    ds = tmp_path / "ds"
    write_files(ds, {"a.bin": b"a", "back\\slash.bin": b"b"})
    os.symlink("/etc/hostname", ds / "escape.bin")
    result = run_cli("manifest", "build", ds, "--repo", tmp_path, "--format", "json")
    assert result.code == 1
    assert [(f["rule_id"], f["path"], f["message"]) for f in result.findings] == [
        ("manifest/unsafe-path", "ds/back\\slash.bin",
         'path "back\\\\slash.bin" contains a backslash (a Windows separator); it was not opened'),
        ("manifest/unsafe-path", "ds/escape.bin",
         'path "escape.bin" is a symlink that resolves outside the dataset root; it was not opened'),
    ]
    assert result.err == f"governance-hooks manifest: {ds / 'manifest.json'} not written: 2 file(s) cannot be listed (see the findings)\n"
    assert not (ds / "manifest.json").exists()
    assert run_cli("manifest", "build", ds, "--repo", tmp_path, "--exclude", "escape.bin",
                   "--exclude", "back*").code == 0


def test_lfs_pointers_are_recorded_by_their_object(tmp_path, run_cli):
    ds = tmp_path / "ds"
    real = b"big tensor bytes"
    pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha(real)}\nsize {len(real)}\n".encode()
    write_files(ds, {"w.bin": pointer})
    result = run_cli("manifest", "build", ds, "--repo", tmp_path)
    assert result.out.splitlines()[0] == 'note: "w.bin" is a Git LFS pointer; recorded its oid and size'
    assert json.loads((ds / "manifest.json").read_text())["shards"] == [shard("w.bin", real)]


@pytest.mark.parametrize("value", ["yesterday", "-1", "1.5", "\u0661\u0662"])
def test_bad_source_date_epoch_is_exit_2(tmp_path, run_cli, monkeypatch, value):
    (tmp_path / "ds").mkdir()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    result = run_cli("manifest", "build", tmp_path / "ds", "--repo", tmp_path)
    assert (result.code, result.err) == (
        2, f"governance-hooks: error: SOURCE_DATE_EPOCH={value!r}: expected a non-negative integer (seconds since 1970)\n")


def test_update_refuses_a_malformed_or_absent_manifest(tmp_path, run_cli):
    ds = tmp_path / "ds"
    ds.mkdir()
    result = run_cli("manifest", "build", ds, "--update", "--repo", tmp_path)
    assert result.err == (f"governance-hooks: error: {ds / 'manifest.json'}: --update needs an existing manifest "
                          "(run build without --update first)\n")
    (ds / "manifest.json").write_text('{"schema_version": "1.0", "created_at": 1, "dataset_id": null, '
                                      '"shards": [{"path": "a", "size": -1, "sha256": "%s"}]}' % ("0" * 64))
    result = run_cli("manifest", "build", ds, "--update", "--repo", tmp_path)
    assert (result.code, result.err) == (2, f"governance-hooks: error: {ds / 'manifest.json'}: cannot update a "
                                            "malformed manifest at /shards/0/size: size must not be negative (got -1) "
                                            "(rebuild it without --update)\n")


def test_diff_pairs_moves_by_content():
    old = [shard("a", b"1"), shard("b", b"2"), shard("c", b"3")]
    new = [shard("a", b"1"), shard("b2", b"2"), shard("c", b"4"), shard("d", b"5")]
    assert diff(old, new) == [
        Change("moved", "b", shard("b", b"2"), shard("b2", b"2"), "b2"),
        Change("changed", "c", shard("c", b"3"), shard("c", b"4")),
        Change("added", "d", None, shard("d", b"5")),
    ]
