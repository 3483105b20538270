"""Hostile command-line input for the checkpoint check: a precise one-line error, never a silent pass."""

from __future__ import annotations

import os

import pytest

from governance_hooks.cli import main


@pytest.mark.parametrize("spec", ["bogus", "", ":", "os:"])
def test_bad_allow_global_flag_is_named_as_the_flag_not_the_configuration(tmp_path, capsys, spec):
    code = main(["checkpoint", "--repo", str(tmp_path), "--allow-global", spec])
    assert code == 2
    assert capsys.readouterr().err == f"governance-hooks: error: --allow-global {spec!r} is not \"module:qualname\"\n"


def test_bad_allow_globals_entry_in_the_configuration_names_the_file(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text('[tool.governance-hooks.checkpoint]\nallow-globals = ["x"]\n',
                                             encoding="utf-8")
    code = main(["checkpoint", "--repo", str(tmp_path), "--allow-global", "builtins:int"])
    assert code == 2
    assert capsys.readouterr().err == (f"governance-hooks: error: {tmp_path / 'pyproject.toml'}: "
                                       "[tool.governance-hooks.checkpoint] allow-globals entry 'x' is not "
                                       "\"module:qualname\"\n")


@pytest.mark.parametrize("value", ["0", "-1"])
def test_non_positive_max_opcodes_flag_is_a_one_line_error(tmp_path, capsys, value):
    assert main(["checkpoint", "--repo", str(tmp_path), "--max-opcodes", value]) == 2
    assert capsys.readouterr().err == "governance-hooks: error: --max-opcodes must be a positive integer\n"


def test_explicit_fifo_is_a_one_line_error_not_a_silent_pass(tmp_path, capsys, monkeypatch):
    os.mkfifo(tmp_path / "pipe.pkl")
    monkeypatch.chdir(tmp_path)
    code = main(["checkpoint", "--repo", str(tmp_path), "pipe.pkl"])
    assert code == 2
    assert capsys.readouterr().err == ("governance-hooks: error: pipe.pkl: not a regular file (a FIFO, device or "
                                       "socket); it cannot be checked\n")
