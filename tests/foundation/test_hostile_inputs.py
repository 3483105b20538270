"""Hostile input to the foundation: configuration files, argument values, undecodable file names."""

from __future__ import annotations

import json
import os

import pytest

from governance_hooks import config
from governance_hooks.cli import main
from governance_hooks.errors import ToolError
from governance_hooks.findings import Finding, Location, Severity
from governance_hooks.report import CheckSummary, Report, render

NON_UTF8 = os.fsdecode(b"data/bad\xffname.pkl")


def test_non_utf8_file_name_is_escaped_for_every_format(fake_cli):
    finding = Finding("fake/bad-thing", Severity.ERROR, "unsafe", Location(NON_UTF8, 1))
    assert finding.location.path == NON_UTF8  # kept exactly; each format escapes it
    assert len(finding.fingerprint()) == 64
    report = Report([finding], [CheckSummary("fake", {"error": 1, "warning": 0, "note": 0})], "0.1.0")
    for fmt in ("text", "json", "github", "sarif"):
        render(fmt, report).encode("utf-8")  # strict: no lone surrogates left
    assert render("text", report).startswith("data/bad\\xffname.pkl:1: error fake/bad-thing unsafe")
    path = json.loads(render("json", report))["findings"][0]["path"]
    assert os.fsencode(path) == b"data/bad\xffname.pkl"  # lossless: the bytes come back
    assert "file=data/bad\\xffname.pkl,line=1" in render("github", report)
    sarif = json.loads(render("sarif", report))
    uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "data/bad%FFname.pkl"  # the raw byte, percent-encoded (RFC 3986)


@pytest.mark.parametrize(
    "content, message",
    [
        ("tool = 3\n", "[tool] must be a table"),
        ("a = " + "[" * 100_000 + "]" * 100_000 + "\n", "invalid TOML: nested too deeply"),
    ],
)
def test_malformed_pyproject_is_one_line_exit_2(tmp_path, capsys, content, message):
    (tmp_path / "pyproject.toml").write_text(content)
    assert main(["codeowners", "--repo", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == f"governance-hooks: error: {tmp_path / 'pyproject.toml'}: {message}\n"


def test_config_that_is_not_a_regular_file_is_refused(tmp_path):
    with pytest.raises(ToolError, match=r"/dev/zero: configuration is not a regular file"):
        config.load(config.Path("/dev/zero"), tmp_path)


def test_config_larger_than_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "MAX_CONFIG_BYTES", 64)
    big = tmp_path / "big.toml"
    big.write_text("# " + "x" * 100 + "\n")
    with pytest.raises(ToolError, match=r"big.toml: configuration is larger than 64 bytes"):
        config.load(big, tmp_path)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["metrics", "--max-errors", "x"], "governance-hooks metrics: error: argument --max-errors: invalid int value: 'x' (see --help)\n"),
        (["codeowners", "--fail-on", "bogus"], "governance-hooks codeowners: error: argument --fail-on: invalid choice: 'bogus' "
                                               "(choose from 'error', 'warning', 'note') (see --help)\n"),
    ],
)
def test_bad_argument_values_are_one_line_exit_2(capsys, argv, message):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert capsys.readouterr().err == message
