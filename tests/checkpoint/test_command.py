"""The ``governance-hooks checkpoint`` command: discovery, configuration, exit codes, odd inputs."""

from __future__ import annotations

import argparse
import json
import lzma
import pickle
import struct
import zlib
from pathlib import Path

import pytest

from governance_hooks.check import Context
from governance_hooks.checkpoint import command
from governance_hooks.checkpoint.allowlist import default_allowlist
from governance_hooks.checkpoint.scan import ScanOptions, scan_bytes
from governance_hooks.cli import main
from governance_hooks.config import load as load_config

from .make_corpus import EMPTY_TUPLE, NEWOBJ, STOP, glob, npy_bytes, proto

CORPUS = Path(__file__).resolve().parent / "corpus"
# NEWOBJ with an argument: the class's __new__ runs with input the file chooses.
UNKNOWN = proto(2) + glob("sklearn.linear_model", "LogisticRegression") + b"K\x05\x85" + NEWOBJ + STOP
# Only imported, never called: a warning.
STORED = proto(2) + glob("sklearn.linear_model", "LogisticRegression") + STOP
OPTIONS = ScanOptions(default_allowlist())


def run_cli(root: Path, capsys, *extra: str):
    code = main(["checkpoint", "--repo", str(root), "--format", "json", *extra])
    out = capsys.readouterr()
    report = json.loads(out.out) if out.out.strip().startswith("{") else None
    rows = [(f["rule_id"], f["path"], f["message"]) for f in report["findings"]] if report else None
    return code, rows, out.err, report


def issues(data: bytes, **kw):
    return [(i.rule_id.split("/", 1)[1], i.message) for i in scan_bytes(data, ScanOptions(default_allowlist(), **kw)).issues]


def test_allow_globals_from_configuration(tmp_path, capsys):
    (tmp_path / "model.pkl").write_bytes(UNKNOWN)
    code, rows, _, _ = run_cli(tmp_path, capsys)
    assert (code, rows) == (1, [("checkpoint/unsafe-global", "model.pkl",
                                 "pickle: sklearn.linear_model.LogisticRegression is off the allowlist and the loader "
                                 "calls it (sklearn.linear_model.LogisticRegression.__new__ is called with arguments): "
                                 "GLOBAL at offset 2; called by NEWOBJ at offset 46")])
    (tmp_path / "pyproject.toml").write_text(
        '[tool.governance-hooks.checkpoint]\nallow-globals = ["sklearn.linear_model:LogisticRegression"]\n')
    assert run_cli(tmp_path, capsys)[:2] == (0, [])
    (tmp_path / "pyproject.toml").unlink()
    assert run_cli(tmp_path, capsys, "--allow-global", "sklearn.linear_model:LogisticRegression")[:2] == (0, [])


def test_warning_fails_with_fail_on_warning(tmp_path, capsys):
    (tmp_path / "model.pkl").write_bytes(b"\x80\x02N.junk")
    assert run_cli(tmp_path, capsys)[:2] == (0, [(
        "checkpoint/trailing-data", "model.pkl",
        "pickle: 4 bytes after the last pickle (offset 4) are not a pickle and no known layout accounts for them")])
    assert run_cli(tmp_path, capsys, "--fail-on", "warning")[0] == 1


def test_a_global_only_imported_is_an_error(tmp_path, capsys):
    (tmp_path / "model.pkl").write_bytes(STORED)
    assert run_cli(tmp_path, capsys)[:2] == (1, [(
        "checkpoint/unsafe-global", "model.pkl",
        "pickle: sklearn.linear_model.LogisticRegression is off the allowlist; it is imported (running its module's "
        "top-level code) and kept as a value: GLOBAL at offset 2")])


@pytest.mark.parametrize("table, message", [
    ('bogus = 1', "unknown key 'bogus' in [tool.governance-hooks.checkpoint]"),
    ('allow-globals = ["not a spec"]', "allow-globals entry 'not a spec' is not \"module:qualname\""),
    ('max-opcodes = 0', "max-opcodes must be a positive integer"),
    ('extensions = ["pt"]', "extensions must be a list of endings such as \".pt\""),
])
def test_bad_configuration_is_exit_2_with_one_line(tmp_path, capsys, table, message):
    (tmp_path / "pyproject.toml").write_text(f"[tool.governance-hooks.checkpoint]\n{table}\n")
    code, rows, err, _ = run_cli(tmp_path, capsys)
    assert code == 2 and rows is None
    assert err.count("\n") == 1 and message in err and "pyproject.toml" in err


