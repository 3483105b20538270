"""The stat cache: hits for unchanged files, git's racy-timestamp guard, location, --no-cache."""

from __future__ import annotations

import json
import os

from governance_hooks.manifest import cache as cache_module
from governance_hooks.manifest.cache import RACY_WINDOW_NS, StatCache, cache_file_for, git_dir_of

from .conftest import OLD, shard, write_files, write_manifest
from ..conftest import git


class FakeStat:
    def __init__(self, size, mtime_ns, ctime_ns=1, ino=7):
        self.st_size, self.st_mtime_ns, self.st_ctime_ns, self.st_ino = size, mtime_ns, ctime_ns, ino


def test_racily_clean_entries_are_not_trusted(tmp_path, monkeypatch):
    """An entry whose mtime is not older than the cache write time (less the window) is hashed again."""
    file = tmp_path / "c.json"
    monkeypatch.setattr(cache_module.time, "time_ns", lambda: 100 * 10**9)
    writer = StatCache(file, "/data")
    old = FakeStat(5, 100 * 10**9 - RACY_WINDOW_NS - 1)   # older than the write time minus the window
    edge = FakeStat(5, 100 * 10**9 - RACY_WINDOW_NS)      # exactly at the boundary: racy
    same_tick = FakeStat(5, 100 * 10**9)                   # modified in the tick the hashing started
    for name, st in (("old", old), ("edge", edge), ("same", same_tick)):
        writer.put(name, st, "f" * 64)
    writer.save(["old", "edge", "same"])
    stored = json.loads(file.read_text())
    assert sorted(stored["entries"]) == ["old"]  # racy entries are dropped when the cache is written
    assert stored["written_ns"] == 100 * 10**9

    reader = StatCache(file, "/data")
    assert reader.get("old", old) == "f" * 64
    assert reader.get("edge", edge) is None
    assert reader.get("same", same_tick) is None
    assert reader.get("old", FakeStat(5, old.st_mtime_ns, ctime_ns=2)) is None   # ctime changed (utime forging)
    assert reader.get("old", FakeStat(5, old.st_mtime_ns, ino=8)) is None        # another inode
    assert reader.get("old", FakeStat(6, old.st_mtime_ns)) is None               # another size
    assert reader.hits == 1
    assert StatCache(file, "/elsewhere").get("old", old) is None  # a cache of another root is ignored


def test_damaged_cache_is_ignored(tmp_path):
    file = tmp_path / "c.json"
    for text in ("{not json", "[]", '{"version": 1, "root": "/data", "entries": [], "written_ns": 1}',
                 '{"version": 1, "root": "/data", "entries": {"a": "zzz"}, "written_ns": 99999999999999999999}'):
        file.write_text(text)
        assert StatCache(file, "/data").get("a", FakeStat(1, 1)) is None


def test_fresh_files_are_rehashed_until_they_age(tmp_path, run_cli):
    """End to end: a just-written file is racy (hashed again next run); an hour-old one is a cache hit."""
    ds = tmp_path / "ds"
    write_files(ds, {"old.bin": b"o" * 5000})
    write_files(ds, {"fresh.bin": b"f" * 7000}, old=False)
    manifest = write_manifest(ds / "manifest.json", [shard("old.bin", b"o" * 5000), shard("fresh.bin", b"f" * 7000)])
    args = ("manifest", "verify", manifest, "--repo", tmp_path, "--format", "json")
    first = run_cli(*args).stats
    second = run_cli(*args).stats
    assert (first["files_hashed"], first["cache_hits"]) == (2, 0)
    assert (second["files_hashed"], second["bytes_hashed"], second["cache_hits"]) == (1, 7000, 1)


def test_cache_hit_does_not_reread_and_changes_are_seen(tmp_path, run_cli):
    ds = tmp_path / "ds"
    write_files(ds, {"a.bin": b"a" * 3000})
    manifest = write_manifest(ds / "manifest.json", [shard("a.bin", b"a" * 3000)])
    args = ("manifest", "verify", manifest, "--repo", tmp_path, "--format", "json")
    run_cli(*args)
    assert run_cli(*args).stats["cache_hits"] == 1
    (ds / "a.bin").write_bytes(b"b" * 3000)  # same size; mtime and ctime move on
    os.utime(ds / "a.bin", (OLD, OLD))       # even with the mtime forged back, the ctime differs
    result = run_cli(*args)
    assert [f["rule_id"] for f in result.findings] == ["manifest/changed-shard"]
    assert result.stats["cache_hits"] == 0


