"""The parallel hasher: exact digests at every size boundary, FIFOs never block, errors are values."""

from __future__ import annotations

import hashlib
import os

import pytest

from governance_hooks.hashing import sha256_file
from governance_hooks.manifest.hasher import CHUNK, LARGE, hash_file, hash_many


@pytest.mark.parametrize("size", [0, 1, 1023, 1024, 1025, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5])
def test_digest_and_head_at_size_boundaries(tmp_path, size):
    data = os.urandom(size)
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    digest = hash_file(str(path))
    assert digest.sha256 == hashlib.sha256(data).hexdigest() == sha256_file(path)
    assert digest.stable and digest.stat.st_size == size and digest.error is None
    assert digest.head == (data if size <= 1024 else None)


def test_fifo_symlink_and_missing_are_errors_not_hangs(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "real").write_bytes(b"x")
    os.symlink(tmp_path / "real", tmp_path / "link")
    assert hash_file(str(tmp_path / "pipe")).error == "not a regular file"
    assert hash_file(str(tmp_path / "link")).error == "Too many levels of symbolic links"  # O_NOFOLLOW
    assert hash_file(str(tmp_path / "absent")).error == "No such file or directory"


def test_hash_many_mixes_large_and_small_files_on_threads(tmp_path):
    items, expected = [], {}
    for i, size in enumerate([LARGE + 3, 10, 0, 5000] + [100] * 300):
        data = bytes([i % 251]) * size
        path = tmp_path / f"f{i}"
        path.write_bytes(data)
        items.append((i, str(path), size))
        expected[i] = hashlib.sha256(data).hexdigest()
    seen = []
    results = hash_many(items, workers=3, progress=seen.append)
    assert {k: d.sha256 for k, d in results.items()} == expected
    assert sorted(seen) == sorted(size for _, _, size in items)