def test_opcode_budget_from_configuration(tmp_path, capsys):
    (tmp_path / "big.pkl").write_bytes(proto(2) + b"N0" * 100 + b"N.")
    (tmp_path / "pyproject.toml").write_text("[tool.governance-hooks.checkpoint]\nmax-opcodes = 50\nopcodes-per-mb = 0\n")
    code, rows, _, _ = run_cli(tmp_path, capsys)
    assert (code, rows) == (1, [("checkpoint/analysis-incomplete", "big.pkl",
                                 "pickle: scan stopped at offset 51: more than 50 opcodes simulated")])


def test_unrecognised_and_empty_files(tmp_path, capsys):
    (tmp_path / "notes.pkl").write_bytes(b"\x00\x01 plain bytes")
    (tmp_path / "empty.pt").write_bytes(b"")
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01 not a checkpoint")
    (tmp_path / "broken.npy").write_bytes(b"\x00NUMPY but not really")
    code, rows, _, _ = run_cli(tmp_path, capsys)
    assert (code, rows) == (1, [
        ("checkpoint/unreadable-container", "broken.npy", "the content is not a .npy file"),
        ("checkpoint/malformed-pickle", "empty.pt", "the file is empty"),
        ("checkpoint/malformed-pickle", "notes.pkl", "the content is not a pickle nor any known checkpoint format"),
    ])


def test_weights_only_note_and_stats(tmp_path, capsys):
    (tmp_path / "model.pt").write_bytes((CORPUS / "hostile" / "torch_zip_unknown_global.pt").read_bytes())
    (tmp_path / "ok.pt").write_bytes((CORPUS / "benign" / "torch_state_dict.pt").read_bytes())
    code, rows, _, report = run_cli(tmp_path, capsys)
    assert code == 1  # mylib.hooks.on_load is called: an error
    assert ("checkpoint/not-weights-only", "model.pt",
            "torch.load(weights_only=True) would refuse this checkpoint: global mylib.hooks.on_load at offset 38 "
            "(and 1 more)") in rows
    stats = report["summary"]["checkpoint"]
    assert (stats["torch_checkpoints"], stats["weights_only_loadable"], stats["files_scanned"]) == (2, 1, 2)


def test_changed_files_restrict_discovery(tmp_path):
    (tmp_path / "a.pkl").write_bytes(UNKNOWN)
    (tmp_path / "b.pkl").write_bytes(UNKNOWN)
    ctx = Context(root=tmp_path, config=load_config(None, tmp_path), check="checkpoint", changed_files=["b.pkl"])
    result = command.run(argparse.Namespace(paths=[], allow_global=[], max_opcodes=None), ctx)
    assert [f.location.path for f in result.findings] == ["b.pkl"]
    assert result.inputs == ["b.pkl"]


def test_explicit_path_outside_repository_is_exit_2(tmp_path, capsys):
    repo = tmp_path / "repo"
    repo.mkdir()
    (tmp_path / "x.pkl").write_bytes(UNKNOWN)
    code, _, err, _ = run_cli(repo, capsys, str(tmp_path / "x.pkl"))
    assert code == 2 and "outside the repository" in err


def test_trailing_bytes_after_a_pickle():
    data = pickle.dumps({"a": 1}, protocol=2) + b"\x00garbage"
    assert issues(data) == [("trailing-data", "pickle: 8 bytes after the last pickle (offset 17) are not a pickle "
                                              "and no known layout accounts for them")]


def test_legacy_storage_section_must_add_up():
    data = (CORPUS / "benign" / "torch_legacy_format.pt").read_bytes()
    assert issues(data + b"\x00" * 3) == [(
        "trailing-data", f"pickle: the legacy storage section does not match its 4 storages; 3 bytes from offset "
                         f"{len(data)} are unaccounted for")]


def test_compressed_stream_problems():
    assert issues(zlib.compress(b"\x80\x02N.")[:-3]) == [("unreadable-container", "the zlib stream is truncated")]
    assert issues(b"\x04\x22\x4d\x18rest") == [(
        "unreadable-container", "corrupt lz4 stream: LZ4F_decompress failed with code: ERROR_reservedFlag_set")]
    assert issues(lzma.compress(b"\x80\x02N.", format=lzma.FORMAT_XZ)) == []
    assert issues(b"\x1f\x8bnot gzip") == [("unreadable-container", "corrupt gzip stream: Error -3 while decompressing "
                                                                    "data: unknown compression method")]


def test_decompression_budget():
    data = zlib.compress(b"\x80\x02N." + b"\x00" * (2 << 20))
    assert issues(data, max_decompressed=1 << 20) == [(
        "decompression-bomb", f"the zlib stream inflates past 1048576 bytes (from {len(data)})")]


