""""No link out of the repository" holds at the open, not only when the file is listed.

Each test lets the check list a file, then swaps it for a symlink to a file outside the
repository before the check opens it (the race a hostile process in the checkout can run).
The outside file's content must never be read: the file becomes a finding instead.
"""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import pytest

from governance_hooks import hashing
from governance_hooks.cli import main
from governance_hooks.safe_open import UnsafeFile

SECRET = "s3cr3t-outside-the-repository"


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo " + SECRET,))


def _swap_for_outside_link(path: Path, outside: Path) -> None:
    path.unlink()
    path.symlink_to(outside)


def _findings(out: str):
    return [(f["path"], f["rule_id"], f["message"]) for f in json.loads(out)["findings"]]


def test_checkpoint_scan_refuses_a_file_swapped_for_a_link_out_after_listing(make_repo, tmp_path, capsys,
                                                                             monkeypatch):
    from governance_hooks.checkpoint import runner

    outside = tmp_path / "outside.pkl"
    outside.write_bytes(pickle.dumps(_Evil(), protocol=2))
    root = make_repo({"model.pkl": pickle.dumps({"w": [1, 2]}, protocol=2)})
    original = runner._refusal

    def refusal_then_swap(path, root_):
        verdict = original(path, root_)
        if path.name == "model.pkl" and not path.is_symlink():
            _swap_for_outside_link(path, outside)
        return verdict

    monkeypatch.setattr(runner, "_refusal", refusal_then_swap)
    code = main(["checkpoint", "--repo", str(root), "--format", "json"])
    out = capsys.readouterr().out
    assert code == 1
    assert _findings(out) == [
        ("model.pkl", "checkpoint/unreadable-container",
         f"cannot read the file: is a symlink to {outside}, outside the repository"),
    ]
    assert "os.system" not in out and "posix" not in out and SECRET not in out


def test_checkpoint_metadata_and_state_files_are_refused_at_the_open(make_repo, tmp_path):
    from governance_hooks.checkpoint import integrity

    root = make_repo({"ck/metadata.json": '{"schema_version": 2}\n', "ck/state.sha256": "0" * 64 + "\n",
                      "ck/state.pt": b"weights"})
    for name, content in (("metadata.json", '{"schema_version": 2, "digest_sha256": "%s"}' % ("1" * 64)),
                          ("state.sha256", "1" * 64 + "\n"), ("state.pt", "weights")):
        outside = tmp_path / ("outside-" + name)
        outside.write_text(content, encoding="utf-8")
        _swap_for_outside_link(root / "ck" / name, outside)
    problems = []
    integrity.check_v2_folder(root / "ck", integrity.Digests(root), problems)
    got = sorted((p.rule_id, p.path.name, p.message) for p in problems)
    assert got == sorted([
        ("checkpoint/malformed-metadata", "metadata.json",
         f"cannot read metadata.json: is a symlink to {tmp_path / 'outside-metadata.json'}, outside the repository"),
        ("checkpoint/malformed-metadata", "state.sha256",
         f"cannot read state.sha256: is a symlink to {tmp_path / 'outside-state.sha256'}, outside the repository"),
        ("checkpoint/missing-file", "state.pt",
         f"cannot read state.pt: is a symlink to {tmp_path / 'outside-state.pt'}, outside the repository"),
    ])


def test_metrics_log_swapped_for_a_link_out_after_listing_is_unreadable(make_repo, tmp_path, capsys, monkeypatch):
    from governance_hooks.metrics import command

    outside = tmp_path / "outside.ndjson"
    outside.write_text('{"epoch": "%s"}\n' % SECRET, encoding="utf-8")
    root = make_repo({"runs/a.ndjson": '{"epoch": 1}\n'})
    original = command._run_with_progress

    def swap_then_run(*args, **kwargs):
        _swap_for_outside_link(root / "runs/a.ndjson", outside)
        return original(*args, **kwargs)

    monkeypatch.setattr(command, "_run_with_progress", swap_then_run)
    code = main(["metrics", "--repo", str(root), "--format", "json", "--jobs", "1"])
    out = capsys.readouterr().out
    assert code == 1
    assert _findings(out) == [
        ("runs/a.ndjson", "metrics/unreadable-file",
         f"cannot read the file: cannot open: is a symlink to {outside}, outside the repository"),
    ]
    assert SECRET not in out


def test_metrics_segment_split_refuses_a_link_out(tmp_path):
    from governance_hooks.metrics.reader import segment_bounds

    root = tmp_path / "repo"
    root.mkdir()
    outside = tmp_path / "big.ndjson"
    outside.write_text('{"a": 1}\n' * 100, encoding="utf-8")
    (root / "big.ndjson").symlink_to(outside)
    with pytest.raises(UnsafeFile, match="outside the repository"):
        segment_bounds(root / "big.ndjson", 4, root)


def test_hashing_refuses_a_link_out_at_the_open(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    outside = tmp_path / "outside.bin"
    outside.write_bytes(b"version https://git-lfs.github.com/spec/v1\noid sha256:" + b"a" * 64 + b"\nsize 3\n")
    (root / "link.bin").symlink_to(outside)
    with pytest.raises(UnsafeFile, match="outside the repository"):
        hashing.sha256_file(root / "link.bin", root)
    assert hashing.read_lfs_pointer(root / "link.bin", root) is None
    assert hashing.read_lfs_pointer(outside) is not None  # an operator-named path (no root) is still read


def test_audit_hash_refuses_a_file_swapped_after_the_inside_check(tmp_path, monkeypatch):
    from governance_hooks.pipeline import audit

    root = tmp_path / "repo"
    root.mkdir()
    (root / "in.txt").write_text("inside\n", encoding="utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text(SECRET, encoding="utf-8")
    original = audit.is_within

    def check_then_swap(path, root_):
        verdict = original(path, root_)
        _swap_for_outside_link(root / "in.txt", outside)
        return verdict

    monkeypatch.setattr(audit, "is_within", check_then_swap)
    entry = audit.InputHasher(root).describe("in.txt")
    assert entry["sha256"] is None
    assert entry["error"] == f"is a symlink to {outside}, outside the repository"
