"""Metadata v1/v2 digests and best-k indexes, through the CLI, with exact paths, lines and messages."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from governance_hooks.cli import main

CORPUS = Path(__file__).resolve().parent / "corpus"
STATE = (CORPUS / "benign" / "torch_state_dict.pt").read_bytes()
OTHER = (CORPUS / "benign" / "torch_legacy_format.pt").read_bytes()
H_STATE = hashlib.sha256(STATE).hexdigest()
H_OTHER = hashlib.sha256(OTHER).hexdigest()


def write(root: Path, files: dict) -> Path:
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, (dict, list)):
            content = json.dumps(content, indent=2)
        target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return root


def findings(root: Path, capsys, *extra: str):
    code = main(["checkpoint", "--repo", str(root), "--format", "json", *extra])
    report = json.loads(capsys.readouterr().out)
    return code, [(f["rule_id"].split("/", 1)[1], f["path"], f["line"], f["column"], f["message"]) for f in report["findings"]]


def v1_meta(sha: str, **extra) -> dict:
    return {"schema_version": "1.0", "created_at": 1700000000, "git_sha": "0123abc", "config_hash": "cfg",
            "rng": {"seed": 1}, "env": {"torch": "2.13"}, "metric_key": "val_loss", "metric_value": 0.5,
            "sha256": sha, **extra}


def test_v1_metadata_matches(tmp_path, capsys):
    write(tmp_path, {"run/model.pt": STATE, "run/metadata.json": v1_meta(H_STATE)})
    assert findings(tmp_path, capsys) == (0, [])


def test_v1_metadata_digest_mismatch(tmp_path, capsys):
    write(tmp_path, {"run/model.pt": STATE, "run/metadata.json": v1_meta(H_OTHER)})
    assert findings(tmp_path, capsys) == (1, [(
        "digest-mismatch", "run/metadata.json", 14, 13,
        f"/sha256 is {H_OTHER[:12]}… but a fresh hash of model.pt is {H_STATE[:12]}…")])


def test_v1_metadata_names_its_checkpoint_and_validates_fields(tmp_path, capsys):
    meta = v1_meta(H_STATE, path="missing.pt", metric_value="low", git_sha="XYZ")
    write(tmp_path, {"run/model.pt": STATE, "run/metadata.json": meta})
    assert findings(tmp_path, capsys) == (1, [
        ("malformed-metadata", "run/metadata.json", 4, 14, "/git_sha: git_sha must be a lowercase hex commit id"),
        ("malformed-metadata", "run/metadata.json", 13, 19, "/metric_value: metric_value must be a finite number"),
        ("missing-file", "run/metadata.json", 15, 11, "checkpoint missing.pt does not exist"),
    ])


def test_v1_metadata_ambiguous_folder_and_bad_digest(tmp_path, capsys):
    write(tmp_path, {"a/one.pt": STATE, "a/two.pt": OTHER, "a/metadata.json": v1_meta(H_STATE),
                     "b/model.pt": STATE, "b/metadata.json": v1_meta("ABC")})
    assert findings(tmp_path, capsys) == (1, [
        ("malformed-metadata", "a/metadata.json", 14, 13,
         'the folder holds 2 checkpoint files (one.pt, two.pt); name the checkpoint with a "path" key'),
        ("malformed-metadata", "b/metadata.json", 14, 13, "/sha256: sha256 must be 64 lowercase hex digits"),
    ])


def test_malformed_json_gives_line_and_column(tmp_path, capsys):
    write(tmp_path, {"run/model.pt": STATE, "run/metadata.json": '{\n  "sha256": "x",\n  "sha256": }\n'})
    assert findings(tmp_path, capsys) == (1, [
        ("malformed-metadata", "run/metadata.json", 3, 13, "metadata.json is not valid JSON: unexpected character '}'")])


def test_unrelated_metadata_json_is_ignored(tmp_path, capsys):
    write(tmp_path, {"docs/metadata.json": {"title": "x"}, "site/index.json": ["not", "an", "index"]})
    assert findings(tmp_path, capsys) == (0, [])


def v2(state: bytes, meta_digest: str, file_digest: str) -> dict:
    return {"ck/state.pt": state,
            "ck/metadata.json": {"schema_version": 2, "digest_sha256": meta_digest, "environment": {"python": "3.11"}},
            "ck/state.sha256": f"{file_digest}  state.pt\n"}


def test_v2_all_agree(tmp_path, capsys):
    write(tmp_path, v2(STATE, H_STATE, H_STATE))
    assert findings(tmp_path, capsys) == (0, [])


@pytest.mark.parametrize("meta, recorded, state, expected", [
    (H_OTHER, H_STATE, STATE, ("digest-mismatch", "ck/metadata.json", 3, 20,
                               f"metadata.json digest_sha256 is {H_OTHER[:12]}… but the other two say {H_STATE[:12]}…")),
    (H_STATE, H_OTHER, STATE, ("digest-mismatch", "ck/state.sha256", 1, 1,
                               f"state.sha256 is {H_OTHER[:12]}… but the other two say {H_STATE[:12]}…")),
    (H_STATE, H_STATE, OTHER, ("digest-mismatch", "ck/state.pt", None, None,
                               f"state.pt (fresh hash) is {H_OTHER[:12]}… but the other two say {H_STATE[:12]}…")),
    (H_STATE, "0" * 64, OTHER, ("digest-mismatch", "ck/metadata.json", 3, 20,
                                f"the digests disagree: metadata.json digest_sha256 {H_STATE[:12]}…, "
                                f"state.sha256 000000000000…, state.pt (fresh hash) {H_OTHER[:12]}…")),
])
def test_v2_names_the_one_that_disagrees(tmp_path, capsys, meta, recorded, state, expected):
    write(tmp_path, v2(state, meta, recorded))
    assert findings(tmp_path, capsys) == (1, [expected])


def test_v2_lfs_pointer_is_compared_by_oid_and_never_scanned(tmp_path, capsys):
    pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{H_STATE}\nsize {len(STATE)}\n".encode()
    write(tmp_path, v2(pointer, H_STATE, H_STATE))
    assert findings(tmp_path, capsys) == (0, [(
        "lfs-not-scanned", "ck/state.pt", None, None,
        f"Git LFS pointer (oid {H_STATE[:12]}…, {len(STATE)} bytes): the content is not in the working tree and was not scanned")])


def test_v2_state_sha256_format(tmp_path, capsys):
    files = v2(STATE, H_STATE, H_STATE)
    files["ck/state.sha256"] = f"{H_STATE}  weights.pt\n"
    write(tmp_path, files)
    assert findings(tmp_path, capsys) == (1, [
        ("malformed-metadata", "ck/state.sha256", 1, 1, "state.sha256 describes 'weights.pt', not state.pt")])


def test_v2_missing_pieces(tmp_path, capsys):
    write(tmp_path, {"ck/state.pt": STATE, "ck/state.sha256": H_STATE + "\n"})
    assert findings(tmp_path, capsys) == (1, [("missing-file", "ck/state.pt", None, None, "the v2 checkpoint folder has no metadata.json")])


def index(entries, **extra):
    return {"schema_version": "1.0", "metric_key": "val_loss", "mode": "min", "top_k": 3, "entries": entries, **extra}


def test_best_k_index_consistent(tmp_path, capsys):
    write(tmp_path, {"ckpts/e1/model.pt": STATE, "ckpts/e2/model.pt": OTHER, "ckpts/index.json": index([
        {"path": "e2/model.pt", "metric": 0.3, "created_at": 2, "sha256": H_OTHER},
        {"path": "e1/model.pt", "metric": 0.5, "created_at": 1, "sha256": H_STATE}])})
    assert findings(tmp_path, capsys) == (0, [])


def test_best_k_index_every_rule(tmp_path, capsys):
    write(tmp_path, {"outside.pt": STATE, "ckpts/e1/model.pt": STATE, "ckpts/e2/model.pt": OTHER,
                     "ckpts/index.json": index([
                         {"path": "e1/model.pt", "metric": 0.5, "created_at": 1, "sha256": H_STATE},
                         {"path": "e2/model.pt", "metric": 0.3, "created_at": 2, "sha256": H_STATE},
                         {"path": "../outside.pt", "metric": 0.9, "created_at": 3, "sha256": H_STATE},
                         {"path": "e9/model.pt", "metric": 1.0, "created_at": 4, "sha256": H_STATE}], top_k=2, mode="min")})
    code, found = findings(tmp_path, capsys)
    assert code == 1
    assert found == [
        ("index-order", "ckpts/index.json", 15, 17,
         "/entries/1/metric 0.3 is better than /entries/0/metric 0.5 but listed after it: mode min needs ascending order, best first"),
        ("digest-mismatch", "ckpts/index.json", 17, 17,
         f"/entries/1/sha256 is {H_STATE[:12]}… but a fresh hash of e2/model.pt is {H_OTHER[:12]}…"),
        ("index-too-many", "ckpts/index.json", 19, 5, "/entries holds 4 entries but top_k is 2"),
        ("path-escape", "ckpts/index.json", 20, 15, "/entries/2/path '../outside.pt' leaves the checkpoint directory ckpts/"),
        ("missing-file", "ckpts/index.json", 26, 15, "/entries/3/path 'e9/model.pt' does not exist"),
    ]


def test_best_k_index_schema(tmp_path, capsys):
    write(tmp_path, {"ckpts/e1/model.pt": STATE, "ckpts/index.json": {
        "schema_version": "1.0", "metric_key": "", "mode": "median", "top_k": 0,
        "entries": [{"path": "e1/model.pt", "metric": "NaN", "created_at": -1}, "x"]}})
    assert findings(tmp_path, capsys) == (1, [
        ("malformed-metadata", "ckpts/index.json", 3, 17, "/metric_key: metric_key must be a non-empty string"),
        ("malformed-metadata", "ckpts/index.json", 4, 11, "/mode: mode must be \"min\" or \"max\", found 'median'"),
        ("malformed-metadata", "ckpts/index.json", 5, 12, "/top_k: top_k must be a positive integer, found 0"),
        ("malformed-metadata", "ckpts/index.json", 7, 5, "/entries/0: entry is missing sha256"),
        ("malformed-metadata", "ckpts/index.json", 9, 17, "/entries/0/metric: metric must be a finite number, found 'NaN'"),
        ("malformed-metadata", "ckpts/index.json", 10, 21,
         "/entries/0/created_at: created_at must be an integer epoch or a timestamp string"),
        ("malformed-metadata", "ckpts/index.json", 12, 5, "/entries/1: entry must be an object"),
    ])


def test_changed_checkpoint_pulls_in_its_records(tmp_path, capsys, monkeypatch):
    write(tmp_path, {"run/model.pt": STATE, "run/metadata.json": v1_meta(H_OTHER), "other/x.pkl": b"garbage"})
    monkeypatch.chdir(tmp_path)
    code, found = findings(tmp_path, capsys, "run/model.pt")
    assert (code, [f[:2] for f in found]) == (1, [("digest-mismatch", "run/metadata.json")])


def test_lfs_pointer_in_index_is_compared_by_oid_and_size(tmp_path, capsys):
    pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{H_STATE}\nsize {len(STATE)}\n".encode()
    write(tmp_path, {"ckpts/e1/model.pt": pointer, "ckpts/index.json": index([
        {"path": "e1/model.pt", "metric": 0.5, "created_at": 1, "sha256": H_STATE, "size": len(STATE) + 1}])})
    assert findings(tmp_path, capsys) == (1, [
        ("lfs-not-scanned", "ckpts/e1/model.pt", None, None,
         f"Git LFS pointer (oid {H_STATE[:12]}…, {len(STATE)} bytes): the content is not in the working tree and was not scanned"),
        ("digest-mismatch", "ckpts/index.json", 12, 15,
         f"/entries/0/size is {len(STATE) + 1} bytes but its Git LFS pointer says {len(STATE)} (e1/model.pt)"),
    ])