def test_npy_headers():
    assert issues(b"\x93NUMPY\x09\x00\x10\x00{}") == [("unreadable-container", "file: unknown .npy format version 9.0")]
    bad = b"\x93NUMPY\x01\x00" + struct.pack("<H", 12) + b"{'a': 1}   \n"
    assert issues(bad) == [("unreadable-container", "file: .npy header must be a dict with exactly descr, fortran_order and shape")]
    code = b"\x93NUMPY\x01\x00" + struct.pack("<H", 24) + b"__import__('os')       \n"
    assert issues(code) == [("unreadable-container", "file: .npy header is not a Python literal: ValueError")]
    assert issues(npy_bytes("<f4", (2,), b"\x00" * 8)) == []


def test_zip_member_problems_are_each_reported():
    data = (CORPUS / "hostile" / "torch_zip_encryption_flag.pt").read_bytes()
    result = scan_bytes(data, OPTIONS)
    assert result.formats == ["torch-zip"]
    assert result.weights_only is False
    assert [i.rule_id for i in result.issues] == ["checkpoint/unreadable-container", "checkpoint/code-execution"]


def test_zip_central_directory_garbage():
    data = b"PK\x03\x04" + b"\x00" * 40 + b"PK\x05\x06" + b"\xff" * 18
    assert issues(data) == [("unreadable-container", "the zip central directory cannot be read: Bad offset for "
                                                     "central directory")]


def test_list_rules_mentions_every_rule(capsys):
    assert main(["checkpoint", "--list-rules"]) == 0
    out = capsys.readouterr().out
    from governance_hooks.checkpoint.rules import RULES

    assert [line.split()[0] for line in out.splitlines()] == [r.id for r in RULES] + [
        "checkpoint/configuration-weakened", "checkpoint/internal-error"]


HOSTILE = (CORPUS / "hostile" / "reduce_posix_system_protocol2.pkl").read_bytes()
ODD_NAMES = ["checkpoint.pth.tar", "model.joblib.gz", "model.pkl.z", "model.sav", "weights.p", "fn.dill",
             "MODEL.PT", "notes.txt", "no_ending"]


def test_a_file_named_on_the_command_line_is_scanned_whatever_its_ending(tmp_path, capsys):
    for name in ODD_NAMES:
        (tmp_path / name).write_bytes(HOSTILE)
    code, rows, _, report = run_cli(tmp_path, capsys, *[str(tmp_path / n) for n in ODD_NAMES])
    assert code == 1
    assert sorted({path for rule, path, _ in rows if rule == "checkpoint/code-execution"}) == sorted(ODD_NAMES)
    assert report["summary"]["checkpoint"]["files_scanned"] == len(ODD_NAMES)


def test_discovery_takes_compound_and_upper_case_endings(tmp_path, capsys):
    for name in ODD_NAMES:
        (tmp_path / name).write_bytes(HOSTILE)
    code, rows, _, _ = run_cli(tmp_path, capsys)
    assert sorted({path for _, path, _ in rows}) == sorted(set(ODD_NAMES) - {"notes.txt", "no_ending"})


def test_pre_commit_files_pattern_passes_every_checkpoint_name():
    import re

    import yaml

    hooks = yaml.safe_load((Path(__file__).resolve().parents[2] / ".pre-commit-hooks.yaml").read_text())
    pattern = re.compile(next(h["files"] for h in hooks if h["id"] == "checkpoints"))
    names = ["a/checkpoint.pth.tar", "model.joblib.gz", "model.pkl.z", "model.sav", "w.p", "f.dill", "MODEL.PT",
             "x.Pkl", "m.joblib.lz4", "e.ckpt", "model.safetensors", "run/metadata.json", "index.json", "state.sha256",
             "pytorch_model.bin", "a.npz"]
    assert [n for n in names if not pattern.search(n)] == []
    assert [n for n in ("notes.txt", "data.csv.gz", "setup.py", "archive.tar") if pattern.search(n)] == []


def test_changed_files_are_sniffed_by_content_whatever_their_ending(tmp_path):
    (tmp_path / "weights.data").write_bytes(HOSTILE)
    (tmp_path / "notes.data").write_bytes(b"plain text\n")
    ctx = Context(root=tmp_path, config=load_config(None, tmp_path), check="checkpoint",
                  changed_files=["weights.data", "notes.data"])
    result = command.run(argparse.Namespace(paths=[], allow_global=[], max_opcodes=None), ctx)
    assert sorted({(f.rule_id, f.location.path) for f in result.findings}) == [
        ("checkpoint/code-execution", "weights.data")]
