"""Shared helpers: atomic writes, sha256 and LFS pointers, inline suppression, configuration."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from governance_hooks import atomic, config, hashing, suppression
from governance_hooks.errors import ToolError

OID = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393"


def test_write_atomic_keeps_mode_and_replaces(tmp_path):
    target = tmp_path / "manifest.json"
    target.write_text("old")
    os.chmod(target, 0o600)
    atomic.write_atomic(target, "new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]


def test_write_atomic_interrupted_leaves_old_file(tmp_path, monkeypatch):
    target = tmp_path / "manifest.json"
    target.write_text("old")

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic.write_atomic(target, "new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]


def test_sha256_file_matches_hashlib(tmp_path):
    data = os.urandom(3 * hashing.CHUNK + 17)
    path = tmp_path / "blob"
    path.write_bytes(data)
    assert hashing.sha256_file(path) == hashlib.sha256(data).hexdigest()
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert hashing.sha256_file(empty) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_lfs_pointer_parsing():
    text = f"version https://git-lfs.github.com/spec/v1\noid sha256:{OID}\nsize 12345\n".encode()
    assert hashing.parse_lfs_pointer(text) == hashing.LfsPointer(OID, 12345)
    with_ext = f"version https://git-lfs.github.com/spec/v1\next-0-foo sha256:{'0' * 64}\noid sha256:{OID}\nsize 0\n".encode()
    assert hashing.parse_lfs_pointer(with_ext) == hashing.LfsPointer(OID, 0)
    assert hashing.parse_lfs_pointer(text.replace(b"\n", b"\r\n")) is None
    assert hashing.parse_lfs_pointer(text[:-1]) is None
    assert hashing.parse_lfs_pointer(text.upper()) is None
    assert hashing.parse_lfs_pointer(text + b"x" * 2000) is None


@pytest.mark.parametrize(
    "line, rule, expected",
    [
        ("x = re.compile(p)  # governance: ignore[redos/exponential-backtracking]", "redos/exponential-backtracking", True),
        ("x  # governance: ignore[redos/polynomial-backtracking]", "redos/exponential-backtracking", False),
        ("x  # governance: ignore[redos/*]", "redos/exponential-backtracking", True),
        ("x  # governance: ignore", "codeowners/invalid-owner", True),
        ("*.py @a  # governance: ignore[codeowners/a, codeowners/b]", "codeowners/b", True),
        ("x  # no marker", "redos/x", False),
    ],
)
def test_inline_suppression(line, rule, expected):
    assert suppression.is_suppressed(rule, line) is expected


def test_config_defaults_when_no_pyproject(tmp_path):
    cfg = config.load(None, tmp_path)
    assert cfg.source is None and cfg.for_check("codeowners") == {}


def test_config_reads_tool_table(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname="x"\n[tool.governance-hooks]\nfail-on="warning"\n'
        '[tool.governance-hooks.codeowners]\nignore=["codeowners/unowned-file"]\n'
    )
    cfg = config.load(None, tmp_path)
    assert cfg.settings == {"fail-on": "warning"}
    assert cfg.ignored("codeowners") == ["codeowners/unowned-file"]


def test_config_pyproject_without_our_table(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname="x"\n')
    assert config.load(None, tmp_path).checks == {}


def test_config_invalid_utf8_is_tool_error(tmp_path):
    (tmp_path / "pyproject.toml").write_bytes(b"\xff\xfe[tool]\n")
    with pytest.raises(ToolError, match="not valid UTF-8"):
        config.load(None, tmp_path)


def test_config_bom_is_accepted(tmp_path):
    (tmp_path / "pyproject.toml").write_bytes('\ufeff[tool.governance-hooks]\nfail-on="note"\n'.encode())
    assert config.load(None, tmp_path).settings == {"fail-on": "note"}


def test_require_keys_names_the_unknown_key(tmp_path):
    with pytest.raises(ToolError, match=r"unknown key 'dilect' in \[tool.governance-hooks.codeowners\]"):
        config.require_keys("codeowners", {"dilect": "gitlab"}, ["dialect"], Path("pyproject.toml"))


def test_relative_posix_through_a_symlinked_folder(tmp_path):
    from governance_hooks.repo import relative_posix

    real = tmp_path / "real"
    (real / "sub").mkdir(parents=True)
    link = tmp_path / "link"
    link.symlink_to(real)
    assert relative_posix(link / "sub" / "f.txt", real) == "sub/f.txt"
    assert relative_posix(real / "sub" / "f.txt", link) == "sub/f.txt"
    assert relative_posix(tmp_path / "elsewhere.txt", real) == (tmp_path / "elsewhere.txt").as_posix()
