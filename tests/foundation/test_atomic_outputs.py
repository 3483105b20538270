"""The one output writer: atomic for absent or regular targets, written through for devices and
FIFOs, refused for links, folders and sockets; temporary files carry a prefix every listing ignores."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from governance_hooks import atomic
from governance_hooks.atomic import write_atomic
from governance_hooks.errors import ToolError
from governance_hooks.repo import TEMP_PREFIX, list_files
from tests.conftest import git

SRC = Path(__file__).resolve().parents[2] / "src"


def _cli(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run([sys.executable, "-m", "governance_hooks", *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_regular_file_is_replaced_atomically_keeping_its_mode(tmp_path):
    target = tmp_path / "out.sarif"
    target.write_text("old", encoding="utf-8")
    os.chmod(target, 0o600)
    inode = os.stat(target).st_ino
    write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert os.stat(target).st_ino != inode  # a new file renamed over the old one
    assert sorted(os.listdir(tmp_path)) == ["out.sarif"]


def test_dev_null_stays_a_character_device(tmp_path):
    before = os.stat("/dev/null")
    write_atomic(Path("/dev/null"), "discarded")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and after.st_ino == before.st_ino


def test_fifo_is_written_through_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []

    def reader():
        with open(fifo, "rb") as handle:
            received.append(handle.read())

    thread = threading.Thread(target=reader)
    thread.start()
    write_atomic(fifo, "through the pipe")
    thread.join(10)
    assert received == [b"through the pipe"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_dev_stdout_writes_to_the_descriptor(tmp_path):
    code = "from pathlib import Path; from governance_hooks.atomic import write_atomic; write_atomic(Path('/dev/stdout'), 'to fd 1\\n')"
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(SRC)},
                         capture_output=True, text=True, timeout=60)
    assert (out.returncode, out.stdout, out.stderr) == (0, "to fd 1\n", "")


@pytest.mark.parametrize("kind", ["symlink", "folder", "socket"])
def test_links_folders_and_sockets_are_refused(tmp_path, kind):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    target = tmp_path / "out"
    if kind == "symlink":
        os.symlink(victim, target)
    elif kind == "folder":
        target.mkdir()
    else:
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(target))
    with pytest.raises(ToolError) as info:
        write_atomic(target, "payload")
    assert str(info.value).startswith(f"{target}: output path is a {kind if kind != 'symlink' else 'symbolic link'}")
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert [n for n in os.listdir(tmp_path) if n.startswith(TEMP_PREFIX)] == []


def test_temporary_file_has_the_prefix_and_is_removed_on_interrupt(tmp_path, monkeypatch):
    seen = []

    def interrupted(src, dst):
        seen.append(os.path.basename(src))
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "manifest.json", "{}")
    assert len(seen) == 1 and seen[0].startswith(TEMP_PREFIX + "manifest.json.")
    assert os.listdir(tmp_path) == []


def test_temporary_file_is_removed_on_sigterm(tmp_path, monkeypatch):
    import signal

    def terminated(src, dst):
        os.kill(os.getpid(), signal.SIGTERM)  # delivered while the temporary file exists
        raise AssertionError("SIGTERM did not unwind the write")

    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(atomic.os, "replace", terminated)
    with pytest.raises(SystemExit) as info:
        write_atomic(tmp_path / "report.json", "{}")
    assert info.value.code == 128 + signal.SIGTERM
    assert os.listdir(tmp_path) == []
    assert signal.getsignal(signal.SIGTERM) == before  # the handler is only there during the write


def test_cli_sarif_and_output_to_devices_and_links(make_repo, tmp_path):
    root = make_repo({".github/CODEOWNERS": "* @octo\n", "a.py": "x = 1\n"})
    null_before = os.stat("/dev/null")
    out = _cli("run", "--checks", "codeowners", "--repo", str(root), "--sarif", "/dev/null", cwd=root)
    assert out.returncode == 0, out.stderr
    assert os.stat("/dev/null").st_ino == null_before.st_ino and stat.S_ISCHR(os.stat("/dev/null").st_mode)
    victim = tmp_path / "victim"
    victim.write_text("keep", encoding="utf-8")
    os.symlink(victim, tmp_path / "link.sarif")
    out = _cli("run", "--checks", "codeowners", "--repo", str(root), "--sarif", str(tmp_path / "link.sarif"), cwd=root)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "output path is a symbolic link" in out.stderr
    assert victim.read_text(encoding="utf-8") == "keep"
    out = _cli("codeowners", "--repo", str(root), "--format", "json", "--output", "/dev/stdout", cwd=root)
    assert out.returncode == 0 and '"tool": "governance-hooks"' in out.stdout


def test_debris_of_a_killed_manifest_build_is_ignored(make_repo):
    """What ``kill -9`` during ``manifest build`` leaves: a prefixed temporary file beside the manifest."""
    root = make_repo({"data/a.bin": b"alpha", "data/b.bin": b"beta"})
    built = _cli("manifest", "build", "data", "--repo", str(root), cwd=root)
    assert built.returncode == 0, built.stderr
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "manifest")
    # A real SIGKILL in the middle of a write: the writer is held just before its rename.
    code = ("import os, sys, time; from pathlib import Path; from governance_hooks import atomic; "
            "atomic.os.replace = lambda a, b: (sys.stdout.write('ready\\n'), sys.stdout.flush(), time.sleep(120)); "
            "atomic.write_atomic(Path(sys.argv[1]), '{\"schema_version\": \"1.0\", \"shards\": [')")
    writer = subprocess.Popen([sys.executable, "-c", code, str(root / "data" / "manifest.json")],
                              env={**os.environ, "PYTHONPATH": str(SRC)}, stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline() == "ready\n"
    writer.kill()  # SIGKILL: no handler runs
    writer.wait(30)
    debris = [n for n in os.listdir(root / "data") if n.startswith(TEMP_PREFIX)]
    assert len(debris) == 1 and debris[0].startswith(TEMP_PREFIX + "manifest.json.")
    verified = _cli("manifest", "verify", "--repo", str(root), "--format", "json", cwd=root)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert TEMP_PREFIX not in verified.stdout
    updated = _cli("manifest", "build", "data", "--update", "--repo", str(root), cwd=root)
    assert updated.returncode == 0, updated.stderr
    assert TEMP_PREFIX not in (root / "data" / "manifest.json").read_text(encoding="utf-8")
    assert all(TEMP_PREFIX not in p for p in list_files(root, untracked=True))
