"""``manifest verify``: every verdict of the audit, with exact findings, lines and exit codes."""

from __future__ import annotations

import os

import pytest

from .conftest import shard, sha, write_files, write_manifest


def lfs_pointer(data: bytes) -> bytes:
    return (f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha(data)}\nsize {len(data)}\n").encode()


def line_of(index: int) -> int:
    """Line of shard ``index`` in a manifest written by ``write_manifest`` (json indent=2, sorted keys)."""
    return 6 + 5 * index


def test_unchanged_dataset_passes(tmp_path, run_cli):
    files = {"a.bin": b"alpha", "sub/b.bin": b"beta" * 1000, "empty.bin": b""}
    write_files(tmp_path / "ds", files)
    write_manifest(tmp_path / "ds" / "manifest.json", [shard(p, d) for p, d in files.items()])
    (tmp_path / "ds" / ".DS_Store").write_bytes(b"litter")  # excluded by default
    result = run_cli("manifest", "verify", tmp_path / "ds" / "manifest.json", "--repo", tmp_path, "--format", "json")
    assert (result.code, result.findings) == (0, [])
    assert result.stats == {"error": 0, "warning": 0, "note": 0, "manifests": 1, "shards": 3, "ok": 3,
                            "files_hashed": 3, "bytes_hashed": 4005, "cache_hits": 0, "status": "pass"}


@pytest.fixture
def stale(tmp_path):
    """A dataset with one of every problem; returns (repo root, manifest path)."""
    ds = tmp_path / "ds"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"secret")
    real = b"the real object behind the pointer"
    write_files(ds, {
        "ok.bin": b"ok", "size.bin": b"grown!", "hash.bin": b"abcd", "moved/new-place.bin": b"moved content",
        "extra.txt": b"surprise", "lfs.bin": lfs_pointer(real), "lfs-other.bin": lfs_pointer(b"another object"),
        "Data.bin": b"D", "data.bin": b"d", ".DS_Store": b"x",
    })
    os.mkfifo(ds / "pipe.bin")
    (ds / "folder.bin").mkdir()
    os.symlink("nowhere", ds / "dangling.bin")
    os.symlink(outside / "secret.txt", ds / "escape.bin")
    os.symlink(outside, ds / "linkdir")
    os.symlink("ok.bin", ds / "inside-link.bin")
    shards = [
        shard("ok.bin", b"ok"),                      # 0 ok
        shard("size.bin", b"grow"),                  # 1 changed: size
        shard("hash.bin", b"abce"),                  # 2 changed: sha256, same size
        shard("old-place.bin", b"moved content"),    # 3 moved
        shard("gone.bin", b"gone"),                  # 4 missing
        shard("ok.bin", b"ok"),                      # 5 duplicate, identical
        shard("hash.bin", b"other"),                 # 6 duplicate, conflicting
        shard("pipe.bin", b"p"),                     # 7 unreadable: FIFO (never opened: it would block)
        shard("folder.bin", b"f"),                   # 8 unreadable: directory
        shard("dangling.bin", b"d"),                 # 9 unreadable: dangling symlink
        shard("lfs.bin", real),                      # 10 LFS pointer to the listed object
        shard("lfs-other.bin", real),                # 11 LFS pointer to another object: changed
        shard("/etc/passwd", b"x"),                  # 12 unsafe: absolute
        shard("../outside/secret.txt", b"secret"),   # 13 unsafe: ..
        shard("a\\b.bin", b"x"),                     # 14 unsafe: backslash
        shard("escape.bin", b"secret"),              # 15 unsafe: symlink out of the root
        shard("linkdir/secret.txt", b"secret"),      # 16 unsafe: through a symlinked folder
        shard("inside-link.bin", b"ok"),             # 17 ok: symlink inside the root
        shard("Data.bin", b"D"),                     # 18 ok, but collides with 19
        shard("data.bin", b"d"),                     # 19 ok
    ]
    return tmp_path, write_manifest(ds / "manifest.json", shards)