def test_no_cache_neither_reads_nor_writes(tmp_path, run_cli, private_cache):
    ds = tmp_path / "ds"
    write_files(ds, {"a.bin": b"a"})
    manifest = write_manifest(ds / "manifest.json", [shard("a.bin", b"a")])
    run_cli("manifest", "verify", manifest, "--repo", tmp_path, "--no-cache")
    assert not private_cache.exists()
    run_cli("manifest", "verify", manifest, "--repo", tmp_path)
    names = sorted(p.name.split(".", 1)[1] for p in (private_cache / "manifest").iterdir())
    assert names == ["clean.json", "json"]  # the stat cache and the clean-tree snapshot
    result = run_cli("manifest", "verify", manifest, "--repo", tmp_path, "--no-cache", "--format", "json")
    assert (result.stats["cache_hits"], result.stats["files_hashed"]) == (0, 1)


def test_cache_lives_in_the_git_dir_outside_the_tracked_tree(make_repo, monkeypatch, run_cli):
    monkeypatch.delenv("GOVERNANCE_HOOKS_CACHE_DIR")
    repo = make_repo({"data/a.bin": b"a"})
    root = os.path.realpath(repo / "data")
    assert git_dir_of(root) == repo / ".git"
    expected = cache_file_for(root)
    assert expected.parent == repo / ".git" / "governance-hooks" / "manifest"
    os.utime(repo / "data" / "a.bin", (OLD, OLD))
    write_manifest(repo / "data" / "manifest.json", [shard("a.bin", b"a")])
    run_cli("manifest", "verify", repo / "data" / "manifest.json", "--repo", repo)
    assert expected.is_file()
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == "?? data/manifest.json\n"


def test_worktree_git_file_is_followed(tmp_path):
    (tmp_path / "real-git-dir").mkdir()
    (tmp_path / "wt" / "data").mkdir(parents=True)
    (tmp_path / "wt" / ".git").write_text("gitdir: ../real-git-dir\n")
    assert git_dir_of(str(tmp_path / "wt" / "data")) == tmp_path / "wt" / "../real-git-dir"
    (tmp_path / "wt" / ".git").write_text("gitdir: /nonexistent/git/dir\n")
    assert git_dir_of(str(tmp_path / "wt" / "data")) is None


def test_user_cache_dir_outside_git(tmp_path, monkeypatch):
    monkeypatch.delenv("GOVERNANCE_HOOKS_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    (tmp_path / "plain").mkdir()
    assert git_dir_of(str(tmp_path / "plain")) is None
    file = cache_file_for(str(tmp_path / "plain"))
    assert file.parent == tmp_path / "xdg" / "governance-hooks" / "manifest"


def test_clean_tree_snapshot_skips_parsing_until_anything_changes(tmp_path, run_cli, monkeypatch):
    ds = tmp_path / "ds"
    files = {f"part-{i}.bin": bytes([i]) * 2000 for i in range(5)}
    write_files(ds, files)
    manifest = write_manifest(ds / "manifest.json", [shard(p, d) for p, d in files.items()])
    args = ("manifest", "verify", manifest, "--repo", tmp_path, "--format", "json")
    assert run_cli(*args).stats["files_hashed"] == 5  # clean, settled: the snapshot is recorded

    import governance_hooks.manifest.parse_json as parse_json

    def no_parse(*_):
        raise AssertionError("parsed although the snapshot matched")

    monkeypatch.setattr(parse_json, "parse_manifest_json", no_parse)
    fast = run_cli(*args)
    assert (fast.code, fast.findings) == (0, [])
    assert {k: fast.stats[k] for k in ("manifests", "shards", "ok", "files_hashed", "cache_hits")} == \
        {"manifests": 1, "shards": 5, "ok": 5, "files_hashed": 0, "cache_hits": 5}
    monkeypatch.undo()
    monkeypatch.setenv("GOVERNANCE_HOOKS_CACHE_DIR", str(tmp_path / "stat-cache"))

    (ds / "part-3.bin").write_bytes(b"x" * 2000)  # same size; the snapshot no longer matches
    changed = run_cli(*args)
    assert [(f["rule_id"], f["line"]) for f in changed.findings] == [("manifest/changed-shard", 21)]
    (ds / "part-3.bin").write_bytes(bytes([3]) * 2000)
    (ds / "new.bin").write_bytes(b"n")
    assert [f["rule_id"] for f in run_cli(*args).findings] == ["manifest/new-file"]


def test_no_snapshot_for_racy_files_or_shard_jobs(tmp_path, run_cli, private_cache):
    ds = tmp_path / "ds"
    write_files(ds, {"fresh.bin": b"f"}, old=False)
    manifest = write_manifest(ds / "manifest.json", [shard("fresh.bin", b"f")])
    run_cli("manifest", "verify", manifest, "--repo", tmp_path)
    run_cli("manifest", "verify", manifest, "--repo", tmp_path, "--shard", "1/1")
    assert [p.name for p in (private_cache / "manifest").iterdir() if p.name.endswith(".clean.json")] == []
