"""The dataset-manifest hook through the real pre-commit framework (``pre-commit try-repo``)."""

from __future__ import annotations

import hashlib
import json

import pytest

pytestmark = pytest.mark.integration


def manifest(shards: dict) -> str:
    entries = [{"path": p, "sha256": hashlib.sha256(d).hexdigest(), "size": len(d)} for p, d in shards.items()]
    return json.dumps({"created_at": 1, "dataset_id": "d", "schema_version": "1.0", "shards": entries}, indent=2)


def test_stale_dataset_manifest_fails_with_every_difference(make_repo, try_repo):
    repo = make_repo({
        "data/reviews/manifest.json": manifest({"train-0.csv": b"id,text\n1,good\n", "train-1.csv": b"id,text\n2,bad\n",
                                                "val.csv": b"id,text\n3,fine\n"}),
        "data/reviews/train-0.csv": b"id,text\n1,good\n",
        "data/reviews/train-1.csv": b"id,text\n2,BAD\n",
        "data/reviews/dev.csv": b"id,text\n3,fine\n",
        "data/reviews/test.csv": b"id,text\n4,new\n",
        "web/manifest.json": '{"name": "a web app", "icons": []}',
    })
    result = try_repo(repo, "dataset-manifest")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Dataset manifest sha256 audit" in output
    for line in (
        'data/reviews/manifest.json:11:5: error manifest/changed-shard shard "train-1.csv" changed: sha256 differs',
        'data/reviews/manifest.json:16:5: error manifest/moved-shard shard "val.csv" is missing; its content '
        '(same sha256 and size) is now at "dev.csv"',
        'data/reviews/test.csv: error manifest/new-file "test.csv" is not listed in data/reviews/manifest.json (14 bytes)',
    ):
        assert line in output, output
    assert "web/manifest.json" not in output
    assert "manifest: 3 errors, 0 warnings, 0 notes; manifests: 1; shards: 3; ok: 1" in output


def test_up_to_date_manifest_passes(make_repo, try_repo):
    repo = make_repo({
        "datasets/tiny/SHA256SUMS": f"{hashlib.sha256(b'x').hexdigest()}  x.bin\n",
        "datasets/tiny/x.bin": b"x",
    })
    result = try_repo(repo, "dataset-manifest")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.rstrip().endswith("Passed")