def test_every_verdict_is_reported_exactly(stale, run_cli):
    repo, manifest = stale
    result = run_cli("manifest", "verify", manifest, "--repo", repo, "--format", "json")
    assert result.code == 1
    real = b"the real object behind the pointer"
    m = "ds/manifest.json"
    assert result.brief() == [
        ("manifest/new-file", "ds/extra.txt", None, '"extra.txt" is not listed in ds/manifest.json (8 bytes)'),
        ("manifest/unsafe-path", "ds/linkdir", None,
         'path "linkdir" is a symlink that resolves outside the dataset root; it was not opened'),
        ("manifest/changed-shard", m, line_of(1),
         'shard "size.bin" changed: size differs (listed 4 bytes, found 6 bytes)'),
        ("manifest/changed-shard", m, line_of(2),
         f'shard "hash.bin" changed: sha256 differs (listed {sha(b"abce")[:16]}..., '
         f'found {sha(b"abcd")[:16]}...; same size, 4 bytes)'),
        ("manifest/moved-shard", m, line_of(3),
         'shard "old-place.bin" is missing; its content (same sha256 and size) is now at "moved/new-place.bin"'),
        ("manifest/missing-shard", m, line_of(4), 'shard "gone.bin" is missing'),
        ("manifest/duplicate-entry", m, line_of(5),
         'shard "ok.bin" is listed again (entry 6, first at entry 1) with the same sha256 and size'),
        ("manifest/duplicate-entry", m, line_of(6),
         'shard "hash.bin" is listed again (entry 7, first at entry 3) with a different sha256 or size '
         '(the manifest contradicts itself)'),
        ("manifest/unreadable-file", m, line_of(7), 'shard "pipe.bin" is a FIFO'),
        ("manifest/unreadable-file", m, line_of(8), 'shard "folder.bin" is a directory'),
        ("manifest/unreadable-file", m, line_of(9), 'shard "dangling.bin" is a dangling symlink'),
        ("manifest/lfs-pointer", m, line_of(10),
         'shard "lfs.bin" is a Git LFS pointer to the listed object (oid and size match); '
         'its content was not verified (run `git lfs pull`)'),
        ("manifest/changed-shard", m, line_of(11),
         f'shard "lfs-other.bin" changed: it is a Git LFS pointer to another object '
         f'(oid {sha(b"another object")[:16]}..., 14 bytes; listed {sha(real)[:16]}..., {len(real)} bytes)'),
        ("manifest/unsafe-path", m, line_of(12), 'path "/etc/passwd" is absolute; it was not opened'),
        ("manifest/unsafe-path", m, line_of(13),
         "path \"../outside/secret.txt\" contains '..' (leaves the dataset root); it was not opened"),
        ("manifest/unsafe-path", m, line_of(14),
         'path "a\\\\b.bin" contains a backslash (a Windows separator); it was not opened'),
        ("manifest/unsafe-path", m, line_of(15),
         'path "escape.bin" is a symlink that resolves outside the dataset root; it was not opened'),
        ("manifest/unsafe-path", m, line_of(16),
         'path "linkdir/secret.txt" goes through a symlink that resolves outside the dataset root; it was not opened'),
        ("manifest/path-collision", m, line_of(18),
         'paths "Data.bin", "data.bin" are one file on case-insensitive or Unicode-normalising file systems'),
    ]
    assert result.stats["ok"] == 4  # ok.bin, inside-link.bin, Data.bin, data.bin
    by_rule = {f["rule_id"]: f for f in result.findings}
    assert by_rule["manifest/moved-shard"]["evidence"] == {
        "path": "old-place.bin", "moved_to": "moved/new-place.bin", "manifest": m,
        "expected_sha256": sha(b"moved content"), "expected_size": 13}
    assert by_rule["manifest/lfs-pointer"]["severity"] == "note"
    assert by_rule["manifest/path-collision"]["severity"] == "warning"
    assert by_rule["manifest/missing-shard"]["suggestion"] == \
        "if the change is intended and reviewed: governance-hooks manifest build ds --update"


def test_text_output_names_manifest_line_and_column(stale, run_cli):
    repo, manifest = stale
    result = run_cli("manifest", "verify", manifest, "--repo", repo)
    assert result.code == 1
    assert 'ds/manifest.json:26:5: error manifest/missing-shard shard "gone.bin" is missing' in result.out.splitlines()


