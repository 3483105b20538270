"""Every check over a symlink farm: a finding or a one-line exit 2, within seconds, never a hang.

Each case commits one hostile link where a check reads its input: to ``/dev/zero``
(endless, ``st_size`` 0), ``/dev/stdin`` (a pipe nobody writes to: a read waits
forever), a FIFO inside the repository (``open`` waits for a writer),
``/proc/self/fd/1`` (the tool's own stdout pipe: reading it waits forever), a
file outside the repository (its content must not reach the output) and a
symlink loop. The tool runs in a child process with a timeout, stdin held open.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import git

SECRET = "TOP-SECRET-OUTSIDE-CONTENT"
KINDS = ("zero", "stdin", "fifo", "fd1", "outside", "loop")

#: check -> (the hostile file's repository path, argv after ``governance-hooks``)
CASES = {
    "config": ("pyproject.toml", ["codeowners"]),
    "codeowners": (".github/CODEOWNERS", ["codeowners"]),
    "codeowners-files-from": ("files.txt", ["codeowners", "--files-from", "{root}/files.txt"]),
    "redos": ("src/app.py", ["redos"]),
    "metrics": ("logs/run.ndjson", ["metrics"]),
    "metrics-schema": ("schemas/s.json", ["metrics"]),
    "policy": (".governance/policy.yaml", ["policy"]),
    "policy-smt": (".governance/x.smt2", ["policy"]),
    "manifest": ("data/manifest.json", ["manifest", "verify"]),
    "checkpoint": ("ckpt/model.pkl", ["checkpoint"]),
    "semgrep": ("src/app.py", ["semgrep"]),
    "baseline": ("baseline.json", ["run", "--checks", "codeowners", "--baseline", "{root}/baseline.json"]),
}

_CONFIG = {
    "metrics-schema": '[tool.governance-hooks.metrics]\nschema = "schemas/s.json"\n',
}


def _farm(tmp_path: Path, case: str, kind: str) -> Path:
    rel, _ = CASES[case]
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / ".github").mkdir()
    (root / ".github" / "CODEOWNERS").write_text("* @octo\n", encoding="utf-8")
    (root / "README.md").write_text("hello\n", encoding="utf-8")
    (root / "logs").mkdir()
    (root / "logs" / "ok.ndjson").write_text('{"epoch": 1}\n', encoding="utf-8")
    if case in _CONFIG:
        (root / "pyproject.toml").write_text(_CONFIG[case], encoding="utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text(f'{{"epoch": "{SECRET}"}}\n# {SECRET}\nimport re\nre.compile("(a+)+$")\n', encoding="utf-8")
    os.mkfifo(root / "fifo")
    target = {
        "zero": "/dev/zero", "stdin": "/dev/stdin", "fd1": "/proc/self/fd/1",
        "outside": str(outside), "fifo": os.path.relpath(root / "fifo", (root / rel).parent),
        "loop": Path(rel).name,
    }[kind]
    link = root / rel
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.exists() or link.is_symlink():
        link.unlink()
    os.symlink(target, link)
    (root / ".git" / "info" / "exclude").write_text("fifo\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "farm")
    return root


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_link_gives_a_finding_or_one_line_exit_2(tmp_path, case, kind):
    if case == "semgrep":
        pytest.importorskip("semgrep", reason="the semgrep extra is not installed")
    root = _farm(tmp_path, case, kind)
    rel, argv = CASES[case]
    argv = [a.replace("{root}", str(root)) for a in argv]
    src = Path(__file__).resolve().parents[2] / "src"
    env = {**os.environ, "PYTHONPATH": str(src), "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    read_end, write_end = os.pipe()  # stdin: a pipe held open and never written, so a read of it would hang
    try:
        proc = subprocess.run([sys.executable, "-m", "governance_hooks", *argv, "--repo", str(root),
                               "--format", "json"],
                              stdin=read_end, capture_output=True, text=True, timeout=60, env=env, cwd=root)
    finally:
        os.close(read_end)
        os.close(write_end)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert SECRET not in proc.stdout and SECRET not in proc.stderr
    if proc.returncode == 2:
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("governance-hooks: error: "), proc.stderr
        return
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    paths = {f["path"] for f in report["findings"]}
    assert rel in paths or any(rel in (f["message"] or "") for f in report["findings"]), (proc.stdout, proc.stderr)
