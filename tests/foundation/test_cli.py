"""The CLI contract of DESIGN.md: exit codes, formats, --output, --summary, errors."""

from __future__ import annotations

import json

import pytest

from governance_hooks import __version__
from governance_hooks.cli import main


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"governance-hooks {__version__}"


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage: governance-hooks" in capsys.readouterr().err


def test_text_format_and_exit_1(fake_cli, capsys, tmp_path):
    assert fake_cli(["fake", "--repo", str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == ".: note fake/note-thing for your information"
    # A line break inside a message is shown escaped: one finding, one line.
    assert out[1] == "src/a,b.py:1:1: warning fake/odd-thing odd\\nthing"
    assert out[2] == "src/a,b.py:3:5: error fake/bad-thing bad thing, with 100% certainty: yes"
    assert out[3] == "    suggestion: remove it"
    assert out[4] == "fake: 1 error, 1 warning, 1 note; scanned: 2"
    assert out[5] == "total: 1 check run, 1 error, 1 warning, 1 note; exit 1 (findings at or above error)"
    assert len(out) == 6


@pytest.mark.parametrize(
    "mode, fail_on, expected",
    [
        ("findings", "error", 1),
        ("clean", "error", 0),
        ("clean", "note", 0),
        ("notes", "error", 0),
        ("notes", "warning", 0),
        ("notes", "note", 1),
    ],
)
def test_fail_on_threshold(fake_cli, tmp_path, mode, fail_on, expected):
    assert fake_cli(["fake", "--repo", str(tmp_path), "--mode", mode, "--fail-on", fail_on]) == expected


def test_fail_on_from_configuration(fake_cli, tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.governance-hooks]\nfail-on = "note"\n')
    assert fake_cli(["fake", "--repo", str(tmp_path), "--mode", "notes"]) == 1
    # The flag overrides the file.
    assert fake_cli(["fake", "--repo", str(tmp_path), "--mode", "notes", "--fail-on", "error"]) == 0


def test_config_ignore_drops_rule(fake_cli, tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text('[tool.governance-hooks.fake]\nignore = ["fake/bad-*"]\n')
    assert fake_cli(["fake", "--repo", str(tmp_path), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [f["rule_id"] for f in doc["findings"]] == ["fake/note-thing", "fake/odd-thing"]
    assert doc["summary"]["fake"]["error"] == 0
    assert doc["summary"]["fake"]["status"] == "pass"


def test_explicit_config_file(fake_cli, tmp_path, capsys):
    cfg = tmp_path / "governance.toml"
    cfg.write_text('fail-on = "warning"\n[fake]\nignore = ["fake/bad-thing"]\n')
    assert fake_cli(["fake", "--repo", str(tmp_path), "--config", str(cfg)]) == 1
    assert "fake/bad-thing" not in capsys.readouterr().out


def test_ignore_must_be_a_list(fake_cli, tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text('[tool.governance-hooks.fake]\nignore = "fake/bad-thing"\n')
    assert fake_cli(["fake", "--repo", str(tmp_path)]) == 2
    assert "ignore must be a list of rule ids" in capsys.readouterr().err


def test_json_document_shape(fake_cli, tmp_path, capsys):
    assert fake_cli(["fake", "--repo", str(tmp_path), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["tool"] == "governance-hooks"
    assert doc["version"] == __version__
    assert doc["summary"] == {"fake": {"error": 1, "warning": 1, "note": 1, "scanned": 2, "status": "fail"}}
    first = doc["findings"][-1]
    assert first == {
        "rule_id": "fake/bad-thing", "severity": "error", "message": "bad thing, with 100% certainty: yes",
        "path": "src/a,b.py", "line": 3, "column": 5, "end_line": 3, "end_column": 9,
        "suggestion": "remove it", "evidence": {"attack": ["a", 3]},
    }
    assert doc["findings"][0]["line"] is None and doc["findings"][0]["suggestion"] is None


def test_output_file_and_summary(fake_cli, tmp_path, capsys):
    out = tmp_path / "out.json"
    summary = tmp_path / "summary.md"
    assert fake_cli(["fake", "--repo", str(tmp_path), "--format", "json", "--output", str(out), "--summary", str(summary)]) == 1
    assert capsys.readouterr().out == ""
    assert json.loads(out.read_text())["summary"]["fake"]["error"] == 1
    md = summary.read_text()
    assert "| fake | fail | 1 | 1 | 1 |" in md
    assert "| `src/a,b.py:3` | `fake/bad-thing` | bad thing, with 100% certainty: yes Suggestion: remove it |" in md


def test_tool_error_is_one_line_exit_2(fake_cli, tmp_path, capsys):
    assert fake_cli(["fake", "--repo", str(tmp_path), "--mode", "usage"]) == 2
    err = capsys.readouterr().err
    assert err == "governance-hooks: error: policy.yaml:3: unknown key 'alow'\n"


def test_internal_error_no_traceback_without_debug(fake_cli, tmp_path, capsys):
    assert fake_cli(["fake", "--repo", str(tmp_path), "--mode", "crash"]) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        "governance-hooks: internal error in fake: ZeroDivisionError: division by zero in fake "
        "(re-run with --debug for the traceback)\n"
    )
    assert "Traceback" not in captured.err
    assert "fake/internal-error" in captured.out


def test_internal_error_traceback_with_debug(fake_cli, tmp_path, capsys):
    assert fake_cli(["fake", "--repo", str(tmp_path), "--mode", "crash", "--debug"]) == 2
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_bad_config_is_exit_2(fake_cli, tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text("[tool.governance-hooks\n")
    assert fake_cli(["fake", "--repo", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"governance-hooks: error: {tmp_path / 'pyproject.toml'}: invalid TOML:")
    assert err.count("\n") == 1


def test_unknown_config_key_is_exit_2(fake_cli, tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text('[tool.governance-hooks]\nfial-on = "error"\n')
    assert fake_cli(["fake", "--repo", str(tmp_path)]) == 2
    assert "unknown key 'fial-on' in [tool.governance-hooks]" in capsys.readouterr().err


def test_missing_repo_folder_is_exit_2(fake_cli, tmp_path, capsys):
    assert fake_cli(["fake", "--repo", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err == f"governance-hooks: error: {tmp_path / 'nope'}: --repo is not a folder\n"


def test_unwritable_output_is_exit_2(fake_cli, tmp_path, capsys):
    target = tmp_path / "missing-dir" / "out.txt"
    assert fake_cli(["fake", "--repo", str(tmp_path), "--output", str(target)]) == 2
    assert capsys.readouterr().err.startswith(f"governance-hooks: error: {target}: cannot write:")


def test_list_rules_of_one_check(fake_cli, capsys):
    assert fake_cli(["fake", "--list-rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["fake/bad-thing", "error", "A", "bad", "thing."]
    assert [line.split()[0] for line in lines] == [
        "fake/bad-thing", "fake/odd-thing", "fake/note-thing", "fake/internal-error"]


def test_every_registered_rule_id_is_well_formed():
    from governance_hooks.rules import all_rules, validate_ids

    registry = all_rules()
    validate_ids(registry)
    for rule in registry.values():
        assert rule.summary.strip(), rule.id


def test_query_output_replaces_the_report(fake_cli, tmp_path, capsys):
    assert fake_cli(["fake", "--repo", str(tmp_path), "--mode", "query"]) == 0
    assert capsys.readouterr().out == "owners of x.py: @a\n"
    assert fake_cli(["fake", "--repo", str(tmp_path), "--mode", "query", "--fail-on", "warning"]) == 1


def test_a_hook_imports_only_its_own_check():
    import subprocess
    import sys

    code = (
        "import sys; from governance_hooks.cli import main; "
        "main(['codeowners', '--list-rules']); "
        "print(sorted(m for m in sys.modules if m.endswith('.command') and m.startswith('governance_hooks')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "['governance_hooks.codeowners.command']"