def test_hostile_paths_are_never_opened(stale, run_cli, monkeypatch):
    repo, manifest = stale
    opened = []
    real_open = os.open

    def spy(path, *args, **kwargs):
        opened.append(os.fspath(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    run_cli("manifest", "verify", manifest, "--repo", repo, "--format", "json")
    assert any(p.endswith("/ds/hash.bin") for p in opened)  # the spy sees the files that are read
    outside = str(repo / "outside")
    assert [p for p in opened if p.startswith(outside) or p.startswith("/etc") or p.endswith("pipe.bin")] == []


def test_sha256sums_manifest_has_no_sizes_and_covers_its_folder(tmp_path, run_cli):
    ds = tmp_path / "release"
    write_files(ds, {"a.bin": b"a", "b d.bin": b"b", "new.bin": b"n", "renamed.bin": b"was c"})
    (ds / "SHA256SUMS").write_text(
        f"{sha(b'a')}  a.bin\n{sha(b'B')} *b d.bin\n{sha(b'was c')}  ./c.bin\ngarbage line\n", encoding="utf-8")
    result = run_cli("manifest", "verify", ds / "SHA256SUMS", "--repo", tmp_path, "--format", "json")
    assert result.code == 1
    assert result.brief() == [
        ("manifest/changed-shard", "release/SHA256SUMS", 2,
         f'shard "b d.bin" changed: sha256 differs (listed {sha(b"B")[:16]}..., found {sha(b"b")[:16]}...; 1 bytes)'),
        ("manifest/moved-shard", "release/SHA256SUMS", 3,
         'shard "c.bin" is missing; its content (same sha256 and size) is now at "renamed.bin"'),
        ("manifest/malformed-manifest", "release/SHA256SUMS", 4,
         "improperly formatted sha256sum line: does not start with 64 hex digits (a sha256 digest)"),
        ("manifest/new-file", "release/new.bin", None, '"new.bin" is not listed in release/SHA256SUMS (1 bytes)'),
    ]


def test_per_file_sha256sum_covers_only_what_it_lists(tmp_path, run_cli):
    ds = tmp_path / "models"
    write_files(ds, {"model.bin": b"weights", "notes.txt": b"unrelated"})
    (ds / "model.bin.sha256sum").write_text(f"{sha(b'weights')}  model.bin\n", encoding="utf-8")
    result = run_cli("manifest", "verify", ds / "model.bin.sha256sum", "--repo", tmp_path, "--format", "json")
    assert (result.code, result.findings, result.stats["ok"]) == (0, [], 1)


def test_malformed_manifest_is_reported_not_audited(tmp_path, run_cli):
    ds = tmp_path / "ds"
    write_files(ds, {"a.bin": b"a"})
    (ds / "manifest.json").write_text('{"schema_version": "1.0",\n "shards": [\n', encoding="utf-8")
    result = run_cli("manifest", "verify", ds / "manifest.json", "--repo", tmp_path, "--format", "json")
    assert result.code == 1
    assert result.brief() == [("manifest/malformed-manifest", "ds/manifest.json", 3, "invalid JSON: unexpected end of the document")]


def test_entries_in_excluded_folders_are_still_verified(tmp_path, run_cli):
    ds = tmp_path / "ds"
    write_files(ds, {"cache/a.bin": b"a", "cache/junk.bin": b"j", "b.bin": b"b"})
    write_manifest(ds / "manifest.json", [shard("cache/a.bin", b"A"), shard("b.bin", b"b")])
    result = run_cli("manifest", "verify", ds / "manifest.json", "--repo", tmp_path, "--exclude", "cache/",
                     "--format", "json")
    assert [f[:3] for f in result.brief()] == [("manifest/changed-shard", "ds/manifest.json", 6)]


def test_root_option_and_manifest_outside_the_dataset(tmp_path, run_cli):
    data = tmp_path / "data"
    write_files(data, {"x.bin": b"x"})
    manifest = write_manifest(tmp_path / "meta" / "train.json", [shard("x.bin", b"x")])
    ok = run_cli("manifest", "verify", manifest, "--root", data, "--repo", tmp_path, "--format", "json")
    assert (ok.code, ok.findings) == (0, [])
    wrong = run_cli("manifest", "verify", manifest, "--repo", tmp_path, "--format", "json")
    assert [f[:3] for f in wrong.brief()] == [("manifest/missing-shard", "meta/train.json", 6)]


def test_missing_manifest_or_root_is_exit_2(tmp_path, run_cli):
    result = run_cli("manifest", "verify", tmp_path / "nope.json", "--repo", tmp_path)
    assert (result.code, result.err) == (2, f"governance-hooks: error: {tmp_path / 'nope.json'}: no such manifest file\n")
    manifest = write_manifest(tmp_path / "m.json", [])
    result = run_cli("manifest", "verify", manifest, "--root", tmp_path / "absent", "--repo", tmp_path)
    assert (result.code, result.err) == (2, f"governance-hooks: error: {tmp_path / 'absent'}: --root is not a folder\n")


def test_shard_jobs_split_the_hashing_and_job_1_reports_the_tree(tmp_path, run_cli):
    ds = tmp_path / "ds"
    files = {f"s{i}.bin": bytes([i]) * (100 * (i + 1)) for i in range(6)}
    write_files(ds, {**files, "s0.bin": b"changed", "new.bin": b"n"})
    write_manifest(ds / "manifest.json", [shard(p, d) for p, d in files.items()] + [shard("gone.bin", b"g")])
    reports = [run_cli("manifest", "verify", ds / "manifest.json", "--repo", tmp_path, "--no-cache",
                       "--shard", f"{k}/2", "--format", "json") for k in (1, 2)]
    rules = [sorted(f[0] + ":" + f[3].split('"')[1] for f in r.brief()) for r in reports]
    # s0 (7 bytes now, listed 100) is the smallest listed shard: LPT puts it on job 2.
    assert rules == [["manifest/missing-shard:gone.bin", "manifest/new-file:new.bin"],
                     ["manifest/changed-shard:s0.bin"]]
    # Job 1: s5, s2, s1 and new.bin (a candidate for the missing shard's move); job 2: s4, s3, s0.
    assert [r.stats["files_hashed"] for r in reports] == [4, 3]
    assert [r.stats["ok"] for r in reports] == [3, 2]


def test_unlistable_folder_and_unreadable_shard_are_findings(tmp_path, run_cli, monkeypatch):
    ds = tmp_path / "ds"
    write_files(ds, {"locked/x.bin": b"x", "a.bin": b"a"})
    write_manifest(ds / "manifest.json", [shard("a.bin", b"a")])
    import governance_hooks.manifest.hasher as hasher
    import governance_hooks.manifest.tree as tree

    real_scandir, real_open = os.scandir, os.open

    def scandir(path):
        if str(path).rstrip("/").endswith("/locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    def open_(path, *args, **kwargs):
        if str(path).endswith("/a.bin"):
            raise OSError(5, "Input/output error")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(tree.os, "scandir", scandir)
    monkeypatch.setattr(hasher.os, "open", open_)
    result = run_cli("manifest", "verify", ds / "manifest.json", "--repo", tmp_path, "--format", "json")
    assert result.brief() == [
        ("manifest/unreadable-file", "ds/locked", None, 'folder "locked" cannot be listed: Permission denied'),
        ("manifest/unreadable-file", "ds/manifest.json", 6, 'shard "a.bin" cannot be read: Input/output error'),
    ]


def test_sha256sum_escaped_names_reach_the_right_files(tmp_path, run_cli):
    ds = tmp_path / "odd"
    write_files(ds, {"new\nline.bin": b"n", "tab\there.bin": b"t"})
    (ds / "SHA256SUMS").write_bytes(
        f"\\{sha(b'n')}  new\\nline.bin\n{sha(b't')}  tab\there.bin\n\\{sha(b'w')}  win\\\\dows.bin\n".encode())
    result = run_cli("manifest", "verify", ds / "SHA256SUMS", "--repo", tmp_path, "--format", "json")
    assert result.brief() == [
        ("manifest/unsafe-path", "odd/SHA256SUMS", 3,
         'path "win\\\\dows.bin" contains a backslash (a Windows separator); it was not opened'),
    ]
    assert result.stats["ok"] == 2


def test_renamed_folder_of_many_shards_is_all_moves(tmp_path, run_cli):
    """Moves are matched by content index: thousands of renames (many identical, even empty) stay linear."""
    ds = tmp_path / "ds"
    files = {f"old/part-{i:05d}.bin": (b"" if i % 3 == 0 else f"{i % 7}".encode()) for i in range(1500)}
    write_files(ds, {p.replace("old/", "new/"): d for p, d in files.items()})
    write_manifest(ds / "manifest.json", [shard(p, d) for p, d in files.items()])
    result = run_cli("manifest", "verify", ds / "manifest.json", "--repo", tmp_path, "--format", "json")
    moved = [f for f in result.findings if f["rule_id"] == "manifest/moved-shard"]
    assert len(moved) == 1500 and len(result.findings) == 1500
    assert moved[0]["evidence"]["path"] == "old/part-00000.bin"
    assert moved[0]["evidence"]["moved_to"] == "new/part-00000.bin"  # ties go to the first path in order
    assert moved[1]["evidence"]["moved_to"] == "new/part-00001.bin"
